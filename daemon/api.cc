#include "daemon/api.h"

#include <cmath>

#include "common/time_text.h"
#include "rag/citation.h"

namespace freshd::daemon {

nlohmann::json TimestampJson(std::int64_t unix_ms) {
  if (unix_ms <= 0) return nullptr;
  return FormatRfc3339(unix_ms, TimePrecision::kSeconds);
}

namespace {

std::string Target(const config::Source& source) {
  switch (source.kind) {
    case config::SourceKind::kDirectory:
      return source.path + "/" + source.glob;
    case config::SourceKind::kGit:
      return source.git.url + " (" + source.git.branch + ")";
    default:
      return source.url;
  }
}

// JSON has no infinity: an unbounded figure is null.
nlohmann::json Finite(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json RateJson(const advisor::RateEstimate& rate) {
  return {{"per_second", Finite(rate.rate)},
          {"lower", Finite(rate.lower)},
          {"upper", Finite(rate.upper)},
          {"method", rate.method},
          {"checks", rate.checks},
          {"changes", rate.changes},
          {"observed_seconds", Finite(rate.observed_seconds)},
          {"reported_seconds", Finite(rate.reported_seconds)},
          {"reported_changes", rate.reported_changes}};
}

}  // namespace

nlohmann::json WorkloadJson(const std::string& name, const WorkloadView& view) {
  const advisor::Assessment& assessment = view.assessment;
  nlohmann::json rag_side = nlohmann::json::array();
  nlohmann::json fine_tuning_side = nlohmann::json::array();
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& split : assessment.sources) {
    sources.push_back({{"source", split.source},
                       {"frequency", advisor::ToString(split.frequency)},
                       {"history_trusted", split.history_trusted},
                       {"rate", RateJson(split.rate)}});
    if (split.frequency == advisor::Frequency::kFast) rag_side.push_back(split.source);
    if (split.frequency == advisor::Frequency::kStable) fine_tuning_side.push_back(split.source);
  }
  nlohmann::json json = {
      {"workload", name},
      {"strategy", StrategyName(view.strategy)},
      {"recommendation", advisor::ToString(view.hysteresis.published)},
      {"current_recommendation", advisor::ToString(assessment.recommendation)},
      {"candidate_since",
       view.hysteresis.candidate != view.hysteresis.published
           ? TimestampJson(static_cast<std::int64_t>(view.hysteresis.candidate_since * 1000))
           : nlohmann::json(nullptr)},
      {"mismatch", IsMismatch(view)},
      {"frequency", advisor::ToString(assessment.frequency)},
      {"rate", RateJson(assessment.rate)},
      {"change_interval_seconds",
       {{"estimate", Finite(assessment.interval_seconds)},
        {"lower", Finite(assessment.interval_lower_seconds)},
        {"upper", Finite(assessment.interval_upper_seconds)}}},
      {"reasons", assessment.reasons},
      {"missing", assessment.missing},
      {"sources", sources},
      {"hybrid_split", {{"rag", rag_side}, {"fine_tuning", fine_tuning_side}}},
      {"assessed_at", TimestampJson(static_cast<std::int64_t>(view.assessed_at * 1000))},
  };
  if (view.has_training_date) {
    json["documents_changed_since_training"] = view.changed_since_training;
    json["documents"] = view.documents;
  }
  return json;
}

nlohmann::json WorkloadsJson(const std::map<std::string, WorkloadView>& views) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const auto& [name, view] : views) workloads.push_back(WorkloadJson(name, view));
  return {{"workloads", workloads}};
}

nlohmann::json AdaptiveJson(const AdaptiveView& view) {
  nlohmann::json schedule = {
      {"mode", "adaptive"},
      {"budget", view.budget_text},
      {"budget_per_second", view.budget_per_second},
      {"requests_in_window", view.requests_in_window},
  };
  if (view.allocated) {
    const AllocationSummary& a = view.allocation;
    schedule["allocation"] = {{"documents", a.documents},
                              {"planned_requests_per_second", a.planned_requests_per_second},
                              {"expected_freshness", a.expected_freshness},
                              {"shortest_interval_seconds", a.shortest_interval_seconds},
                              {"median_interval_seconds", a.median_interval_seconds},
                              {"longest_interval_seconds", a.longest_interval_seconds},
                              {"mean_rate_per_second", a.mean_rate_per_second}};
  } else {
    schedule["allocation"] = nullptr;  // until the first assessment
  }
  if (view.has_hints) {
    schedule["hints"] = {{"precision", view.hints.precision()},
                         {"recall", view.hints.recall()},
                         {"followed", view.hints.trusted()},
                         {"hinted_checks", view.hints.hinted_checks},
                         {"changes", view.hints.changes}};
  } else {
    schedule["hints"] = nullptr;
  }
  return schedule;
}

