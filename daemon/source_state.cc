#include "daemon/source_state.h"

#include <algorithm>

namespace freshd::daemon {

void RecordChange(SourceState& state, std::int64_t time_ms) {
  state.recent_changes_ms.push_back(time_ms);
  if (state.recent_changes_ms.size() > kRecentChangesKept) state.recent_changes_ms.pop_front();
}

bool IsPresent(const store::DocumentRecord& record) {
  return !record.removed && !record.content_hash.empty();
}

void SourceTotals::Add(const store::DocumentRecord& record) {
  if (record.changes > 0) {
    newest_.push(record.last_change_ms);
    if (newest_.size() > kRecentChangesKept) newest_.pop();
  }
  if (IsPresent(record)) ++state_.documents;
  if (IsPresent(record) && record.unsupported) ++state_.documents_unsupported;
  state_.checks += record.checks;
  state_.changes += record.changes;
  state_.errors += record.errors;
  state_.last_check_ms = std::max(state_.last_check_ms, record.last_check_ms);
  state_.last_change_ms = std::max(state_.last_change_ms, record.last_change_ms);
  if (record.consecutive_errors > 0) ++state_.documents_failing;
}

SourceState SourceTotals::Finish(std::int64_t last_run_ms) const {
  SourceState state = state_;
  state.last_run_ms = last_run_ms;
  for (auto newest = newest_; !newest.empty(); newest.pop()) {
    state.recent_changes_ms.push_back(newest.top());
  }
  return state;
}

CheckCounted CountCheck(SourceState& state, const store::RecordResult& recorded,
                        std::int64_t time_ms, bool fetch_failed) {
  using store::CheckOutcome;
  const auto& previous = recorded.previous;
  const bool was_present = previous && IsPresent(*previous);
  CheckCounted counted;
  counted.was_failing = previous && previous->consecutive_errors > 0;
  counted.is_failing = recorded.document.consecutive_errors > 0;
  state.documents += static_cast<int>(IsPresent(recorded.document)) - static_cast<int>(was_present);
  state.documents_unsupported +=
      static_cast<int>(IsPresent(recorded.document) && recorded.document.unsupported) -
      static_cast<int>(was_present && previous->unsupported);
  state.documents_failing +=
      static_cast<int>(counted.is_failing) - static_cast<int>(counted.was_failing);
  ++state.checks;
  state.last_check_ms = time_ms;
  if (fetch_failed) ++state.errors;
  counted.changed = recorded.outcome == CheckOutcome::kNew ||
                    recorded.outcome == CheckOutcome::kChanged ||
                    (recorded.outcome == CheckOutcome::kRemoved && was_present);
  if (counted.changed) {
    state.last_change_ms = time_ms;
    // A new document is no change of the source's content history.
    if (recorded.outcome != CheckOutcome::kNew) {
      ++state.changes;
      RecordChange(state, time_ms);
    }
  }
  return counted;
}

}  // namespace freshd::daemon
