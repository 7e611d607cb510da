#include "daemon/assessor.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "advisor/history.h"
#include "advisor/trust.h"
#include "daemon/git_history.h"

namespace freshd::daemon {
namespace {

using store::CheckOutcome;

double Seconds(std::chrono::milliseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

advisor::Thresholds ThresholdsOf(const config::Advisor& settings) {
  advisor::Thresholds thresholds;
  thresholds.rag_if_changes_faster_than_seconds = Seconds(settings.rag_if_changes_faster_than);
  thresholds.fine_tune_if_stable_for_seconds = Seconds(settings.fine_tune_if_stable_for);
  thresholds.fine_tune_if_latency_below_seconds = Seconds(settings.fine_tune_if_latency_below);
  thresholds.confidence = settings.confidence;
  return thresholds;
}

advisor::Strategy ToAdvisor(config::Strategy strategy) {
  switch (strategy) {
    case config::Strategy::kRag:
      return advisor::Strategy::kRag;
    case config::Strategy::kFineTuning:
      return advisor::Strategy::kFineTuning;
    case config::Strategy::kHybrid:
      break;
  }
  return advisor::Strategy::kHybrid;
}

advisor::CheckKind ToAdvisor(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kNew:
      return advisor::CheckKind::kNew;
    case CheckOutcome::kChanged:
      return advisor::CheckKind::kChanged;
    case CheckOutcome::kUnchanged:
    case CheckOutcome::kNotModified:
      return advisor::CheckKind::kUnchanged;
    case CheckOutcome::kRemoved:
      return advisor::CheckKind::kRemoved;
    case CheckOutcome::kMissing:
      return advisor::CheckKind::kMissing;
    case CheckOutcome::kError:
      break;
  }
  return advisor::CheckKind::kError;
}

// The store's newest checks, newest first, as the advisor reads them.
std::vector<advisor::CheckPoint> CheckPoints(const std::vector<store::CheckRecord>& checks) {
  std::vector<advisor::CheckPoint> points;
  points.reserve(checks.size());
  for (const store::CheckRecord& check : checks) {
    points.push_back({check.time_ms, ToAdvisor(check.outcome), check.modified_ms});
  }
  return points;
}

advisor::DocumentTotals TotalsOf(const store::DocumentRecord& record) {
  return {.checks = record.checks,
          .errors = record.errors,
          .changes = record.changes,
          .first_seen_ms = record.first_seen_ms,
          .last_check_ms = record.last_check_ms};
}

std::string HysteresisKey(const std::string& workload) { return "advisor/hysteresis/" + workload; }

advisor::Recommendation ParseRecommendation(const std::string& text) {
  for (auto r : {advisor::Recommendation::kRag, advisor::Recommendation::kFineTuning,
                 advisor::Recommendation::kHybrid}) {
    if (text == advisor::ToString(r)) return r;
  }
  return advisor::Recommendation::kUndecided;
}

// Fails when the state cannot be read: starting it afresh would unpublish a recommendation.
Result<advisor::Hysteresis> LoadHysteresis(const store::StateStore& store,
                                           const std::string& workload) {
  advisor::Hysteresis state;
  Result<std::string> stored = store.GetValue(HysteresisKey(workload));
  if (stored.status().IsNotFound()) return state;
  if (!stored.ok()) return stored.status();
  auto json = nlohmann::json::parse(*stored, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    store.ReportCorrupt("the recommendation state of " + workload + " is corrupt; started afresh");
    return state;
  }
  state.published = ParseRecommendation(json.value("published", ""));
  state.candidate = ParseRecommendation(json.value("candidate", ""));
  state.candidate_since = json.value("candidate_since", 0.0);
  return state;
}

void SaveHysteresis(store::StateStore& store, const std::string& workload,
                    const advisor::Hysteresis& state) {
  const nlohmann::json json = {{"published", advisor::ToString(state.published)},
                               {"candidate", advisor::ToString(state.candidate)},
                               {"candidate_since", state.candidate_since}};
  if (Status saved = store.PutValue(HysteresisKey(workload), json.dump()); !saved.ok()) {
    spdlog::error("cannot keep the recommendation state of {}: {}", workload, saved.ToString());
  }
}

// Where a source's dates come from, for the reasons.
const char* DateOrigin(config::SourceKind kind) {
  switch (kind) {
    case config::SourceKind::kDirectory:
      return "mtime";
    case config::SourceKind::kGit:
      return "git";
    default:
      return "last_modified";
  }
}

std::string TrustKey(const std::string& workload, const std::string& source) {
  return "advisor/trust/" + workload + "/" + source;
}

// The source's trust as last judged ("trusted", "untrusted", or "" when never judged).
std::string StoredTrust(const store::StateStore& store, const std::string& workload,
                        const std::string& source) {
  Result<std::string> stored = store.GetValue(TrustKey(workload, source));
  return stored.ok() ? *stored : std::string();
}

// Logs a source's trust when it changes, and keeps it in the store (so the log says it once,
// across restarts too, and a source caught disagreeing stays caught: JudgeTrust).
// "No evidence yet" is not a change: a source is judged once its dates could disagree.
void KeepTrust(store::StateStore& store, const std::string& workload, const std::string& source,
               const std::string& before, const advisor::Trust& trust) {
  if (!trust.trusted && !trust.disagreed) return;
  const std::string state = trust.trusted ? "trusted" : "untrusted";
  if (before == state) return;
  if (trust.trusted) {
    spdlog::info("workload {} source {}: reported dates trusted: {}", workload, source, trust.why);
  } else {
    spdlog::warn(
        "workload {} source {}: reported dates not trusted, its reported history is dropped "
        "and its documents are estimated from observation only: {}",
        workload, source, trust.why);
  }
  if (Status saved = store.PutValue(TrustKey(workload, source), state); !saved.ok()) {
    spdlog::error("cannot keep the trust state of {}/{}: {}", workload, source, saved.ToString());
  }
}

// Fails when the store cannot be read: an assessment of part of the documents is not made.
Result<WorkloadView> AssessWorkload(store::StateStore& store, const config::Workload& workload,
                                    const config::Advisor& settings, double now) {
  WorkloadView view;
  view.strategy = workload.strategy;
  view.has_training_date = workload.trained_at.has_value();
  const double trained_at =
      view.has_training_date
          ? std::chrono::duration<double>(workload.trained_at->time_since_epoch()).count()
          : 0;
  advisor::WorkloadInput input;
  input.name = workload.name;
  input.strategy = ToAdvisor(workload.strategy);
  input.latency_budget_seconds = Seconds(workload.latency_budget);
  input.explainability_required = workload.explainability_required;
  Status read = Status::OK();
  for (const auto& source : workload.sources) {
    advisor::DateEvidence dates;
    const std::size_t first_document = input.documents.size();
    Status scanned = store.ForEachDocument(source.name, [&](const store::DocumentKey& key,
                                                            const store::DocumentRecord& record) {
      // Changed since training: a change seen after trained_at (not merely first seen
      // then), or a source-reported modification after it.
      const double last_change = static_cast<double>(record.last_change_ms) / 1000.0;
      const double modified = static_cast<double>(record.modified_ms) / 1000.0;
      const bool seen_changing = record.last_change_ms > record.first_seen_ms;
      const bool changed_after_training =
          view.has_training_date && ((seen_changing && last_change >= trained_at) ||
                                     (record.modified_ms > 0 && modified >= trained_at));
      if (!record.removed || changed_after_training) ++view.documents;
      if (changed_after_training) ++view.changed_since_training;
      Result<std::vector<store::CheckRecord>> checks = store.History(key, kChecksPerDocument);
      if (!checks.ok()) {
        read = checks.status();
        return false;
      }
      const std::vector<advisor::CheckPoint> points = CheckPoints(*checks);
      advisor::AddDateEvidence(points, &dates);
      // A git file's commits are its history: exact change times, from the repository.
      const std::vector<std::int64_t> commits = source.kind == config::SourceKind::kGit
                                                    ? LoadCommitTimes(store, source.name, key.uri)
                                                    : std::vector<std::int64_t>{};
      advisor::DocumentHistory document = advisor::SummarizeDocument(
          source.name, points, TotalsOf(record), kChecksPerDocument, settings.confidence, commits);
      if (document.reported_since > 0) document.reported_by = DateOrigin(source.kind);
      input.documents.push_back(std::move(document));
      return true;
    });
    if (!read.ok()) return read;
    if (!scanned.ok()) return scanned;
    const std::string before = StoredTrust(store, workload.name, source.name);
    // A commit's time is a recorded fact, not a server's claim: git sources need no trial.
    const advisor::Trust trust =
        source.kind == config::SourceKind::kGit
            ? advisor::Trust{true, false, "commit times from the repository"}
            : advisor::JudgeTrust(dates, before == "untrusted");
    for (std::size_t i = first_document; i < input.documents.size(); ++i) {
      if (trust.trusted) {
        input.documents[i].observed_estimate.reset();  // not needed: keep memory down
      } else {
        advisor::DropReported(&input.documents[i]);
      }
    }
    if (dates.documents > 0) {
      input.trust.push_back({source.name, trust.trusted, trust.why});
      KeepTrust(store, workload.name, source.name, before, trust);
    }
  }
  view.assessment = advisor::Assess(input, ThresholdsOf(settings));
  Result<advisor::Hysteresis> loaded = LoadHysteresis(store, workload.name);
  if (!loaded.ok()) return loaded.status();
  const advisor::Hysteresis before = *loaded;
  view.hysteresis = advisor::UpdateHysteresis(before, view.assessment.recommendation, now,
                                              Seconds(settings.hold_for));
  if (view.hysteresis.published != before.published ||
      view.hysteresis.candidate != before.candidate ||
      view.hysteresis.candidate_since != before.candidate_since) {
    SaveHysteresis(store, workload.name, view.hysteresis);
  }
  if (view.hysteresis.published != before.published) {
    spdlog::info("workload {}: recommendation is now {} (was {})", workload.name,
                 advisor::ToString(view.hysteresis.published), advisor::ToString(before.published));
  }
  view.assessed_at = now;
  return view;
}

}  // namespace

const char* StrategyName(config::Strategy strategy) {
  switch (strategy) {
    case config::Strategy::kRag:
      return "rag";
    case config::Strategy::kFineTuning:
      return "fine_tuning";
    case config::Strategy::kHybrid:
      break;
  }
  return "hybrid";
}

bool IsMismatch(const WorkloadView& view) {
  const auto published = view.hysteresis.published;
  return published != advisor::Recommendation::kUndecided &&
         std::string(advisor::ToString(published)) != StrategyName(view.strategy);
}

std::map<std::string, WorkloadView> AssessWorkloads(store::StateStore& store,
                                                    const config::Config& config, double now) {
  std::map<std::string, WorkloadView> views;
  for (const auto& workload : config.workloads) {
    Result<WorkloadView> view = AssessWorkload(store, workload, config.advisor, now);
    if (view.ok()) {
      views[workload.name] = std::move(view).value();
    } else {
      spdlog::error("workload {}: not assessed: {}", workload.name, view.status().ToString());
    }
  }
  return views;
}

}  // namespace freshd::daemon
