#include "scheduler/request_budget.h"

#include <algorithm>

namespace freshd::scheduler {

RequestBudget::RequestBudget(std::uint64_t requests, Duration window)
    : requests_(requests), window_(window) {}

bool RequestBudget::TryAcquire(TimePoint now) {
  if (requests_ == 0 || NextAvailable(now) > now) return false;
  Charge(now);
  return true;
}

void RequestBudget::Charge(TimePoint now) {
  if (requests_ == 0) return;
  if (granted_.size() < requests_) {
    granted_.push_back(now);
    return;
  }
  granted_[next_] = now;
  next_ = (next_ + 1) % granted_.size();
}

TimePoint RequestBudget::NextAvailable(TimePoint now) const {
  if (requests_ == 0) return TimePoint::max();
  TimePoint earliest = std::max(now, paused_until_);
  // The ring is full: the oldest of the last `requests_` grants must leave the window.
  if (granted_.size() == requests_) earliest = std::max(earliest, granted_[next_] + window_);
  return earliest;
}

void RequestBudget::PauseUntil(TimePoint until) { paused_until_ = std::max(paused_until_, until); }

std::uint64_t RequestBudget::InWindow(TimePoint now) const {
  return static_cast<std::uint64_t>(
      std::count_if(granted_.begin(), granted_.end(),
                    [&](TimePoint granted) { return granted > now - window_ && granted <= now; }));
}

}  // namespace freshd::scheduler
