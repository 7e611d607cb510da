// freshd's metric families (DESIGN.md section 5) in one prometheus-cpp registry, rendered
// as the Prometheus text exposition. Labels are workload and source, never a document, so
// the number of series grows with the configuration, not with the documents watched.
// Thread-safe: prometheus-cpp metrics are atomic, and the label bookkeeping is locked.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/process_collector.h"

namespace freshd::metrics {

// The `result` label of freshd_source_checks_total.
enum class CheckResult { kChanged, kUnchanged, kNotModified, kError };

struct SourceLabels {
  std::string workload;
  std::string source;
};

class Metrics {
 public:
  explicit Metrics(std::string_view version);

  // Creates every series of a source at zero, so rate() and absent() work from the start.
  void AddSource(const SourceLabels& labels);
  // Drops every series of a source (it left the configuration).
  void RemoveSource(const SourceLabels& labels);

  void CountCheck(const SourceLabels& labels, CheckResult result);
  void CountError(const SourceLabels& labels, std::string_view reason);
  void ObserveFetchSeconds(const SourceLabels& labels, double seconds);
  // Requests made for the source, counted when sent: document checks (conditional ones
  // included), volatility probes and listings.
  void CountRequests(const SourceLabels& labels, std::size_t requests = 1);
  // Volatile fragments (a clock, a token) masked before comparing.
  void CountMasked(const SourceLabels& labels, std::size_t fragments);
  // Ill-formed UTF-8 sequences in fetched documents, replaced by U+FFFD.
  void CountInvalidUtf8(const SourceLabels& labels, std::size_t sequences);
  // Listing entries left out of a run; reason is one of ListingSkipReasons().
  void CountListingSkipped(const SourceLabels& labels, std::string_view reason,
                           std::size_t entries);
  // Present documents, as `state` "supported" and "unsupported" (binary data of no format
  // freshd reads).
  void SetDocuments(const SourceLabels& labels, double supported, double unsupported);
  void SetLastCheck(const SourceLabels& labels, double unix_seconds);
  // The end of a run of the source (its page, listing or folder scan fetched or not):
  // freshd_source_consecutive_failures counts the failed runs in a row, back to 0 after a
  // run that succeeded. The alert on failing sources fires on it.
  void CountRun(const SourceLabels& labels, bool failed);
  void SetLastChange(const SourceLabels& labels, double unix_seconds);

  void SetReloadResult(bool successful, double unix_seconds);

  // The advisor's view of a source and of a workload (DESIGN.md 6.2, 6.4).
  void SetChangeRate(const SourceLabels& labels, double per_second);
  // The adaptive scheduler's view of a source (DESIGN.md 6.3): its request budget (the cap),
  // the requests per second its allocation plans and the expected freshness of that plan,
  // and how well the listing's change hints predict changes. Set for adaptive sources only.
  void SetRequestBudget(const SourceLabels& labels, double per_second);
  void SetSchedule(const SourceLabels& labels, double expected_freshness,
                   double planned_per_second);
  void SetHintQuality(const SourceLabels& labels, double precision, double recall);
  // freshd_source_history_trusted: the source's reported dates are used (advisor/trust.h).
  void SetHistoryTrusted(const SourceLabels& labels, bool trusted);
  struct WorkloadFigures {
    double interval_seconds = 0;  // estimate; +Inf when no change was seen
    double interval_lower_seconds = 0;
    double interval_upper_seconds = 0;
    std::string recommendation;  // "rag", "fine_tuning", "hybrid" or "undecided"
    bool mismatch = false;
    bool has_training_date = false;
    double documents_changed_since_training = 0;
    double changed_since_training_ratio = 0;
  };
  void SetWorkload(const std::string& workload, const WorkloadFigures& figures);
  void RemoveWorkload(const std::string& workload);

