#include "scheduler/scheduler.h"

#include <algorithm>

#include "common/backoff.h"

namespace freshd::scheduler {

Scheduler::Scheduler(const Clock& clock, SchedulerOptions options)
    : clock_(clock),
      options_(options),
      random_(options.seed != 0 ? options.seed : std::random_device{}()) {}

Duration Scheduler::Jittered(Duration d) {
  const double spread = options_.jitter_fraction;
  std::uniform_real_distribution<double> factor(1.0 - spread, 1.0 + spread);
  return Duration(static_cast<Duration::rep>(static_cast<double>(d.count()) * factor(random_)));
}

void Scheduler::Add(const std::string& source, Duration interval,
                    std::optional<TimePoint> last_check) {
  const TimePoint now = clock_.Now();
  const Duration spread_window = std::min(interval, options_.initial_spread);
  std::uniform_int_distribution<Duration::rep> spread(
      0, std::max<Duration::rep>(0, spread_window.count() - 1));
  TimePoint due = now + Duration(spread(random_));
  if (last_check && *last_check + interval > due) {
    due = *last_check + interval;
  }
  auto found = entries_.find(source);
  if (found != entries_.end()) {
    // A reload keeps the due time, running flag and failure count of a source that stays;
    // a new interval takes effect now if it makes the source due sooner.
    Entry& entry = found->second;
    if (entry.interval != interval && entry.failures == 0) entry.due = std::min(entry.due, due);
    entry.interval = interval;
    return;
  }
  entries_[source] = Entry{interval, due, false, 0};
}

void Scheduler::Remove(const std::string& source) { entries_.erase(source); }

std::optional<TimePoint> Scheduler::NextDue() const {
  std::optional<TimePoint> earliest;
  for (const auto& [name, entry] : entries_) {
    if (entry.running) continue;
    if (!earliest || entry.due < *earliest) earliest = entry.due;
  }
  return earliest;
}

std::vector<std::string> Scheduler::TakeDue() {
  const TimePoint now = clock_.Now();
  std::vector<std::pair<TimePoint, std::string>> due;
  for (auto& [name, entry] : entries_) {
    if (!entry.running && entry.due <= now) {
      entry.running = true;
      due.emplace_back(entry.due, name);
    }
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> names;
  names.reserve(due.size());
  for (auto& [time, name] : due) names.push_back(std::move(name));
  return names;
}

void Scheduler::Complete(const std::string& source, bool failed) {
  auto found = entries_.find(source);
  if (found == entries_.end()) return;  // removed by a reload while it ran
  Entry& entry = found->second;
  entry.running = false;
  entry.failures = failed ? entry.failures + 1 : 0;
  const Duration delay = ExponentialBackoff(entry.interval, entry.failures, options_.backoff_cap);
  entry.due = clock_.Now() + Jittered(delay);
}

std::optional<TimePoint> Scheduler::DueTime(const std::string& source) const {
  auto found = entries_.find(source);
  if (found == entries_.end()) return std::nullopt;
  return found->second.due;
}

std::uint32_t Scheduler::ConsecutiveFailures(const std::string& source) const {
  auto found = entries_.find(source);
  return found == entries_.end() ? 0 : found->second.failures;
}

}  // namespace freshd::scheduler