nlohmann::json SourcesJson(const Engine& engine, const scheduler::Scheduler& scheduler,
                           const AdaptiveSchedule* adaptive) {
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& name : engine.SourceNames()) {
    const config::Source* source = engine.FindSource(name);
    const SourceState* state = engine.State(name);
    if (source == nullptr || state == nullptr) continue;
    auto due = scheduler.DueTime(name);
    const std::uint32_t failures = scheduler.ConsecutiveFailures(name);
    // After a failure the next check is the end of the backoff (scheduler.h).
    const nlohmann::json next_check =
        due ? TimestampJson(scheduler::ToUnixMillis(*due)) : nlohmann::json(nullptr);
    sources.push_back({
        {"workload", source->workload},
        {"source", name},
        {"kind", config::ToString(source->kind)},
        {"target", Target(*source)},
        {"state", state->failing ? "failing" : "ok"},
        {"last_error",
         state->last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(state->last_error)},
        {"documents", state->documents},
        {"documents_failing", state->documents_failing},
        {"documents_unsupported", state->documents_unsupported},
        {"checks", state->checks},
        {"changes", state->changes},
        {"errors", state->errors},
        {"last_check", TimestampJson(state->last_check_ms)},
        {"last_change", TimestampJson(state->last_change_ms)},
        {"next_check", next_check},
        {"consecutive_failures", failures},
        {"backoff_until", failures > 0 ? next_check : nlohmann::json(nullptr)},
    });
    std::optional<AdaptiveView> view = adaptive ? adaptive->View(name) : std::nullopt;
    sources.back()["schedule"] =
        view ? AdaptiveJson(*view)
             : nlohmann::json{{"mode", "fixed"},
                              {"interval_seconds",
                               std::chrono::duration<double>(source->fetch.adaptive
                                                                 ? source->fetch.listing_interval
                                                                 : source->fetch.interval)
                                   .count()}};
  }
  return {{"sources", sources}};
}

Result<nlohmann::json> DocumentsJson(const store::StateStore& store, const std::string& source,
                                     const std::string& after, std::size_t limit,
                                     const DocumentSchedule* schedule) {
  Status failed = Status::OK();
  nlohmann::json documents = nlohmann::json::array();
  std::optional<std::string> next;
  Status scanned = store.ForEachDocumentAfter(
      source, after, [&](const store::DocumentKey& key, const store::DocumentRecord& record) {
        if (documents.size() == limit) {
          next = documents.back()["uri"].get<std::string>();
          return false;
        }
        documents.push_back({
            {"uri", key.uri},
            {"state", record.removed                  ? "removed"
                      : record.consecutive_errors > 0 ? "failing"
                                                      : "ok"},
            {"first_seen", TimestampJson(record.first_seen_ms)},
            {"last_check", TimestampJson(record.last_check_ms)},
            {"last_change", TimestampJson(record.last_change_ms)},
            {"modified", TimestampJson(record.modified_ms)},
            {"checks", record.checks},
            {"changes", record.changes},
            {"errors", record.errors},
            {"last_error", record.last_error.empty() ? nlohmann::json(nullptr)
                                                     : nlohmann::json(record.last_error)},
            {"content_hash", record.content_hash},
        });
        if (schedule == nullptr) return true;
        Result<std::optional<DocumentSlot>> slot = schedule->Get(source, key.uri);
        if (!slot.ok()) {
          failed = slot.status();
          return false;
        }
        nlohmann::json& document = documents.back();
        if (*slot) {
          const DocumentSlot& s = **slot;
          document["rate_per_second"] =
              s.interval_ms > 0 ? nlohmann::json(s.rate_per_second) : nlohmann::json(nullptr);
          document["interval_seconds"] =
              s.interval_ms > 0 ? nlohmann::json(static_cast<double>(s.interval_ms) / 1000.0)
                                : nlohmann::json(nullptr);
          document["next_check"] = TimestampJson(s.due_ms);
        } else {
          document["rate_per_second"] = nullptr;
          document["interval_seconds"] = nullptr;
          document["next_check"] = nullptr;
        }
        return true;
      });
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return scanned;
  nlohmann::json page = {{"source", source}, {"documents", documents}};
  page["next"] = next ? nlohmann::json(*next) : nlohmann::json(nullptr);
  return page;
}

nlohmann::json SearchJson(const std::string& query, const std::vector<rag::SearchHit>& hits) {
  nlohmann::json results = nlohmann::json::array();
  for (const rag::SearchHit& hit : hits) {
    results.push_back(
        {{"chunk_id", hit.chunk_id},
         {"score", hit.score},
         {"lexical_score", hit.lexical},
         {"vector_score", hit.vector},
         {"phrase", hit.phrase},
         {"text", hit.text},
         {"workload", hit.metadata.workload},
         {"source", hit.metadata.source},
         {"uri", hit.metadata.uri},
         {"fetched_at", TimestampJson(hit.metadata.fetched_ms)},
         {"content_hash", hit.metadata.content_hash},
         {"page", hit.page > 0 ? nlohmann::json(hit.page) : nlohmann::json()},
         {"heading", hit.heading.empty() ? nlohmann::json() : nlohmann::json(hit.heading)},
         {"citation", rag::Citation(hit.metadata.uri, hit.page, hit.heading)}});
  }
  return {{"query", query}, {"results", std::move(results)}};
}

}  // namespace freshd::daemon
