#include "advisor/history.h"

#include <algorithm>
#include <utility>

#include "advisor/internal.h"

namespace freshd::advisor {
namespace {

double Seconds(std::int64_t ms) { return static_cast<double>(ms) / 1000.0; }

void AddModification(std::int64_t modified_ms, DocumentHistory* history) {
  if (modified_ms <= 0) return;
  const double modified = Seconds(modified_ms);
  if (history->modification_times.empty() || modified > history->modification_times.back()) {
    history->modification_times.push_back(modified);
  }
}

}  // namespace

DocumentHistory HistoryFromChecks(std::string source, const std::vector<CheckPoint>& newest_first) {
  DocumentHistory history;
  history.source = std::move(source);
  bool alive = false;
  double previous = 0;
  for (auto check = newest_first.rbegin(); check != newest_first.rend(); ++check) {
    if (check->kind == CheckKind::kError || check->kind == CheckKind::kMissing) continue;
    const double time = Seconds(check->time_ms);
    if (check->kind == CheckKind::kNew || !alive) {
      if (check->kind == CheckKind::kRemoved) continue;  // still gone
      history.intervals.clear();
      history.modification_times.clear();
      history.first_check = time;
      // The date reported at the start of this life: unchanged since then.
      history.reported_since = check->modified_ms > 0 && Seconds(check->modified_ms) < time
                                   ? Seconds(check->modified_ms)
                                   : 0;
      alive = true;
    } else {
      const bool changed = check->kind == CheckKind::kChanged || check->kind == CheckKind::kRemoved;
      history.intervals.push_back({time - previous, changed});
      alive = check->kind != CheckKind::kRemoved;
    }
    AddModification(check->modified_ms, &history);
    previous = time;
    history.last_check = time;
  }
  return history;
}

RateEstimate LifetimeEstimate(const DocumentTotals& totals, double confidence,
                              DocumentHistory* history) {
  const std::uint64_t successful = totals.checks - std::min(totals.errors, totals.checks);
  const std::uint64_t intervals = successful > 0 ? successful - 1 : 0;
  const double span = Seconds(totals.last_check_ms - totals.first_seen_ms);
  history->first_check = Seconds(totals.first_seen_ms);
  history->last_check = Seconds(totals.last_check_ms);
  if (intervals == 0 || span <= 0) return EstimateDocument(*history, confidence);
  return EstimateRegular(intervals, std::min(totals.changes, intervals),
                         span / static_cast<double>(intervals), confidence);
}

DocumentHistory SummarizeDocument(std::string source, const std::vector<CheckPoint>& newest_first,
                                  const DocumentTotals& totals, std::size_t history_limit,
                                  double confidence,
                                  const std::vector<std::int64_t>& commit_times_ms) {
  DocumentHistory history = HistoryFromChecks(std::move(source), newest_first);
  if (!commit_times_ms.empty()) AddCommitHistory(commit_times_ms, &history);
  DocumentHistory observed = history;
  DropReported(&observed);
  const bool lifetime = totals.checks > history_limit;
  history.observed_estimate = lifetime ? LifetimeEstimate(totals, confidence, &observed)
                                       : EstimateDocument(observed, confidence);
  if (lifetime) {
    // The reported window must end where the lifetime's observation begins.
    history.first_check = observed.first_check;
    history.last_check = observed.last_check;
    const RateEstimate& regular = *history.observed_estimate;
    history.estimate = internal::HasReportedHistory(history) && regular.method == "regular"
                           ? EstimateLifetimeWithReported(
                                 regular.checks, regular.changes,
                                 regular.observed_seconds / static_cast<double>(regular.checks),
                                 history, confidence)
                           : regular;
  } else {
    history.estimate = EstimateDocument(history, confidence);
  }
  if (!internal::HasReportedHistory(history)) history.reported_since = 0;
  // Nothing reported that DropReported could take away: one estimate is enough.
  if (history.reported_since == 0 && history.modification_times.empty()) {
    history.observed_estimate.reset();
  }
  history.intervals = {};
  history.modification_times = {};
  return history;
}

void AddCommitHistory(const std::vector<std::int64_t>& commit_times_ms, DocumentHistory* history) {
  if (commit_times_ms.empty() || history->first_check <= 0) return;
  const double oldest = Seconds(commit_times_ms.front());
  if (oldest >= history->first_check) return;
  history->reported_since = oldest;
  history->reported_changes.clear();
  for (std::size_t i = 1; i < commit_times_ms.size(); ++i) {
    const double time = Seconds(commit_times_ms[i]);
    if (time >= history->first_check) break;
    if (time > oldest) history->reported_changes.push_back(time);
  }
  history->reported_by = "git";
}

void DropReported(DocumentHistory* history) {
  history->reported_since = 0;
  history->reported_changes.clear();
  history->reported_by.clear();
  history->modification_times.clear();
  if (history->observed_estimate) {
    history->estimate = history->observed_estimate;
    history->observed_estimate.reset();
  }
}

}  // namespace freshd::advisor
