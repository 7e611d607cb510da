// The standard process metrics (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds,
// process_max_fds), named and described as Prometheus's Go client and node_exporter export
// them, so that dashboards and alerts written for any exporter work on freshd. prometheus-cpp
// has no process collector. The values are read from /proc/self when collected (at scrape
// time: no timer); a figure that cannot be read is left out of that scrape, not reported as 0.
// Linux only. Thread-safe (no state).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <optional>
#include <vector>

namespace freshd::metrics {

struct ProcessStats {
  // From /proc/self/stat (with /proc/stat's boot time, the page size and the clock ticks
  // per second from sysconf); all absent if it cannot be read.
  std::optional<double> cpu_seconds;         // user + system
  std::optional<double> resident_bytes;      // resident set size
  std::optional<double> virtual_bytes;       // virtual memory size
  std::optional<double> start_time_seconds;  // Unix time
  // Entries of /proc/self/fd, the descriptor used to list them left out; absent when the
  // folder cannot be opened (for one, when every descriptor is in use).
  std::optional<double> open_fds;
  // The soft RLIMIT_NOFILE (+Inf when unlimited); absent if getrlimit fails.
  std::optional<double> max_fds;
};

ProcessStats ReadProcessStats();

class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace freshd::metrics
