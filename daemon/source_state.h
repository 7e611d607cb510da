// What the daemon keeps in memory per source: a few counters, never per document (those
// live in the store). Rebuilt from the store at start-up, then updated by every check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace freshd::daemon {

struct SourceState {
  std::int64_t documents = 0;  // present (not removed) documents
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

inline void RecordChange(SourceState& state, std::int64_t time_ms) {
  state.recent_changes_ms.push_back(time_ms);
  if (state.recent_changes_ms.size() > kRecentChangesKept) state.recent_changes_ms.pop_front();
}

}  // namespace freshd::daemon
