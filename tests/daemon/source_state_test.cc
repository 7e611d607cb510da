#include "daemon/source_state.h"

#include <catch2/catch.hpp>

namespace freshd::daemon {
namespace {

store::DocumentRecord Present(std::int64_t last_check_ms, std::int64_t last_change_ms) {
  store::DocumentRecord record;
  record.content_hash = "a-hash";
  record.checks = 3;
  record.changes = 1;
  record.last_check_ms = last_check_ms;
  record.last_change_ms = last_change_ms;
  return record;
}

store::RecordResult Recorded(store::CheckOutcome outcome,
                             std::optional<store::DocumentRecord> previous,
                             store::DocumentRecord document) {
  store::RecordResult result;
  result.outcome = outcome;
  result.previous = std::move(previous);
  result.document = std::move(document);
  return result;
}

TEST_CASE("SourceTotals sums the counters of the stored documents") {
  SourceTotals totals;
  totals.Add(Present(100, 50));
  store::DocumentRecord removed = Present(300, 250);
  removed.removed = true;
  removed.errors = 2;
  removed.consecutive_errors = 1;
  totals.Add(removed);
  store::DocumentRecord never_fetched;  // no hash yet: not present
  never_fetched.checks = 1;
  totals.Add(never_fetched);

  const SourceState state = totals.Finish(777);
  CHECK(state.documents == 1);
  CHECK(state.checks == 7);
  CHECK(state.changes == 2);
  CHECK(state.errors == 2);
  CHECK(state.documents_failing == 1);
  CHECK(state.last_check_ms == 300);
  CHECK(state.last_change_ms == 250);
  CHECK(state.last_run_ms == 777);
  CHECK(state.recent_changes_ms == std::deque<std::int64_t>{50, 250});
}

TEST_CASE("SourceTotals keeps only the newest changes for the chart oldest first") {
  SourceTotals totals;
  const auto count = static_cast<std::int64_t>(kRecentChangesKept) + 10;
  for (std::int64_t i = count; i > 0; --i) totals.Add(Present(i, i));
  const SourceState state = totals.Finish(0);
  REQUIRE(state.recent_changes_ms.size() == kRecentChangesKept);
  CHECK(state.recent_changes_ms.front() == 11);
  CHECK(state.recent_changes_ms.back() == count);
}

TEST_CASE("CountCheck counts a new document as present but not as a change") {
  SourceState state;
  const CheckCounted counted = CountCheck(
      state, Recorded(store::CheckOutcome::kNew, std::nullopt, Present(10, 10)), 10, false);
  CHECK(counted.changed);
  CHECK(state.documents == 1);
  CHECK(state.checks == 1);
  CHECK(state.changes == 0);
  CHECK(state.last_change_ms == 10);
  CHECK(state.recent_changes_ms.empty());
}

TEST_CASE("CountCheck counts a change and records it for the chart") {
  SourceState state;
  state.documents = 1;
  const CheckCounted counted = CountCheck(
      state, Recorded(store::CheckOutcome::kChanged, Present(1, 1), Present(20, 20)), 20, false);
  CHECK(counted.changed);
  CHECK(state.documents == 1);
  CHECK(state.changes == 1);
  CHECK(state.last_check_ms == 20);
  CHECK(state.recent_changes_ms == std::deque<std::int64_t>{20});
}

TEST_CASE("CountCheck leaves the changes alone when nothing changed") {
  SourceState state;
  state.documents = 1;
  const CheckCounted counted = CountCheck(
      state, Recorded(store::CheckOutcome::kUnchanged, Present(1, 1), Present(30, 1)), 30, false);
  CHECK_FALSE(counted.changed);
  CHECK(state.documents == 1);
  CHECK(state.checks == 1);
  CHECK(state.changes == 0);
  CHECK(state.last_change_ms == 0);
}

TEST_CASE("CountCheck counts a gone document as a failed fetch and a removal") {
  SourceState state;
  state.documents = 1;
  store::DocumentRecord gone = Present(40, 40);
  gone.removed = true;
  gone.consecutive_errors = 1;
  const CheckCounted counted =
      CountCheck(state, Recorded(store::CheckOutcome::kRemoved, Present(1, 1), gone), 40, true);
  CHECK(counted.changed);
  CHECK(counted.is_failing);
  CHECK_FALSE(counted.was_failing);
  CHECK(state.documents == 0);
  CHECK(state.documents_failing == 1);
  CHECK(state.errors == 1);
  CHECK(state.changes == 1);
}

TEST_CASE("CountCheck does not count a second removal as a change") {
  SourceState state;
  store::DocumentRecord removed = Present(1, 1);
  removed.removed = true;
  const CheckCounted counted =
      CountCheck(state, Recorded(store::CheckOutcome::kRemoved, removed, removed), 50, false);
  CHECK_FALSE(counted.changed);
  CHECK(state.documents == 0);
  CHECK(state.changes == 0);
}

TEST_CASE("CountCheck tells a recovered document from a failing one") {
  SourceState state;
  state.documents = 1;
  state.documents_failing = 1;
  store::DocumentRecord failing = Present(1, 1);
  failing.consecutive_errors = 2;
  const CheckCounted counted = CountCheck(
      state, Recorded(store::CheckOutcome::kUnchanged, failing, Present(60, 1)), 60, false);
  CHECK(counted.was_failing);
  CHECK_FALSE(counted.is_failing);
  CHECK(state.documents_failing == 0);
  CHECK(state.errors == 0);
}

}  // namespace
}  // namespace freshd::daemon
