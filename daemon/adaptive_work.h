// The store-side steps of adaptive scheduling (DESIGN.md 6.3), each a function run on a
// worker by AdaptiveSchedule: merging a listing into the per-document schedule,
// rescheduling the documents a run checked, and reallocating the source's request budget
// over its documents by their estimated change rates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "daemon/document_schedule.h"
#include "scheduler/allocation.h"
#include "store/state_store.h"
#include "watchers/listing.h"

namespace freshd::daemon {

// What the listing's change hints (sitemap lastmod, feed dates) were worth, counted over
// checks of documents whose listing gives hints. Precision: the share of checks made because
// a hint moved that found a change. Recall: the share of the changes found that a hint had
// announced (the other checks, at the allotted intervals, are the sample that finds the
// changes hints missed).
struct HintCounts {
  std::uint64_t hinted_checks = 0;
  std::uint64_t hinted_changes = 0;  // hinted checks that found a change
  std::uint64_t changes = 0;         // changes found on documents that have hints
  HintCounts& operator+=(const HintCounts& other);
  double precision() const;  // 1 when no hinted check yet
  double recall() const;     // 1 when no change yet
  // Hints are followed until the evidence says they mislead: once 4 hinted checks are in,
  // at least half must find a change; once 4 changes are in, hints must have announced half.
  bool trusted() const;
};

struct MergeSummary {
  std::size_t added = 0;   // new documents, due at once (explored)
  std::size_t hinted = 0;  // documents whose hint moved, due at once
  std::size_t erased = 0;  // slots of documents no longer listed
};

// New documents are due at `now_ms`; a document whose hint moved is due at once when
// `follow_hints`; the slots of documents not listed leave the schedule.
Result<MergeSummary> MergeListing(const DocumentSchedule& schedule, const std::string& source,
                                  const std::vector<watchers::ListedDocument>& listed,
                                  std::int64_t now_ms, bool follow_hints);

struct RescheduleSettings {
  std::int64_t default_interval_ms = 0;  // for documents the allocation has not seen yet
  std::int64_t min_interval_ms = 60000;
  std::int64_t max_interval_ms = 7 * 86400000LL;
  double jitter_fraction = 0.1;
};

// After a run that started at `started_ms` checked `uris`: each document is next due its
// interval (jittered) after `now_ms`; a removed document leaves the schedule. Returns the
// hint counts of the run; `confirming` are the documents whose change the run found but
// records only once confirmed (they count as changed).
Result<HintCounts> Reschedule(const DocumentSchedule& schedule, const store::StateStore& store,
                              const std::string& source, const std::vector<std::string>& uris,
                              const std::vector<std::string>& confirming, std::int64_t started_ms,
                              std::int64_t now_ms, const RescheduleSettings& settings);

struct AllocationSummary {
  std::size_t documents = 0;
  double planned_requests_per_second = 0;
  double expected_freshness = 0;  // the model's, under the estimated rates
  double shortest_interval_seconds = 0;
  double median_interval_seconds = 0;
  double longest_interval_seconds = 0;
  double mean_rate_per_second = 0;  // the prior of documents with little history
};

// Estimates every scheduled document's rate from its history (advisor), allocates the
// budget (scheduler::AllocateChecks) and stores each document's interval, moving its next
// check to last check + interval (never before now; a hinted document stays due).
Result<AllocationSummary> Reallocate(const DocumentSchedule& schedule,
                                     const store::StateStore& store, const std::string& source,
                                     const scheduler::AllocationLimits& limits, double confidence,
                                     std::int64_t now_ms);

}  // namespace freshd::daemon
