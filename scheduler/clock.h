// Time as freshd sees it: wall time (timestamps, schedules kept across restarts), monotonic
// time (delays, timeouts, backoff) and timers. Everything that schedules, waits or
// timestamps takes a Clock, so that tests can run days of schedule in milliseconds.
//
// SystemClock is the real one: timers are Asio steady timers on the io_context they are
// made for. ManualClock moves only when a test says so: Advance(d) fires the timers that
// fall due, in the order of their due times, each at its own due time.
//
// Threads: Now() and MonotonicNow() may be called from any thread. A Timer is made, armed,
// cancelled and destroyed on the thread of the io_context it was made for; its callback
// runs there too (for ManualClock: on the thread that calls Advance, which in tests is the
// thread that runs the io_context). WaitFor may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace freshd::scheduler {

using TimePoint = std::chrono::system_clock::time_point;
using MonotonicTime = std::chrono::steady_clock::time_point;
using Duration = std::chrono::milliseconds;

// A one-shot timer. Destroying it cancels it: no callback runs after Cancel() or after the
// destructor, even one whose time had already come.
class Timer {
 public:
  virtual ~Timer() = default;
  // Runs `callback` once, `after` from now (at once for zero or less), never from inside
  // Schedule. Arming a pending timer again replaces its time and callback.
  virtual void Schedule(Duration after, std::function<void()> callback) = 0;
  virtual void Cancel() = 0;
  virtual bool Pending() const = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  virtual MonotonicTime MonotonicNow() const = 0;
  // A timer whose callback runs on `loop`'s thread. Const: timers belong to their owner,
  // the clock only drives them.
  virtual std::unique_ptr<Timer> CreateTimer(boost::asio::io_context& loop) const = 0;
  // For threads that wait outside any event loop (the RAG delivery): waits with `lock` held
  // on entry and exit until `done()` or until `timeout` of this clock's monotonic time has
  // passed; `wake` is notified by whoever makes done() true. Returns done(). ManualClock
  // looks at its time again every millisecond of real time while it waits.
  virtual bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                       Duration timeout, const std::function<bool()>& done) const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  MonotonicTime MonotonicNow() const override { return std::chrono::steady_clock::now(); }
  std::unique_ptr<Timer> CreateTimer(boost::asio::io_context& loop) const override;
  bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& wake, Duration timeout,
               const std::function<bool()>& done) const override {
    return wake.wait_for(lock, timeout, done);
  }
};

// A clock that moves only when told to. Time reads and WaitFor are thread-safe; timers and
// Advance belong to one thread (the test's, which also runs the io_context).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start);
  ~ManualClock() override;

  TimePoint Now() const override;
  MonotonicTime MonotonicNow() const override;
  std::unique_ptr<Timer> CreateTimer(boost::asio::io_context& loop) const override;
  bool WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& wake, Duration timeout,
               const std::function<bool()>& done) const override;

  // Moves both times forward by `by`, stopping at each pending timer's due time (in order;
  // timers armed by a callback count too, when they fall due within `by`) to fire it, and
  // calling `settle` after each one (a test drains its event loop and workers there).
  void Advance(Duration by, const std::function<void()>& settle = {});
  // Sets the wall time only (it may jump, as a real one does); timers do not fire.
  void Set(TimePoint to);

  // When the earliest pending timer is due; nullopt when none is.
  std::optional<MonotonicTime> NextTimerDue() const;
  // The earliest deadline of the threads now inside WaitFor; nullopt when none waits. A
  // test sees there how long a thread chose to wait, then advances the clock to it.
  std::optional<MonotonicTime> NextWaitDeadline() const;
  std::size_t PendingTimers() const;

 private:
  class ManualTimer;
  using TimerKey = std::pair<MonotonicTime, std::uint64_t>;
  TimerKey Arm(ManualTimer* timer, Duration after) const;
  void Disarm(const TimerKey& key) const;
  void MoveTo(MonotonicTime to);

  mutable std::mutex mutex_;
  TimePoint wall_;
  MonotonicTime monotonic_;
  // Pending timers by (due, arming order): equal due times fire in the order armed.
  mutable std::map<TimerKey, ManualTimer*> timers_;
  mutable std::uint64_t sequence_ = 0;
  mutable std::multiset<MonotonicTime> wait_deadlines_;
};

inline std::int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace freshd::scheduler
