#include "scheduler/clock.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using freshd::scheduler::ManualClock;
using freshd::scheduler::SystemClock;
using freshd::scheduler::TimePoint;
using freshd::scheduler::Timer;
using namespace std::chrono_literals;

namespace {

TimePoint Start() { return TimePoint(std::chrono::hours(24 * 20000)); }

}  // namespace

TEST_CASE("a manual clock fires due timers in time order at their own due times") {
  boost::asio::io_context io;
  ManualClock clock(Start());
  std::vector<std::string> fired;
  std::vector<TimePoint> at;
  auto late = clock.CreateTimer(io);
  auto early = clock.CreateTimer(io);
  auto never = clock.CreateTimer(io);
  late->Schedule(3h, [&] {
    fired.push_back("late");
    at.push_back(clock.Now());
  });
  early->Schedule(1h, [&] {
    fired.push_back("early");
    at.push_back(clock.Now());
  });
  never->Schedule(5h, [&] { fired.push_back("never"); });

  clock.Advance(4h);
  CHECK(fired == std::vector<std::string>{"early", "late"});
  CHECK(at == std::vector<TimePoint>{Start() + 1h, Start() + 3h});
  CHECK(clock.Now() == Start() + 4h);
  CHECK(never->Pending());
  CHECK_FALSE(early->Pending());
}

TEST_CASE("a timer armed by a callback fires within the same advance when it falls due") {
  boost::asio::io_context io;
  ManualClock clock(Start());
  auto timer = clock.CreateTimer(io);
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    timer->Schedule(10min, again);
  };
  timer->Schedule(10min, again);
  int settled = 0;
  clock.Advance(1h, [&] { ++settled; });
  CHECK(runs == 6);
  CHECK(settled == 6);
  CHECK(timer->Pending());
}

TEST_CASE("a cancelled or destroyed manual timer never fires") {
  boost::asio::io_context io;
  ManualClock clock(Start());
  bool fired = false;
  auto cancelled = clock.CreateTimer(io);
  cancelled->Schedule(1s, [&] { fired = true; });
  cancelled->Cancel();
  clock.CreateTimer(io)->Schedule(1s, [&] { fired = true; });  // destroyed at once
  clock.Advance(1min);
  CHECK_FALSE(fired);
  CHECK(clock.PendingTimers() == 0);
}

TEST_CASE("setting the wall time moves neither the monotonic time nor the timers") {
  boost::asio::io_context io;
  ManualClock clock(Start());
  const auto monotonic = clock.MonotonicNow();
  bool fired = false;
  auto timer = clock.CreateTimer(io);
  timer->Schedule(1h, [&] { fired = true; });
  clock.Set(Start() + 24h);
  CHECK(clock.MonotonicNow() == monotonic);
  CHECK_FALSE(fired);
  clock.Advance(1h);
  CHECK(fired);
  CHECK(clock.MonotonicNow() == monotonic + 1h);
}

TEST_CASE("a manual clock's wait ends when the clock is advanced past its timeout") {
  ManualClock clock(Start());
  std::mutex mutex;
  std::condition_variable wake;
  std::atomic<bool> waiting{false};
  bool timed_out = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    waiting = true;
    timed_out = !clock.WaitFor(lock, wake, 5min, [] { return false; });
  });
  while (!waiting) std::this_thread::yield();
  { std::lock_guard lock(mutex); }  // the waiter is inside WaitFor: its deadline is set
  clock.Advance(5min);
  waiter.join();
  CHECK(timed_out);
}

TEST_CASE("a manual clock's wait ends when its condition becomes true") {
  ManualClock clock(Start());
  std::mutex mutex;
  std::condition_variable wake;
  bool done = false;
  bool result = false;
  std::thread waiter([&] {
    std::unique_lock lock(mutex);
    result = clock.WaitFor(lock, wake, 1h, [&] { return done; });
  });
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  wake.notify_all();
  waiter.join();
  CHECK(result);
}

TEST_CASE("a system timer fires on its io_context and not after it is cancelled") {
  boost::asio::io_context io;
  SystemClock clock;
  int fired = 0;
  auto timer = clock.CreateTimer(io);
  auto cancelled = clock.CreateTimer(io);
  timer->Schedule(0ms, [&] { ++fired; });
  cancelled->Schedule(0ms, [&] { fired += 10; });
  cancelled->Cancel();
  CHECK(timer->Pending());
  io.run();
  CHECK(fired == 1);
  CHECK_FALSE(timer->Pending());
}
