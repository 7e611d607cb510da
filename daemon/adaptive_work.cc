#include "daemon/adaptive_work.h"

#include <algorithm>
#include <functional>
#include <unordered_set>

#include "advisor/history.h"
#include "daemon/assessor.h"

namespace freshd::daemon {
namespace {

// Writes are applied in batches of this many documents.
constexpr std::size_t kBatch = 1000;

Status ApplyIfFull(const DocumentSchedule& schedule, store::WriteSet& writes, bool force) {
  if (writes.empty() || (!force && writes.size() < kBatch)) return Status::OK();
  Status applied = schedule.Apply(writes);
  writes = store::WriteSet();
  return applied;
}

// +-fraction of the interval, the same for a document at a given time on every machine.
std::int64_t Jittered(std::int64_t interval_ms, const std::string& uri, std::int64_t now_ms,
                      double fraction) {
  const std::size_t hash = std::hash<std::string>{}(uri) ^ static_cast<std::size_t>(now_ms);
  const double unit = static_cast<double>(hash % 2001) / 1000.0 - 1.0;  // [-1, 1]
  return interval_ms +
         static_cast<std::int64_t>(unit * fraction * static_cast<double>(interval_ms));
}

advisor::CheckKind ToAdvisor(store::CheckOutcome outcome) {
  switch (outcome) {
    case store::CheckOutcome::kNew:
      return advisor::CheckKind::kNew;
    case store::CheckOutcome::kChanged:
      return advisor::CheckKind::kChanged;
    case store::CheckOutcome::kUnchanged:
    case store::CheckOutcome::kNotModified:
      return advisor::CheckKind::kUnchanged;
    case store::CheckOutcome::kRemoved:
      return advisor::CheckKind::kRemoved;
    case store::CheckOutcome::kMissing:
      return advisor::CheckKind::kMissing;
    case store::CheckOutcome::kError:
      break;
  }
  return advisor::CheckKind::kError;
}

struct Estimated {
  scheduler::ObservedRate observed;
  std::int64_t last_check_ms = 0;
};

Result<Estimated> EstimateOne(const store::StateStore& store, const store::DocumentKey& key,
                              double confidence) {
  Estimated estimated;
  Result<store::DocumentRecord> record = store.Get(key);
  if (record.status().IsNotFound()) return estimated;  // never checked yet
  if (!record.ok()) return record.status();
  estimated.last_check_ms = record->last_check_ms;
  Result<std::vector<store::CheckRecord>> checks = store.History(key, kChecksPerDocument);
  if (!checks.ok()) return checks.status();
  std::vector<advisor::CheckPoint> points;
  points.reserve(checks->size());
  for (const store::CheckRecord& check : *checks) {
    points.push_back({check.time_ms, ToAdvisor(check.outcome), check.modified_ms});
  }
  const advisor::DocumentTotals totals{.checks = record->checks,
                                       .errors = record->errors,
                                       .changes = record->changes,
                                       .first_seen_ms = record->first_seen_ms,
                                       .last_check_ms = record->last_check_ms};
  // Observed checks only: the allocation learns from what polling sees, whether or not the
  // source's dates have earned trust (the assessor judges that, for the recommendation).
  advisor::DocumentHistory history =
      advisor::SummarizeDocument(key.source, points, totals, kChecksPerDocument, confidence);
  advisor::DropReported(&history);
  if (history.estimate && history.estimate->checks > 0) {
    estimated.observed = {history.estimate->checks, history.estimate->changes,
                          history.estimate->rate, history.estimate->observed_seconds};
  }
  return estimated;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace

HintCounts& HintCounts::operator+=(const HintCounts& other) {
  hinted_checks += other.hinted_checks;
  hinted_changes += other.hinted_changes;
  changes += other.changes;
  return *this;
}

double HintCounts::precision() const {
  return hinted_checks == 0
             ? 1.0
             : static_cast<double>(hinted_changes) / static_cast<double>(hinted_checks);
}

double HintCounts::recall() const {
  return changes == 0 ? 1.0 : static_cast<double>(hinted_changes) / static_cast<double>(changes);
}

bool HintCounts::trusted() const {
  return (hinted_checks < 4 || precision() >= 0.5) && (changes < 4 || recall() >= 0.5);
}

Result<MergeSummary> MergeListing(const DocumentSchedule& schedule, const std::string& source,
                                  const std::vector<watchers::ListedDocument>& listed,
                                  std::int64_t now_ms, bool follow_hints) {
  MergeSummary summary;
  store::WriteSet writes;
  std::unordered_set<std::string_view> present;
  for (const watchers::ListedDocument& document : listed) {
    present.insert(document.uri);
    Result<std::optional<DocumentSlot>> old = schedule.Get(source, document.uri);
    if (!old.ok()) return old.status();
    const std::int64_t hint_ms =
        document.modified_unix_seconds ? *document.modified_unix_seconds * 1000 : 0;
    DocumentSlot slot = old->value_or(DocumentSlot{});
    if (!*old) {
      slot.due_ms = now_ms;
      ++summary.added;
    } else if (follow_hints && slot.hint_ms > 0 && hint_ms > slot.hint_ms && !slot.hinted) {
      slot.due_ms = std::min(slot.due_ms, now_ms);
      slot.hinted = true;
      ++summary.hinted;
    } else if (hint_ms == slot.hint_ms) {
      continue;  // nothing to write
    }
    slot.hint_ms = std::max(slot.hint_ms, hint_ms);
    schedule.Put(writes, source, document.uri, *old, slot);
    if (Status applied = ApplyIfFull(schedule, writes, false); !applied.ok()) return applied;
  }
  Status scanned = schedule.ForEach(source, [&](std::string_view uri, const DocumentSlot& slot) {
    if (present.contains(uri)) return true;
    schedule.Erase(writes, source, uri, slot);
    ++summary.erased;
    return true;
  });
  if (!scanned.ok()) return scanned;  // nothing erased is lost: the next listing erases it
  if (Status applied = ApplyIfFull(schedule, writes, true); !applied.ok()) return applied;
  return summary;
}

Result<HintCounts> Reschedule(const DocumentSchedule& schedule, const store::StateStore& store,
                              const std::string& source, const std::vector<std::string>& uris,
                              const std::vector<std::string>& confirming, std::int64_t started_ms,
                              std::int64_t now_ms, const RescheduleSettings& settings) {
  HintCounts counts;
  const std::unordered_set<std::string_view> pending(confirming.begin(), confirming.end());
  store::WriteSet writes;
  for (const std::string& uri : uris) {
    Result<std::optional<DocumentSlot>> old = schedule.Get(source, uri);
    if (!old.ok()) return old.status();
    if (!*old) continue;  // left the listing meanwhile
    Result<store::DocumentRecord> record = store.Get(store::DocumentKey{source, uri});
    if (!record.ok() && !record.status().IsNotFound()) return record.status();
    if (record.ok() && record->removed) {
      schedule.Erase(writes, source, uri, **old);
      continue;
    }
    DocumentSlot slot = **old;
    const bool has_hints = slot.hint_ms > 0;
    const bool changed =
        pending.contains(uri) ||
        (record.ok() && record->last_change_ms >= started_ms && record->first_seen_ms < started_ms);
    if (has_hints && changed) ++counts.changes;
    if (slot.hinted) {
      ++counts.hinted_checks;
      if (changed) ++counts.hinted_changes;
    }
    std::int64_t interval = slot.interval_ms > 0 ? slot.interval_ms : settings.default_interval_ms;
    interval = std::clamp(interval, settings.min_interval_ms, settings.max_interval_ms);
    slot.due_ms = now_ms + Jittered(interval, uri, now_ms, settings.jitter_fraction);
    slot.hinted = false;
    schedule.Put(writes, source, uri, *old, slot);
    if (Status applied = ApplyIfFull(schedule, writes, false); !applied.ok()) return applied;
  }
  if (Status applied = ApplyIfFull(schedule, writes, true); !applied.ok()) return applied;
  return counts;
}

Result<AllocationSummary> Reallocate(const DocumentSchedule& schedule,
                                     const store::StateStore& store, const std::string& source,
                                     const scheduler::AllocationLimits& limits, double confidence,
                                     std::int64_t now_ms) {
  // Two passes over the slots in URI order (the caller runs nothing else on the source
  // meanwhile): the estimates first, 24 bytes a document, then the intervals.
  std::vector<Estimated> estimates;
  Status failed = Status::OK();
  Status scanned = schedule.ForEach(source, [&](std::string_view uri, const DocumentSlot&) {
    Result<Estimated> estimated =
        EstimateOne(store, store::DocumentKey{source, std::string(uri)}, confidence);
    if (!estimated.ok()) {
      failed = estimated.status();
      return false;
    }
    estimates.push_back(*estimated);
    return true;
  });
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return scanned;

  AllocationSummary summary;
  summary.documents = estimates.size();
  if (estimates.empty()) return summary;
  double changes = 0;
  double exposure = 0;
  for (const Estimated& e : estimates) {
    changes += e.observed.estimate * e.observed.observed_seconds;
    exposure += e.observed.observed_seconds;
  }
  // With no change seen yet, a change a day: any positive prior splits equal histories evenly.
  summary.mean_rate_per_second = changes > 0 && exposure > 0 ? changes / exposure : 1.0 / 86400;
  std::vector<double> rates;
  rates.reserve(estimates.size());
  for (const Estimated& e : estimates) {
    rates.push_back(scheduler::PlanningRate(e.observed, summary.mean_rate_per_second));
  }
  const scheduler::Allocation allocation = scheduler::AllocateChecks(rates, limits);
  summary.planned_requests_per_second = allocation.requests_per_second;
  summary.expected_freshness = allocation.expected_freshness;
  summary.shortest_interval_seconds =
      *std::min_element(allocation.intervals_seconds.begin(), allocation.intervals_seconds.end());
  summary.longest_interval_seconds =
      *std::max_element(allocation.intervals_seconds.begin(), allocation.intervals_seconds.end());
  summary.median_interval_seconds = Median(allocation.intervals_seconds);

  store::WriteSet writes;
  std::size_t index = 0;
  scanned = schedule.ForEach(source, [&](std::string_view uri, const DocumentSlot& old) {
    if (index >= estimates.size()) return false;
    const Estimated& e = estimates[index];
    DocumentSlot slot = old;
    slot.interval_ms = static_cast<std::int64_t>(allocation.intervals_seconds[index] * 1000);
    slot.rate_per_second = rates[index];
    ++index;
    if (!slot.hinted && e.last_check_ms > 0) {
      slot.due_ms = std::max(now_ms, e.last_check_ms + slot.interval_ms);
    }
    if (slot == old) return true;
    schedule.Put(writes, source, uri, old, slot);
    failed = ApplyIfFull(schedule, writes, false);
    return failed.ok();
  });
  if (!failed.ok()) return failed;
  if (!scanned.ok()) return scanned;
  if (Status applied = ApplyIfFull(schedule, writes, true); !applied.ok()) return applied;
  return summary;
}

}  // namespace freshd::daemon
