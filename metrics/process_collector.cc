#include "metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

namespace freshd::metrics {
namespace {

// Fields of /proc/self/stat after the command name, which sits in parentheses and may hold
// spaces and parentheses itself: field 3 (state) is tokens[0] (proc(5) numbers from 1).
std::optional<std::vector<std::string>> StatFieldsAfterName() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  const std::size_t name_end = line.rfind(')');
  if (name_end == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(name_end + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

std::optional<double> Field(const std::vector<std::string>& fields, std::size_t proc_number) {
  const std::size_t index = proc_number - 3;
  if (index >= fields.size()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(fields[index].c_str(), &end);
  if (end == fields[index].c_str()) return std::nullopt;
  return value;
}

// Unix time the system booted: the `btime` line of /proc/stat.
std::optional<double> BootTime() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  return std::nullopt;
}

void ReadStat(ProcessStats& stats) {
  const auto fields = StatFieldsAfterName();
  const long ticks = sysconf(_SC_CLK_TCK);
  const long page = sysconf(_SC_PAGESIZE);
  if (!fields || ticks <= 0 || page <= 0) return;
  const auto utime = Field(*fields, 14);
  const auto stime = Field(*fields, 15);
  const auto start_ticks = Field(*fields, 22);
  const auto vsize = Field(*fields, 23);
  const auto rss_pages = Field(*fields, 24);
  const auto boot = BootTime();
  if (utime && stime) stats.cpu_seconds = (*utime + *stime) / static_cast<double>(ticks);
  if (rss_pages) stats.resident_bytes = *rss_pages * static_cast<double>(page);
  if (vsize) stats.virtual_bytes = *vsize;
  if (start_ticks && boot) {
    stats.start_time_seconds = *boot + *start_ticks / static_cast<double>(ticks);
  }
}

std::optional<double> OpenFds() {
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), closedir);
  if (!dir) return std::nullopt;
  const std::string own = std::to_string(dirfd(dir.get()));
  double count = 0;
  while (const dirent* entry = readdir(dir.get())) {
    const std::string name = entry->d_name;
    if (name != "." && name != ".." && name != own) ++count;
  }
  return count;
}

std::optional<double> MaxFds() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  if (limit.rlim_cur == RLIM_INFINITY) return std::numeric_limits<double>::infinity();
  return static_cast<double>(limit.rlim_cur);
}

void Add(std::vector<prometheus::MetricFamily>& families, const char* name, const char* help,
         prometheus::MetricType type, const std::optional<double>& value) {
  if (!value) return;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = *value;
  } else {
    metric.gauge.value = *value;
  }
  families.push_back({name, help, type, {metric}});
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats stats;
  ReadStat(stats);
  stats.open_fds = OpenFds();
  stats.max_fds = MaxFds();
  return stats;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  const ProcessStats stats = ReadProcessStats();
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  Add(families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
      MetricType::Counter, stats.cpu_seconds);
  Add(families, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge,
      stats.open_fds);
  Add(families, "process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
      stats.max_fds);
  Add(families, "process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
      stats.virtual_bytes);
  Add(families, "process_resident_memory_bytes", "Resident memory size in bytes.",
      MetricType::Gauge, stats.resident_bytes);
  Add(families, "process_start_time_seconds",
      "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
      stats.start_time_seconds);
  return families;
}

}  // namespace freshd::metrics
