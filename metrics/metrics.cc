#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include <array>

namespace freshd::metrics {
namespace {

constexpr std::array<std::string_view, 4> kResults = {"changed", "unchanged", "not_modified",
                                                      "error"};

std::string_view ResultLabel(CheckResult result) {
  return kResults[static_cast<std::size_t>(result)];
}

const prometheus::Histogram::BucketBoundaries& FetchBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};
  return buckets;
}

// From a delivery on loopback (milliseconds) to a sink down for hours.
const prometheus::Histogram::BucketBoundaries& LagBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600};
  return buckets;
}

prometheus::Labels OperationLabels(const std::string& sink, std::string_view op, bool ok) {
  return {{"sink", sink}, {"op", std::string(op)}, {"result", ok ? "ok" : "error"}};
}

template <typename T>
prometheus::Family<T>& Build(prometheus::detail::Builder<T> builder, prometheus::Registry& registry,
                             const std::string& name, const std::string& help) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

Metrics::Metrics(std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      checks_(Build(prometheus::BuildCounter(), *registry_, "freshd_source_checks_total",
                    "Document checks by result.")),
      errors_(Build(prometheus::BuildCounter(), *registry_, "freshd_source_errors_total",
                    "Failed document checks by reason.")),
      requests_(Build(prometheus::BuildCounter(), *registry_, "freshd_source_requests_total",
                      "Requests made for the source: document checks (conditional ones "
                      "included), volatility probes and listings.")),
      documents_(Build(prometheus::BuildGauge(), *registry_, "freshd_source_documents",
                       "Documents currently watched in the source, by state: supported (text "
                       "freshd reads and indexes) or unsupported (other binary data).")),
      last_check_(Build(prometheus::BuildGauge(), *registry_,
                        "freshd_source_last_check_timestamp_seconds",
                        "Unix time of the source's last completed check.")),
      last_change_(Build(prometheus::BuildGauge(), *registry_,
                         "freshd_source_last_change_timestamp_seconds",
                         "Unix time of the last change seen in any document of the source.")),
      consecutive_failures_(Build(prometheus::BuildGauge(), *registry_,
                                  "freshd_source_consecutive_failures",
                                  "Runs of the source (its page, listing or folder scan) that "
                                  "failed in a row; 0 after a run that succeeded.")),
      fetch_duration_(Build(prometheus::BuildHistogram(), *registry_,
                            "freshd_fetch_duration_seconds",
                            "Time to fetch one document, including redirects.")),
      change_rate_(Build(prometheus::BuildGauge(), *registry_,
                         "freshd_source_change_rate_per_second",
                         "Estimated material changes per second, all documents of the source.")),
      request_budget_(Build(prometheus::BuildGauge(), *registry_,
                            "freshd_source_request_budget_per_second",
                            "The adaptive source's request budget: at most this many requests "
                            "per second, conditional ones included (listings apart).")),
      planned_requests_(Build(prometheus::BuildGauge(), *registry_,
                              "freshd_source_planned_requests_per_second",
                              "Document checks per second the adaptive allocation plans.")),
      expected_freshness_(Build(prometheus::BuildGauge(), *registry_,
                                "freshd_source_expected_freshness",
                                "Expected share of the source's documents up to date (0..1), "
                                "by the adaptive scheduler's model of their change rates.")),
      hint_precision_(Build(prometheus::BuildGauge(), *registry_, "freshd_source_hint_precision",
                            "Share of checks made because a listing's change hint moved that "
                            "found a change.")),
      hint_recall_(Build(prometheus::BuildGauge(), *registry_, "freshd_source_hint_recall",
                         "Share of the changes found that a listing's change hint announced.")),
      history_trusted_(Build(prometheus::BuildGauge(), *registry_, "freshd_source_history_trusted",
                             "1 while the source's reported dates agree with observation and its "
                             "reported history is used, else 0.")),
      masked_(Build(prometheus::BuildCounter(), *registry_,
                    "freshd_source_volatile_fragments_masked_total",
                    "Volatile fragments (clocks, tokens) masked before comparing documents.")),
      invalid_utf8_(Build(prometheus::BuildCounter(), *registry_,
                          "freshd_source_invalid_utf8_sequences_total",
                          "Ill-formed UTF-8 sequences in fetched documents, each replaced by "
                          "U+FFFD before indexing.")),
      listing_skipped_(Build(prometheus::BuildCounter(), *registry_,
                             "freshd_source_listing_entries_skipped_total",
                             "Sitemap and feed entries left out of a run, by reason, counted "
                             "at every run.")),
      workload_interval_(Build(prometheus::BuildGauge(), *registry_,
                               "freshd_workload_change_interval_seconds",
                               "Estimated time between changes of the workload's knowledge, "
                               "with the bounds of its confidence interval.")),
      workload_recommendation_(Build(prometheus::BuildGauge(), *registry_,
                                     "freshd_workload_recommendation",
                                     "1 for the published recommendation, 0 for the others.")),
      workload_mismatch_(Build(prometheus::BuildGauge(), *registry_,
                               "freshd_workload_strategy_mismatch",
                               "1 when the published recommendation differs from the "
                               "workload's strategy.")),
      workload_changed_since_training_(Build(
          prometheus::BuildGauge(), *registry_, "freshd_workload_documents_changed_since_training",
          "Documents changed or added after the workload's trained_at date.")),
      workload_changed_ratio_(Build(prometheus::BuildGauge(), *registry_,
                                    "freshd_workload_changed_since_training_ratio",
                                    "Share of the workload's documents changed since trained_at.")),
      index_operations_(Build(prometheus::BuildCounter(), *registry_,
                              "freshd_index_operations_total",
                              "Index operations sent to the RAG sink, by operation and result.")),
      index_pending_(Build(prometheus::BuildGauge(), *registry_, "freshd_index_pending_operations",
                           "Index operations in the outbox, not yet acknowledged by the sink.")),
      index_lag_(Build(prometheus::BuildHistogram(), *registry_, "freshd_index_lag_seconds",
                       "Time from a change detected to the sink's acknowledgement of its "
                       "index operations.")),
      index_chunks_(Build(prometheus::BuildGauge(), *registry_, "freshd_index_chunks",
                          "Chunks the RAG sink holds, as acknowledged to freshd.")),
      sink_failing_(Build(prometheus::BuildGauge(), *registry_, "freshd_index_sink_failing",
                          "1 from a delivery to the RAG sink that failed (it is retried with "
                          "backoff) to the next one that succeeds, else 0.")),
      store_errors_(Build(prometheus::BuildCounter(), *registry_, "freshd_store_errors_total",
                          "Failed reads and writes of the state store, and records found "
                          "corrupt (skipped or started afresh).")),
      http_connections_(Build(prometheus::BuildGauge(), *registry_, "freshd_http_connections",
                              "Open connections to the HTTP endpoints.")
                            .Add({})),
      http_refused_(Build(prometheus::BuildCounter(), *registry_,
                          "freshd_http_connections_refused_total",
                          "Connections the HTTP endpoints could not take: at the connection "
                          "limit with none idle (limit), or accept() failing for lack of file "
                          "descriptors (fd_exhausted) or memory (no_memory).")),
      http_idle_closed_(Build(prometheus::BuildCounter(), *registry_,
                              "freshd_http_idle_connections_closed_total",
                              "Idle HTTP connections closed to make room for a new one.")
                            .Add({})),
      reload_successful_(Build(prometheus::BuildGauge(), *registry_,
                               "freshd_config_last_reload_successful",
                               "1 if the last configuration load succeeded.")
                             .Add({})),
      reload_success_timestamp_(Build(prometheus::BuildGauge(), *registry_,
                                      "freshd_config_last_reload_success_timestamp_seconds",
                                      "Unix time of the last successful configuration load.")
                                    .Add({})) {
  Build(prometheus::BuildGauge(), *registry_, "freshd_build_info",
        "Always 1; the version label says which freshd runs.")
      .Add({{"version", std::string(version)}})
      .Set(1);
  for (const char* kind : {"io", "corruption"}) store_errors_.Add({{"kind", kind}});
  for (const char* reason : {"limit", "fd_exhausted", "no_memory"}) {
    http_refused_.Add({{"reason", reason}});
  }
}

void Metrics::CountStoreError(std::string_view kind) {
  store_errors_.Add({{"kind", std::string(kind)}}).Increment();
}

const std::vector<std::string_view>& Metrics::ErrorReasons() {
  static const std::vector<std::string_view> reasons = {
      "timeout", "dns", "connect", "tls", "http_4xx", "http_5xx", "too_large", "parse", "io"};
  return reasons;
}

const std::vector<std::string_view>& Metrics::ListingSkipReasons() {
  static const std::vector<std::string_view> reasons = {"scheme"};
  return reasons;
}

void Metrics::AddSink(const std::string& sink) {
  std::lock_guard lock(mutex_);
  for (std::string_view op : {"upsert", "delete"}) {
    index_operations_.Add(OperationLabels(sink, op, true));
    index_operations_.Add(OperationLabels(sink, op, false));
  }
  index_pending_.Add({{"sink", sink}});
  index_lag_.Add({{"sink", sink}}, LagBuckets());
  index_chunks_.Add({{"sink", sink}});
  sink_failing_.Add({{"sink", sink}});
}

void Metrics::CountIndexOperations(const std::string& sink, std::string_view op, bool ok,
                                   std::size_t count) {
  index_operations_.Add(OperationLabels(sink, op, ok)).Increment(static_cast<double>(count));
}

void Metrics::ObserveIndexLag(const std::string& sink, double seconds) {
  index_lag_.Add({{"sink", sink}}, LagBuckets()).Observe(seconds);
}

void Metrics::SetIndexPending(const std::string& sink, double operations) {
  index_pending_.Add({{"sink", sink}}).Set(operations);
}

void Metrics::SetIndexChunks(const std::string& sink, double chunks) {
  index_chunks_.Add({{"sink", sink}}).Set(chunks);
}

void Metrics::SetSinkFailing(const std::string& sink, bool failing) {
  sink_failing_.Add({{"sink", sink}}).Set(failing ? 1 : 0);
}

namespace {
constexpr std::array<std::string_view, 2> kDocumentStates = {"supported", "unsupported"};

prometheus::Labels WithState(prometheus::Labels labels, std::string_view state) {
  labels["state"] = std::string(state);
  return labels;
}
}  // namespace

prometheus::Labels Metrics::Labels(const SourceLabels& labels) const {
  return {{"workload", labels.workload}, {"source", labels.source}};
}

void Metrics::AddSource(const SourceLabels& labels) {
  std::lock_guard lock(mutex_);
  const prometheus::Labels base = Labels(labels);
  for (std::string_view result : kResults) {
    auto with_result = base;
    with_result["result"] = std::string(result);
    checks_.Add(with_result);
  }
  for (std::string_view reason : ErrorReasons()) {
    auto with_reason = base;
    with_reason["reason"] = std::string(reason);
    errors_.Add(with_reason);
  }
  for (std::string_view reason : ListingSkipReasons()) {
    auto with_reason = base;
    with_reason["reason"] = std::string(reason);
    listing_skipped_.Add(with_reason);
  }
  requests_.Add(base);
  for (std::string_view state : kDocumentStates) documents_.Add(WithState(base, state));
  change_rate_.Add(base);
  history_trusted_.Add(base);
  masked_.Add(base);
  invalid_utf8_.Add(base);
  last_check_.Add(base);
  last_change_.Add(base);
  consecutive_failures_.Add(base);
  fetch_duration_.Add(base, FetchBuckets());
}

void Metrics::RemoveSource(const SourceLabels& labels) {
  std::lock_guard lock(mutex_);
  const prometheus::Labels base = Labels(labels);
  for (std::string_view result : kResults) {
    auto with_result = base;
    with_result["result"] = std::string(result);
    checks_.Remove(&checks_.Add(with_result));
  }
  for (std::string_view reason : ErrorReasons()) {
    auto with_reason = base;
    with_reason["reason"] = std::string(reason);
    errors_.Remove(&errors_.Add(with_reason));
  }
  for (std::string_view reason : ListingSkipReasons()) {
    auto with_reason = base;
    with_reason["reason"] = std::string(reason);
    listing_skipped_.Remove(&listing_skipped_.Add(with_reason));
  }
  requests_.Remove(&requests_.Add(base));
  for (std::string_view state : kDocumentStates) {
    documents_.Remove(&documents_.Add(WithState(base, state)));
  }
  change_rate_.Remove(&change_rate_.Add(base));
  for (auto* family : {&request_budget_, &planned_requests_, &expected_freshness_, &hint_precision_,
                       &hint_recall_}) {
    family->Remove(&family->Add(base));
  }
  history_trusted_.Remove(&history_trusted_.Add(base));
  masked_.Remove(&masked_.Add(base));
  invalid_utf8_.Remove(&invalid_utf8_.Add(base));
  last_check_.Remove(&last_check_.Add(base));
  last_change_.Remove(&last_change_.Add(base));
  consecutive_failures_.Remove(&consecutive_failures_.Add(base));
  fetch_duration_.Remove(&fetch_duration_.Add(base, FetchBuckets()));
}

void Metrics::CountCheck(const SourceLabels& labels, CheckResult result) {
  auto with_result = Labels(labels);
  with_result["result"] = std::string(ResultLabel(result));
  std::lock_guard lock(mutex_);
  checks_.Add(with_result).Increment();
}

void Metrics::CountError(const SourceLabels& labels, std::string_view reason) {
  auto with_reason = Labels(labels);
  with_reason["reason"] = std::string(reason);
  std::lock_guard lock(mutex_);
  errors_.Add(with_reason).Increment();
}

void Metrics::CountRequests(const SourceLabels& labels, std::size_t requests) {
  std::lock_guard lock(mutex_);
  requests_.Add(Labels(labels)).Increment(static_cast<double>(requests));
}

void Metrics::ObserveFetchSeconds(const SourceLabels& labels, double seconds) {
  std::lock_guard lock(mutex_);
  fetch_duration_.Add(Labels(labels), FetchBuckets()).Observe(seconds);
}

void Metrics::SetDocuments(const SourceLabels& labels, double supported, double unsupported) {
  std::lock_guard lock(mutex_);
  const prometheus::Labels base = Labels(labels);
  documents_.Add(WithState(base, "supported")).Set(supported);
  documents_.Add(WithState(base, "unsupported")).Set(unsupported);
}

void Metrics::SetLastCheck(const SourceLabels& labels, double unix_seconds) {
  std::lock_guard lock(mutex_);
  last_check_.Add(Labels(labels)).Set(unix_seconds);
}

void Metrics::CountRun(const SourceLabels& labels, bool failed) {
  std::lock_guard lock(mutex_);
  prometheus::Gauge& gauge = consecutive_failures_.Add(Labels(labels));
  if (failed) {
    gauge.Increment();
  } else {
    gauge.Set(0);
  }
}

void Metrics::SetLastChange(const SourceLabels& labels, double unix_seconds) {
  std::lock_guard lock(mutex_);
  last_change_.Add(Labels(labels)).Set(unix_seconds);
}

void Metrics::SetReloadResult(bool successful, double unix_seconds) {
  reload_successful_.Set(successful ? 1 : 0);
  if (successful) reload_success_timestamp_.Set(unix_seconds);
}

void Metrics::CountMasked(const SourceLabels& labels, std::size_t fragments) {
  std::lock_guard lock(mutex_);
  masked_.Add(Labels(labels)).Increment(static_cast<double>(fragments));
}

void Metrics::CountInvalidUtf8(const SourceLabels& labels, std::size_t sequences) {
  std::lock_guard lock(mutex_);
  invalid_utf8_.Add(Labels(labels)).Increment(static_cast<double>(sequences));
}

void Metrics::CountListingSkipped(const SourceLabels& labels, std::string_view reason,
                                  std::size_t entries) {
  auto with_reason = Labels(labels);
  with_reason["reason"] = std::string(reason);
  std::lock_guard lock(mutex_);
  listing_skipped_.Add(with_reason).Increment(static_cast<double>(entries));
}

void Metrics::SetChangeRate(const SourceLabels& labels, double per_second) {
  std::lock_guard lock(mutex_);
  change_rate_.Add(Labels(labels)).Set(per_second);
}

void Metrics::SetRequestBudget(const SourceLabels& labels, double per_second) {
  std::lock_guard lock(mutex_);
  request_budget_.Add(Labels(labels)).Set(per_second);
}

void Metrics::SetSchedule(const SourceLabels& labels, double expected_freshness,
                          double planned_per_second) {
  std::lock_guard lock(mutex_);
  expected_freshness_.Add(Labels(labels)).Set(expected_freshness);
  planned_requests_.Add(Labels(labels)).Set(planned_per_second);
}

void Metrics::SetHintQuality(const SourceLabels& labels, double precision, double recall) {
  std::lock_guard lock(mutex_);
  hint_precision_.Add(Labels(labels)).Set(precision);
  hint_recall_.Add(Labels(labels)).Set(recall);
}

void Metrics::SetHistoryTrusted(const SourceLabels& labels, bool trusted) {
  std::lock_guard lock(mutex_);
  history_trusted_.Add(Labels(labels)).Set(trusted ? 1 : 0);
}

namespace {

constexpr std::array<std::string_view, 4> kRecommendations = {"rag", "fine_tuning", "hybrid",
                                                              "undecided"};
constexpr std::array<std::pair<std::string_view, int>, 3> kBounds = {
    {{"estimate", 0}, {"lower", 1}, {"upper", 2}}};

}  // namespace

void Metrics::SetWorkload(const std::string& workload, const WorkloadFigures& figures) {
  std::lock_guard lock(mutex_);
  const double intervals[] = {figures.interval_seconds, figures.interval_lower_seconds,
                              figures.interval_upper_seconds};
  for (const auto& [bound, index] : kBounds) {
    workload_interval_.Add({{"workload", workload}, {"bound", std::string(bound)}})
        .Set(intervals[index]);
  }
  for (std::string_view strategy : kRecommendations) {
    workload_recommendation_.Add({{"workload", workload}, {"strategy", std::string(strategy)}})
        .Set(strategy == figures.recommendation ? 1 : 0);
  }
  workload_mismatch_.Add({{"workload", workload}}).Set(figures.mismatch ? 1 : 0);
  if (figures.has_training_date) {
    workload_changed_since_training_.Add({{"workload", workload}})
        .Set(figures.documents_changed_since_training);
    workload_changed_ratio_.Add({{"workload", workload}}).Set(figures.changed_since_training_ratio);
  } else {  // trained_at may have been taken out by a reload
    workload_changed_since_training_.Remove(
        &workload_changed_since_training_.Add({{"workload", workload}}));
    workload_changed_ratio_.Remove(&workload_changed_ratio_.Add({{"workload", workload}}));
  }
}

void Metrics::RemoveWorkload(const std::string& workload) {
  std::lock_guard lock(mutex_);
  for (const auto& [bound, index] : kBounds) {
    auto& gauge = workload_interval_.Add({{"workload", workload}, {"bound", std::string(bound)}});
    workload_interval_.Remove(&gauge);
  }
  for (std::string_view strategy : kRecommendations) {
    auto& gauge =
        workload_recommendation_.Add({{"workload", workload}, {"strategy", std::string(strategy)}});
    workload_recommendation_.Remove(&gauge);
  }
  workload_mismatch_.Remove(&workload_mismatch_.Add({{"workload", workload}}));
  workload_changed_since_training_.Remove(
      &workload_changed_since_training_.Add({{"workload", workload}}));
  workload_changed_ratio_.Remove(&workload_changed_ratio_.Add({{"workload", workload}}));
}

void Metrics::SetHttpConnections(double open) { http_connections_.Set(open); }

void Metrics::CountHttpRefused(std::string_view reason) {
  std::lock_guard lock(mutex_);
  http_refused_.Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::CountHttpIdleClosed() { http_idle_closed_.Increment(); }

std::string Metrics::Render() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (auto& family : process_.Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace freshd::metrics
