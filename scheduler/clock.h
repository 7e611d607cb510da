// Time as freshd sees it. Everything that schedules or timestamps takes a Clock, so that
// tests can run days of schedule in milliseconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace freshd::scheduler {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Advance(Duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }
  void Set(TimePoint to) {
    std::lock_guard lock(mutex_);
    now_ = to;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

inline std::int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace freshd::scheduler