  // The RAG sink's series (DESIGN.md 5, freshd_index_*), labelled by the sink's kind.
  // AddSink creates them at zero (the sink is chosen at start-up).
  void AddSink(const std::string& sink);
  // op is "upsert" or "delete".
  void CountIndexOperations(const std::string& sink, std::string_view op, bool ok,
                            std::size_t count);
  void ObserveIndexLag(const std::string& sink, double seconds);
  void SetIndexPending(const std::string& sink, double operations);
  void SetIndexChunks(const std::string& sink, double chunks);
  // freshd_index_sink_failing: 1 from a delivery to the sink that failed (and is retried
  // with backoff) to the next one that succeeds.
  void SetSinkFailing(const std::string& sink, bool failing);

  // freshd_store_errors_total: kind is "io" or "corruption".
  void CountStoreError(std::string_view kind);
  // Connections to the HTTP endpoints: open now; refused (reason "limit": at the connection
  // limit with none idle; "fd_exhausted" or "no_memory": accept() failed for lack of them);
  // idle ones closed to make room for a new one.
  void SetHttpConnections(double open);
  void CountHttpRefused(std::string_view reason);
  void CountHttpIdleClosed();

  // Text exposition format 0.0.4: freshd's families, then the process_* ones, read from
  // /proc at this call (process_collector.h).
  std::string Render() const;

  static const std::vector<std::string_view>& ErrorReasons();
  // "scheme": a sitemap or feed entry that is not http or https (javascript:, ftp:...).
  static const std::vector<std::string_view>& ListingSkipReasons();

 private:
  prometheus::Labels Labels(const SourceLabels& labels) const;

  std::shared_ptr<prometheus::Registry> registry_;
  ProcessCollector process_;
  prometheus::Family<prometheus::Counter>& checks_;
  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Gauge>& documents_;
  prometheus::Family<prometheus::Gauge>& last_check_;
  prometheus::Family<prometheus::Gauge>& last_change_;
  prometheus::Family<prometheus::Gauge>& consecutive_failures_;
  prometheus::Family<prometheus::Histogram>& fetch_duration_;
  prometheus::Family<prometheus::Gauge>& change_rate_;
  prometheus::Family<prometheus::Gauge>& request_budget_;
  prometheus::Family<prometheus::Gauge>& planned_requests_;
  prometheus::Family<prometheus::Gauge>& expected_freshness_;
  prometheus::Family<prometheus::Gauge>& hint_precision_;
  prometheus::Family<prometheus::Gauge>& hint_recall_;
  prometheus::Family<prometheus::Gauge>& history_trusted_;
  prometheus::Family<prometheus::Counter>& masked_;
  prometheus::Family<prometheus::Counter>& invalid_utf8_;
  prometheus::Family<prometheus::Counter>& listing_skipped_;
  prometheus::Family<prometheus::Gauge>& workload_interval_;
  prometheus::Family<prometheus::Gauge>& workload_recommendation_;
  prometheus::Family<prometheus::Gauge>& workload_mismatch_;
  prometheus::Family<prometheus::Gauge>& workload_changed_since_training_;
  prometheus::Family<prometheus::Gauge>& workload_changed_ratio_;
  prometheus::Family<prometheus::Counter>& index_operations_;
  prometheus::Family<prometheus::Gauge>& index_pending_;
  prometheus::Family<prometheus::Histogram>& index_lag_;
  prometheus::Family<prometheus::Gauge>& index_chunks_;
  prometheus::Family<prometheus::Gauge>& sink_failing_;
  prometheus::Family<prometheus::Counter>& store_errors_;
  prometheus::Gauge& http_connections_;
  prometheus::Family<prometheus::Counter>& http_refused_;
  prometheus::Counter& http_idle_closed_;
  prometheus::Gauge& reload_successful_;
  prometheus::Gauge& reload_success_timestamp_;
  mutable std::mutex mutex_;  // serialises Add/Remove of label sets
};

}  // namespace freshd::metrics
