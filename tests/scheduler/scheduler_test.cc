#include "scheduler/scheduler.h"

#include <catch2/catch.hpp>
#include <map>

using freshd::scheduler::Duration;
using freshd::scheduler::ManualClock;
using freshd::scheduler::Scheduler;
using freshd::scheduler::SchedulerOptions;
using freshd::scheduler::TimePoint;
using namespace std::chrono_literals;

namespace {

TimePoint Start() { return TimePoint(std::chrono::hours(24 * 20000)); }

SchedulerOptions Seeded() {
  SchedulerOptions options;
  options.seed = 42;
  return options;
}

// Runs the scheduler for `span`, stepping the clock to each due time and completing every
// run at once. Returns the times each source ran.
std::map<std::string, std::vector<TimePoint>> Simulate(Scheduler& scheduler, ManualClock& clock,
                                                       Duration span, bool fail = false) {
  std::map<std::string, std::vector<TimePoint>> runs;
  const TimePoint end = clock.Now() + span;
  while (auto due = scheduler.NextDue()) {
    if (*due > end) break;
    if (*due > clock.Now()) clock.Set(*due);
    for (const auto& name : scheduler.TakeDue()) {
      runs[name].push_back(clock.Now());
      scheduler.Complete(name, fail);
    }
  }
  return runs;
}

}  // namespace

TEST_CASE("first checks are spread over the initial window, not fired together") {
  ManualClock clock(Start());
  Scheduler scheduler(clock, Seeded());
  for (int i = 0; i < 1000; ++i) scheduler.Add("s" + std::to_string(i), 15min, std::nullopt);

  std::map<long, int> per_second;
  auto runs = Simulate(scheduler, clock, 60s);
  for (const auto& [name, times] : runs) {
    REQUIRE(times.size() == 1);
    ++per_second[std::chrono::duration_cast<std::chrono::seconds>(times[0] - Start()).count()];
  }
  CHECK(runs.size() == 1000);
  CHECK(per_second.size() == 60);  // every second of the window used
  for (const auto& [second, count] : per_second) CHECK(count < 40);  // mean is 16.7
}

TEST_CASE("a source checked before a restart resumes at last check plus interval") {
  ManualClock clock(Start());
  Scheduler scheduler(clock, Seeded());
  scheduler.Add("recent", 1h, Start() - 10min);
  scheduler.Add("overdue", 1h, Start() - 5h);
  CHECK(*scheduler.DueTime("recent") == Start() + 50min);
  CHECK(*scheduler.DueTime("overdue") >= Start());
  CHECK(*scheduler.DueTime("overdue") < Start() + 60s);
}

TEST_CASE("regular runs keep the interval within the jitter over simulated days") {
  ManualClock clock(Start());
  Scheduler scheduler(clock, Seeded());
  scheduler.Add("a", 15min, std::nullopt);
  auto runs = Simulate(scheduler, clock, std::chrono::hours(24 * 7));
  const auto& times = runs["a"];
  REQUIRE(times.size() > 600);  // a week at 15 min is 672 runs
  REQUIRE(times.size() < 750);
  bool some_jitter = false;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const auto gap = times[i] - times[i - 1];
    CHECK(gap >= 13min + 30s);
    CHECK(gap <= 16min + 30s);
    some_jitter = some_jitter || gap != 15min;
  }
  CHECK(some_jitter);
}

TEST_CASE("a failing source backs off exponentially up to the cap, and recovers") {
  ManualClock clock(Start());
  SchedulerOptions options = Seeded();
  options.jitter_fraction = 0;
  options.backoff_cap = 2h;
  Scheduler scheduler(clock, options);
  scheduler.Add("flaky", 10min, Start() - 10min);

  std::vector<Duration> gaps;
  TimePoint last = clock.Now();
  for (int i = 0; i < 6; ++i) {
    clock.Set(*scheduler.NextDue());
    REQUIRE(scheduler.TakeDue() == std::vector<std::string>{"flaky"});
    if (i > 0) gaps.push_back(std::chrono::duration_cast<Duration>(clock.Now() - last));
    last = clock.Now();
    scheduler.Complete("flaky", /*failed=*/true);
  }
  CHECK(scheduler.ConsecutiveFailures("flaky") == 6);
  CHECK(gaps == std::vector<Duration>{20min, 40min, 80min, 2h, 2h});

  clock.Set(*scheduler.NextDue());
  scheduler.TakeDue();
  scheduler.Complete("flaky", /*failed=*/false);
  CHECK(scheduler.ConsecutiveFailures("flaky") == 0);
  CHECK(*scheduler.DueTime("flaky") - clock.Now() == 10min);
}

TEST_CASE("a running source is not handed out again until it completes") {
  ManualClock clock(Start());
  Scheduler scheduler(clock, Seeded());
  scheduler.Add("slow", 1min, Start() - 1min);
  clock.Advance(1min);  // past the initial spread
  REQUIRE(scheduler.TakeDue().size() == 1);
  clock.Advance(10min);
  CHECK(scheduler.TakeDue().empty());
  CHECK_FALSE(scheduler.NextDue().has_value());
  scheduler.Complete("slow", false);
  CHECK(scheduler.NextDue().has_value());
}

TEST_CASE("removing a source forgets it, even while it runs") {
  ManualClock clock(Start());
  Scheduler scheduler(clock, Seeded());
  scheduler.Add("gone", 1min, Start() - 1min);
  clock.Advance(1min);  // past the initial spread
  REQUIRE(scheduler.TakeDue().size() == 1);
  scheduler.Remove("gone");
  scheduler.Complete("gone", false);
  CHECK_FALSE(scheduler.DueTime("gone").has_value());
  CHECK_FALSE(scheduler.NextDue().has_value());
}
