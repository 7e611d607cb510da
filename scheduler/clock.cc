#include "scheduler/clock.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <utility>

namespace freshd::scheduler {
namespace {

// A steady_timer whose completion is ignored unless it belongs to the latest Schedule and
// the timer still exists: asio may have queued a successful completion before a cancel.
class AsioTimer final : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& loop) : timer_(loop) {}
  ~AsioTimer() override { Cancel(); }

  void Schedule(Duration after, std::function<void()> callback) override {
    ++generation_;
    pending_ = true;
    callback_ = std::move(callback);
    timer_.expires_after(std::max(after, Duration::zero()));
    timer_.async_wait([this, generation = generation_,
                       alive = std::weak_ptr<char>(alive_)](boost::system::error_code error) {
      if (error || alive.expired() || generation != generation_) return;
      pending_ = false;
      auto callback = std::move(callback_);
      callback_ = nullptr;
      callback();  // may destroy this timer: nothing touches `this` afterwards
    });
  }

  void Cancel() override {
    ++generation_;
    pending_ = false;
    timer_.cancel();
    auto dropped = std::move(callback_);  // last: it may own this timer
    callback_ = nullptr;
  }

  bool Pending() const override { return pending_; }

 private:
  boost::asio::steady_timer timer_;
  std::function<void()> callback_;
  std::uint64_t generation_ = 0;
  bool pending_ = false;
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

}  // namespace

std::unique_ptr<Timer> SystemClock::CreateTimer(boost::asio::io_context& loop) const {
  return std::make_unique<AsioTimer>(loop);
}

class ManualClock::ManualTimer final : public Timer {
 public:
  explicit ManualTimer(const ManualClock& clock) : clock_(clock) {}
  ~ManualTimer() override { Cancel(); }

  void Schedule(Duration after, std::function<void()> callback) override {
    Cancel();
    callback_ = std::move(callback);
    key_ = clock_.Arm(this, after);
  }

  void Cancel() override {
    if (key_) clock_.Disarm(*key_);
    key_.reset();
    auto dropped = std::move(callback_);  // last: it may own this timer
    callback_ = nullptr;
  }

  bool Pending() const override { return key_.has_value(); }

  // The clock has taken this timer out of its list already.
  void Fire() {
    key_.reset();
    auto callback = std::move(callback_);
    callback_ = nullptr;
    callback();  // may destroy this timer
  }

 private:
  const ManualClock& clock_;
  std::function<void()> callback_;
  std::optional<TimerKey> key_;
};

ManualClock::ManualClock(TimePoint start)
    : wall_(start), monotonic_(MonotonicTime(std::chrono::hours(24))) {}

ManualClock::~ManualClock() = default;

TimePoint ManualClock::Now() const {
  std::lock_guard lock(mutex_);
  return wall_;
}

MonotonicTime ManualClock::MonotonicNow() const {
  std::lock_guard lock(mutex_);
  return monotonic_;
}

std::unique_ptr<Timer> ManualClock::CreateTimer(boost::asio::io_context&) const {
  return std::make_unique<ManualTimer>(*this);
}

ManualClock::TimerKey ManualClock::Arm(ManualTimer* timer, Duration after) const {
  std::lock_guard lock(mutex_);
  TimerKey key{monotonic_ + std::max(after, Duration::zero()), ++sequence_};
  timers_.emplace(key, timer);
  return key;
}

void ManualClock::Disarm(const TimerKey& key) const {
  std::lock_guard lock(mutex_);
  timers_.erase(key);
}

void ManualClock::MoveTo(MonotonicTime to) {
  std::lock_guard lock(mutex_);
  if (to <= monotonic_) return;
  wall_ += std::chrono::duration_cast<TimePoint::duration>(to - monotonic_);
  monotonic_ = to;
}

void ManualClock::Advance(Duration by, const std::function<void()>& settle) {
  const MonotonicTime target = MonotonicNow() + std::max(by, Duration::zero());
  for (;;) {
    ManualTimer* next = nullptr;
    MonotonicTime due;
    {
      std::lock_guard lock(mutex_);
      if (timers_.empty() || timers_.begin()->first.first > target) break;
      due = timers_.begin()->first.first;
      next = timers_.begin()->second;
      timers_.erase(timers_.begin());
    }
    MoveTo(due);
    next->Fire();
    if (settle) settle();
  }
  MoveTo(target);
}

void ManualClock::Set(TimePoint to) {
  std::lock_guard lock(mutex_);
  wall_ = to;
}

std::optional<MonotonicTime> ManualClock::NextTimerDue() const {
  std::lock_guard lock(mutex_);
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

std::optional<MonotonicTime> ManualClock::NextWaitDeadline() const {
  std::lock_guard lock(mutex_);
  if (wait_deadlines_.empty()) return std::nullopt;
  return *wait_deadlines_.begin();
}

std::size_t ManualClock::PendingTimers() const {
  std::lock_guard lock(mutex_);
  return timers_.size();
}

bool ManualClock::WaitFor(std::unique_lock<std::mutex>& lock, std::condition_variable& wake,
                          Duration timeout, const std::function<bool()>& done) const {
  std::multiset<MonotonicTime>::iterator registered;
  MonotonicTime deadline;
  {
    std::lock_guard guard(mutex_);
    deadline = monotonic_ + timeout;
    registered = wait_deadlines_.insert(deadline);
  }
  bool result = true;
  while (!done()) {
    if (MonotonicNow() >= deadline) {
      result = false;
      break;
    }
    wake.wait_for(lock, std::chrono::milliseconds(1));
  }
  std::lock_guard guard(mutex_);
  wait_deadlines_.erase(registered);
  return result;
}

}  // namespace freshd::scheduler
