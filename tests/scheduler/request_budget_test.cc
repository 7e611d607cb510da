#include "scheduler/request_budget.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <vector>

using freshd::scheduler::Duration;
using freshd::scheduler::RequestBudget;
using freshd::scheduler::TimePoint;
using namespace std::chrono_literals;

namespace {

TimePoint Start() { return TimePoint(std::chrono::hours(24 * 20000)); }

// The most grants in any half-open window [t, t + window): the window that starts at a grant
// is the fullest of those that hold it first.
std::size_t MostInAnyWindow(const std::vector<TimePoint>& sorted, Duration window) {
  std::size_t most = 0;
  for (auto first = sorted.begin(); first != sorted.end(); ++first) {
    const auto end = std::lower_bound(first, sorted.end(), *first + window);
    most = std::max(most, static_cast<std::size_t>(end - first));
  }
  return most;
}

}  // namespace

TEST_CASE("a budget grants up to its cap at once and then one per freed slot") {
  RequestBudget budget(3, 1min);
  const TimePoint t = Start();
  CHECK(budget.TryAcquire(t));
  CHECK(budget.TryAcquire(t + 10s));
  CHECK(budget.TryAcquire(t + 20s));
  CHECK_FALSE(budget.TryAcquire(t + 30s));
  CHECK(budget.InWindow(t + 30s) == 3);
  CHECK(budget.NextAvailable(t + 30s) == t + 1min);
  CHECK_FALSE(budget.TryAcquire(t + 1min - 1ms));
  CHECK(budget.TryAcquire(t + 1min));
  CHECK(budget.NextAvailable(t + 1min) == t + 70s);
  CHECK(budget.InWindow(t + 1min) == 3);
  CHECK(budget.InWindow(t + 10min) == 0);
}

TEST_CASE("a budget never grants more than its cap in any window of a long random run") {
  const std::uint64_t cap = GENERATE(1, 7, 400);
  const Duration window = GENERATE(Duration(1s), Duration(1min));
  RequestBudget budget(cap, window);
  std::mt19937_64 random(cap * 1000 + static_cast<std::uint64_t>(window.count()));
  // Attempts far denser than the cap allows, at irregular times (in milliseconds).
  std::exponential_distribution<double> gap(20.0 * static_cast<double>(cap) /
                                            static_cast<double>(window.count()));
  std::vector<TimePoint> granted;
  double elapsed = 0;
  for (int attempt = 0; attempt < 40000; ++attempt) {
    elapsed += gap(random);
    const TimePoint now = Start() + Duration(static_cast<std::int64_t>(elapsed));
    if (budget.TryAcquire(now)) granted.push_back(now);
    CHECK(budget.InWindow(now) <= cap);
  }
  CHECK(MostInAnyWindow(granted, window) == cap);
  // It grants as much as the cap allows, not less: over the run, close to cap per window.
  const auto windows = static_cast<double>((granted.back() - granted.front()) / window);
  CHECK(static_cast<double>(granted.size()) >= 0.9 * static_cast<double>(cap) * windows);
}

TEST_CASE("a budget waits for its next slot when asked when it may grant") {
  RequestBudget budget(2, 10s);
  TimePoint now = Start();
  std::vector<TimePoint> granted;
  for (int i = 0; i < 100; ++i) {
    now = budget.NextAvailable(now);
    REQUIRE(budget.TryAcquire(now));
    granted.push_back(now);
  }
  CHECK(MostInAnyWindow(granted, 10s) == 2);
  CHECK(granted.back() - granted.front() == 49 * 10s);
}

TEST_CASE("charged listing fetches delay later grants") {
  RequestBudget budget(2, 1min);
  const TimePoint t = Start();
  budget.Charge(t);
  budget.Charge(t + 1s);
  budget.Charge(t + 2s);  // beyond the cap: counted all the same
  CHECK(budget.InWindow(t + 2s) == 2);  // the ring holds the last two
  CHECK_FALSE(budget.TryAcquire(t + 3s));
  CHECK(budget.NextAvailable(t + 3s) == t + 61s);
  CHECK(budget.TryAcquire(t + 61s));
}

TEST_CASE("a pause for Retry-After holds every grant until it ends") {
  RequestBudget budget(100, 1s);
  const TimePoint t = Start();
  CHECK(budget.TryAcquire(t));
  budget.PauseUntil(t + 30s);
  budget.PauseUntil(t + 10s);  // an earlier end does not shorten the pause
  CHECK_FALSE(budget.TryAcquire(t + 29s));
  CHECK(budget.NextAvailable(t + 5s) == t + 30s);
  CHECK(budget.TryAcquire(t + 30s));
  CHECK(budget.NextAvailable(t + 30s) == t + 30s);
}

TEST_CASE("a budget of zero requests grants nothing") {
  RequestBudget budget(0, 1s);
  CHECK_FALSE(budget.TryAcquire(Start()));
  CHECK(budget.NextAvailable(Start()) == TimePoint::max());
  CHECK(budget.InWindow(Start()) == 0);
}

TEST_CASE("a request sent after its grant counts from when it was sent") {
  RequestBudget budget(2, 1min);
  const TimePoint t = Start();
  REQUIRE(budget.TryAcquire(t));
  REQUIRE(budget.TryAcquire(t));
  // The two waited for a connection: sent 1 s and 2 s after their grant.
  budget.Restamp(t, t + 1s);
  budget.Restamp(t, t + 2s);
  CHECK_FALSE(budget.TryAcquire(t + 60s));
  CHECK(budget.NextAvailable(t + 60s) == t + 61s);
  CHECK(budget.TryAcquire(t + 61s));
  CHECK_FALSE(budget.TryAcquire(t + 61s));
  CHECK(budget.NextAvailable(t + 61s) == t + 62s);
}
