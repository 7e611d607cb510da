// From stored check histories to the advisor's input. The advisor does not read the store:
// the daemon fills these plain structs from it (store::CheckRecord, store::DocumentRecord)
// and gets back a DocumentHistory for WorkloadInput. Pure computation, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "advisor/advisor.h"

namespace freshd::advisor {

// What one check of a document saw, as far as the advisor cares.
enum class CheckKind {
  kNew,        // first successful fetch, or the document is back
  kChanged,    // content changed
  kUnchanged,  // same content (also a 304 or an unchanged file)
  kRemoved,    // gone on two checks in a row
  kMissing,    // gone on this check only: not a removal yet
  kError,
};

struct CheckPoint {
  std::int64_t time_ms = 0;
  CheckKind kind = CheckKind::kNew;
  std::int64_t modified_ms = 0;  // reported by the source; 0 when unknown
};

// A document's totals since it was first seen (the store's record).
struct DocumentTotals {
  std::uint64_t checks = 0;
  std::uint64_t errors = 0;
  std::uint64_t changes = 0;
  std::int64_t first_seen_ms = 0;
  std::int64_t last_check_ms = 0;
};

// The successful checks of the document's latest life (since it was first seen, or came
// back), as back-to-back intervals that did or did not see a change, with the distinct
// increasing modification times. Checks after a removal teach nothing until the document
// returns; a miss is not a removal (if the document stays gone, the removal check dates it).
// reported_since is the date reported at the first of these checks, when before it. The
// dates are taken as they come: a caller that has not found the source's dates trusted
// (advisor/trust.h) must DropReported before estimating. `newest_first` is the store's order.
DocumentHistory HistoryFromChecks(std::string source, const std::vector<CheckPoint>& newest_first);

// A document checked more often than its history holds: its whole life from the totals, as
// regular checks at the mean interval, so that "stable for a quarter" can be shown by a
// document checked every 15 minutes whose newest 100 checks span a day. Sets the history's
// first and last check from the totals.
RateEstimate LifetimeEstimate(const DocumentTotals& totals, double confidence,
                              DocumentHistory* history);

// One document ready for WorkloadInput: its history, with the estimate made now (from the
// totals when the document had more checks than `newest_first` holds, `history_limit`) and
// the intervals dropped, so that a workload of 100,000 documents takes a few MiB.
// `estimate` uses the dates the checks carry (reported history, modification times);
// `observed_estimate` does not, for DropReported (kept only when the checks carried dates).
// reported_since is the date reported at the first check of the document's latest life (0 when
// none, or not before that check).
// `commit_times_ms`: a git file's commits (AddCommitHistory), empty for other sources.
DocumentHistory SummarizeDocument(std::string source, const std::vector<CheckPoint>& newest_first,
                                  const DocumentTotals& totals, std::size_t history_limit,
                                  double confidence,
                                  const std::vector<std::int64_t>& commit_times_ms = {});

// A git file's commit times (Unix ms, oldest first) as its reported history: the oldest is
// where the window starts (its creation, or the oldest commit the walk reached), the later
// ones before the first check are reported changes. For a history from HistoryFromChecks,
// before estimating; reported_by becomes "git".
void AddCommitHistory(const std::vector<std::int64_t>& commit_times_ms, DocumentHistory* history);

// Forgets what the source reported (its dates are not trusted): clears the reported history
// and the modification times, and puts observed_estimate, when kept, in place of estimate.
void DropReported(DocumentHistory* history);

}  // namespace freshd::advisor
