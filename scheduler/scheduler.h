// When each source is checked next (DESIGN.md 6.3). Pure bookkeeping on an injected
// Clock: the daemon arms one timer for NextDue() and calls TakeDue() when it fires.
//
// - First check: spread uniformly over [0, min(interval, initial_spread)) from Add(), or,
//   when the source was checked before a restart, at last_check + interval (still spread
//   when that is already past), so that a restart is no thundering herd.
// - Then every interval, each run jittered by +-jitter_fraction.
// - A failing source backs off exponentially: interval * 2^k after k consecutive failures,
//   capped at max(interval, backoff_cap).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "scheduler/clock.h"

namespace freshd::scheduler {

struct SchedulerOptions {
  Duration initial_spread = std::chrono::seconds(60);
  double jitter_fraction = 0.1;
  Duration backoff_cap = std::chrono::hours(6);
  std::uint64_t seed = 0;  // 0: random
};

class Scheduler {
 public:
  Scheduler(const Clock& clock, SchedulerOptions options);

  // Adds or replaces a source. `last_check` is from the store, when known.
  void Add(const std::string& source, Duration interval, std::optional<TimePoint> last_check);
  void Remove(const std::string& source);

  // The earliest due time of a source that is not running; nullopt when none is waiting.
  std::optional<TimePoint> NextDue() const;

  // Sources due at Now(), earliest first; they count as running until Complete().
  std::vector<std::string> TakeDue();

  // Reschedules after a run. `failed`: the source-level fetch failed (backoff).
  void Complete(const std::string& source, bool failed);

  // For the API and tests.
  std::optional<TimePoint> DueTime(const std::string& source) const;
  std::uint32_t ConsecutiveFailures(const std::string& source) const;

 private:
  struct Entry {
    Duration interval;
    TimePoint due;
    bool running = false;
    std::uint32_t failures = 0;
  };
  Duration Jittered(Duration d);

  const Clock& clock_;
  SchedulerOptions options_;
  std::mt19937_64 random_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace freshd::scheduler
