// A hard cap on a source's requests: at most `requests` in any window of `window` length
// (`budget: 400/m`). Keeps the times of the last `requests` grants (a ring), so a request
// is allowed exactly when the one `requests` grants back is at least `window` old. Hence
// every half-open window [t, t + window) holds at most `requests` grants (charges aside).
// Memory: one TimePoint per request of the cap, allocated as grants are made.
//
// Times passed in should not decrease; a clock that steps back only delays later grants.
// With `requests` 0 nothing is ever granted.
//
// Not thread-safe: one per source, used on the event loop.
#pragma once

#include <cstdint>
#include <vector>

#include "scheduler/clock.h"

namespace freshd::scheduler {

class RequestBudget {
 public:
  RequestBudget(std::uint64_t requests, Duration window);

  // Grants a request at `now` when the cap allows it, and counts it.
  bool TryAcquire(TimePoint now);
  // Counts a request made regardless (a listing fetch): later grants wait for it. A charge
  // may exceed the cap; the requests of a window then exceed it by at most the charges.
  void Charge(TimePoint now);
  // The earliest time TryAcquire can grant (now or later; TimePoint::max() with a cap of 0).
  TimePoint NextAvailable(TimePoint now) const;
  // Holds every grant until `until` (a 429 or 503 with Retry-After).
  void PauseUntil(TimePoint until);
  // A request granted at `granted` was sent at `sent` (it waited for a connection): it is
  // counted from then, so that the cap holds on the wire. Finds the grant among the newest.
  void Restamp(TimePoint granted, TimePoint sent);

  std::uint64_t requests() const { return requests_; }
  Duration window() const { return window_; }
  // Grants and charges in the window (now - window, now], of the last `requests` ones.
  std::uint64_t InWindow(TimePoint now) const;

 private:
  std::uint64_t requests_;
  Duration window_;
  std::vector<TimePoint> granted_;  // ring of the last `requests_` grant times
  std::size_t next_ = 0;
  TimePoint paused_until_{};
};

}  // namespace freshd::scheduler
