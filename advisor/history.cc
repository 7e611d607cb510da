#include "advisor/history.h"

#include <algorithm>
#include <utility>

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
                                  double confidence) {
  DocumentHistory history = HistoryFromChecks(std::move(source), newest_first);
  history.estimate = totals.checks > history_limit ? LifetimeEstimate(totals, confidence, &history)
                                                   : EstimateDocument(history, confidence);
  history.intervals = {};
  history.modification_times = {};
  return history;
}

}  // namespace freshd::advisor
