#include "advisor/history.h"

#include <catch2/catch.hpp>
#include <vector>

namespace freshd::advisor {
namespace {

// Checks given oldest first (easier to read), handed over newest first as the store does.
std::vector<CheckPoint> NewestFirst(std::vector<CheckPoint> oldest_first) {
  return {oldest_first.rbegin(), oldest_first.rend()};
}

CheckPoint At(double seconds, CheckKind kind, std::int64_t modified_ms = 0) {
  return {static_cast<std::int64_t>(seconds * 1000), kind, modified_ms};
}

TEST_CASE("HistoryFromChecks makes oldest-first intervals that did or did not change",
          "[history]") {
  const DocumentHistory history = HistoryFromChecks(
      "docs", NewestFirst({At(100, CheckKind::kNew), At(160, CheckKind::kUnchanged),
                           At(200, CheckKind::kChanged)}));
  CHECK(history.source == "docs");
  CHECK(history.first_check == 100);
  CHECK(history.last_check == 200);
  REQUIRE(history.intervals.size() == 2);
  CHECK(history.intervals[0].seconds == 60);
  CHECK_FALSE(history.intervals[0].changed);
  CHECK(history.intervals[1].seconds == 40);
  CHECK(history.intervals[1].changed);
}

TEST_CASE("Errors and single misses are left out and a removal is a change", "[history]") {
  const DocumentHistory history = HistoryFromChecks(
      "docs",
      NewestFirst({At(0, CheckKind::kNew), At(10, CheckKind::kError), At(20, CheckKind::kMissing),
                   At(30, CheckKind::kUnchanged), At(40, CheckKind::kRemoved)}));
  REQUIRE(history.intervals.size() == 2);
  CHECK(history.intervals[0].seconds == 30);  // the error and the miss bridge no gap
  CHECK_FALSE(history.intervals[0].changed);
  CHECK(history.intervals[1].changed);  // the removal
  CHECK(history.last_check == 40);
}

TEST_CASE("A document that comes back starts a new life", "[history]") {
  const DocumentHistory history = HistoryFromChecks(
      "docs", NewestFirst({At(0, CheckKind::kNew, 1000), At(10, CheckKind::kChanged, 5000),
                           At(20, CheckKind::kRemoved), At(30, CheckKind::kRemoved),
                           At(50, CheckKind::kNew, 45000), At(70, CheckKind::kUnchanged, 45000)}));
  CHECK(history.first_check == 50);
  REQUIRE(history.intervals.size() == 1);
  CHECK(history.intervals[0].seconds == 20);
  CHECK(history.modification_times == std::vector<double>{45});  // distinct, this life only
}

TEST_CASE("Modification times are kept only when they increase", "[history]") {
  const DocumentHistory history = HistoryFromChecks(
      "docs", NewestFirst({At(0, CheckKind::kNew, 2000), At(10, CheckKind::kUnchanged, 2000),
                           At(20, CheckKind::kChanged, 15000), At(30, CheckKind::kUnchanged, 9000),
                           At(40, CheckKind::kUnchanged)}));
  CHECK(history.modification_times == std::vector<double>{2, 15});
}

TEST_CASE("LifetimeEstimate reads the totals as regular checks at the mean interval", "[history]") {
  DocumentHistory history;
  const DocumentTotals totals{.checks = 1001,
                              .errors = 0,
                              .changes = 3,
                              .first_seen_ms = 0,
                              .last_check_ms = 1000 * 900'000};
  const RateEstimate estimate = LifetimeEstimate(totals, 0.9, &history);
  const RateEstimate expected = EstimateRegular(1000, 3, 900, 0.9);
  CHECK(estimate.rate == Approx(expected.rate));
  CHECK(estimate.method == expected.method);
  CHECK(history.first_check == 0);
  CHECK(history.last_check == 900'000);
}

TEST_CASE("SummarizeDocument estimates from the totals only beyond the history limit",
          "[history]") {
  const std::vector<CheckPoint> checks = NewestFirst(
      {At(0, CheckKind::kNew), At(100, CheckKind::kUnchanged), At(200, CheckKind::kChanged)});
  const DocumentTotals short_life{
      .checks = 3, .errors = 0, .changes = 1, .first_seen_ms = 0, .last_check_ms = 200'000};
  const DocumentHistory recent = SummarizeDocument("docs", checks, short_life, 100, 0.9);
  REQUIRE(recent.estimate.has_value());
  CHECK(recent.estimate->checks == 2);  // the two intervals of the history
  CHECK(recent.intervals.empty());      // dropped once estimated
  CHECK(recent.modification_times.empty());

  const DocumentTotals long_life{
      .checks = 500, .errors = 0, .changes = 1, .first_seen_ms = 0, .last_check_ms = 499'000};
  const DocumentHistory lifetime = SummarizeDocument("docs", checks, long_life, 100, 0.9);
  REQUIRE(lifetime.estimate.has_value());
  CHECK(lifetime.estimate->checks == 499);
  CHECK(lifetime.first_check == 0);
  CHECK(lifetime.last_check == 499);
}

}  // namespace
}  // namespace freshd::advisor
