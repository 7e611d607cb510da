// What the daemon keeps in memory per source: a few counters, never per document (those
// live in the store). Rebuilt from the store at start-up, then updated by every check.
// Pure functions of the store's records; the engine calls them on its event loop (the
// checks) or on a worker (the start-up totals), never both for one SourceState at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <string>
#include <vector>

#include "store/state_store.h"

namespace freshd::daemon {

struct SourceState {
  std::int64_t documents = 0;              // present (not removed) documents
  std::int64_t documents_unsupported = 0;  // of them, binary data freshd has no text of
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  std::uint64_t errors = 0;
  std::int64_t last_check_ms = 0;
  std::int64_t last_change_ms = 0;
  // When the source's last run over all its documents completed (kept in the store): the
  // schedule resumes from it, so a run cut short by a crash is made again at start-up.
  std::int64_t last_run_ms = 0;
  // Health of the source-level fetch (the page, the listing or the folder scan).
  bool failing = false;
  std::string last_error;               // "reason: message"
  std::uint32_t documents_failing = 0;  // documents whose last check failed
  // Unix ms of the newest changes (kChanged, or a removal) seen since start-up, oldest
  // first, for the status page's chart; bounded so that memory stays flat.
  std::deque<std::int64_t> recent_changes_ms;
};

inline constexpr std::size_t kRecentChangesKept = 256;

void RecordChange(SourceState& state, std::int64_t time_ms);

// A document that counts in SourceState::documents: fetched once, and not removed.
bool IsPresent(const store::DocumentRecord& record);

// Sums the stored documents of one source into a SourceState, one record at a time (as the
// store's scan hands them over). The chart of recent changes starts from each document's
// last change: its history holds the older ones, too costly to read at start-up.
class SourceTotals {
 public:
  void Add(const store::DocumentRecord& record);
  // The totals so far, with `last_run_ms` as given (it is kept apart from the documents).
  SourceState Finish(std::int64_t last_run_ms) const;

 private:
  SourceState state_;
  // The newest kRecentChangesKept last-change times, the oldest on top.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> newest_;
};

// What one recorded check did to a source's counters.
struct CheckCounted {
  bool changed = false;      // new, changed, or a present document removed
  bool was_failing = false;  // the document's previous check had failed
  bool is_failing = false;   // this check failed
};

// Counts one recorded check of a document at `time_ms` into `state`: presence, failing
// documents, checks, errors (`fetch_failed`: the observation carries an error, a 404 and a
// 410 included), changes and their times. The source's `last_error` and `failing` are the
// engine's to set.
CheckCounted CountCheck(SourceState& state, const store::RecordResult& recorded,
                        std::int64_t time_ms, bool fetch_failed);

}  // namespace freshd::daemon
