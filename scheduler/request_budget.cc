#include "scheduler/request_budget.h"

#include <algorithm>
#include <optional>

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

void RequestBudget::Restamp(TimePoint granted, TimePoint sent) {
  if (sent <= granted || granted_.empty()) return;
  // From the newest back: the grant is recent. Of grants made at the same instant the oldest
  // is restamped (sends are first in, first out), so the ring stays in order; a later stamp
  // only makes the next grants wait longer, never shorter.
  const std::size_t size = granted_.size();
  const std::size_t newest = size < requests_ ? size - 1 : (next_ + size - 1) % size;
  std::optional<std::size_t> oldest_match;
  for (std::size_t step = 0; step < size; ++step) {
    const std::size_t at = (newest + size - step) % size;
    if (granted_[at] == granted) {
      oldest_match = at;
    } else if (oldest_match) {
      break;
    }
  }
  if (oldest_match) granted_[*oldest_match] = sent;
}

void RequestBudget::PauseUntil(TimePoint until) { paused_until_ = std::max(paused_until_, until); }

std::uint64_t RequestBudget::InWindow(TimePoint now) const {
  return static_cast<std::uint64_t>(
      std::count_if(granted_.begin(), granted_.end(),
                    [&](TimePoint granted) { return granted > now - window_ && granted <= now; }));
}

}  // namespace freshd::scheduler
