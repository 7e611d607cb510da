// The process collector reads plausible figures from /proc, and freshd's exposition carries
// them under the standard names.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <string>

#include "metrics/metrics.h"
#include "metrics/process_collector.h"

using freshd::metrics::Metrics;
using freshd::metrics::ProcessStats;
using freshd::metrics::ReadProcessStats;

namespace {

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// When this test program was loaded, in Unix seconds: the process started just before.
const double kLoadedAt = UnixNow();

// VmRSS of /proc/self/status, in bytes.
double StatusRss() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024;
  }
  FAIL("no VmRSS line in /proc/self/status");
  return 0;
}

}  // namespace

TEST_CASE("resident memory is positive and agrees with VmRSS") {
  const double before = StatusRss();
  const ProcessStats stats = ReadProcessStats();
  const double after = StatusRss();
  REQUIRE(stats.resident_bytes.has_value());
  CHECK(*stats.resident_bytes > 0);
  // Read at slightly different moments: allow a MiB of growth either way.
  constexpr double kSlack = 1024.0 * 1024.0;
  CHECK(*stats.resident_bytes >= std::min(before, after) - kSlack);
  CHECK(*stats.resident_bytes <= std::max(before, after) + kSlack);
  REQUIRE(stats.virtual_bytes.has_value());
  CHECK(*stats.virtual_bytes >= *stats.resident_bytes);
}

TEST_CASE("open descriptors rise by one when a file is opened") {
  const ProcessStats before = ReadProcessStats();
  const int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const ProcessStats during = ReadProcessStats();
  ::close(fd);
  const ProcessStats after = ReadProcessStats();
  REQUIRE(before.open_fds.has_value());
  REQUIRE(during.open_fds.has_value());
  REQUIRE(after.open_fds.has_value());
  CHECK(*during.open_fds == *before.open_fds + 1);
  CHECK(*after.open_fds == *before.open_fds);
}

TEST_CASE("the descriptor limit is the soft RLIMIT_NOFILE") {
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  const ProcessStats stats = ReadProcessStats();
  REQUIRE(stats.max_fds.has_value());
  CHECK(*stats.max_fds == static_cast<double>(limit.rlim_cur));
  CHECK(*stats.max_fds > *stats.open_fds);
}

TEST_CASE("the start time falls just before this test program was loaded") {
  const ProcessStats stats = ReadProcessStats();
  REQUIRE(stats.start_time_seconds.has_value());
  // The boot time in /proc/stat is whole seconds: a second of rounding either way.
  CHECK(*stats.start_time_seconds <= kLoadedAt + 1);
  CHECK(*stats.start_time_seconds >= kLoadedAt - 60);
  CHECK(*stats.start_time_seconds <= UnixNow() + 1);
}

TEST_CASE("CPU seconds grow by the CPU time spent") {
  const ProcessStats before = ReadProcessStats();
  REQUIRE(before.cpu_seconds.has_value());
  // Spend at least 0.2 s of CPU, as the C library counts it.
  const std::clock_t start = std::clock();
  volatile double sink = 0;
  while (std::clock() - start < CLOCKS_PER_SEC / 5) sink = sink + 1;
  const ProcessStats after = ReadProcessStats();
  REQUIRE(after.cpu_seconds.has_value());
  // Clock ticks are 10 ms: the kernel's figure may lag clock()'s by a tick or two.
  CHECK(*after.cpu_seconds - *before.cpu_seconds >= 0.15);
}

TEST_CASE("the exposition carries the process metrics under their standard names") {
  const Metrics metrics("test");
  const std::string text = metrics.Render();
  CHECK(text.find("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ") !=
        std::string::npos);
  for (const char* gauge : {"process_resident_memory_bytes", "process_virtual_memory_bytes",
                            "process_start_time_seconds", "process_open_fds", "process_max_fds"}) {
    INFO(gauge);
    CHECK(text.find(std::string("# TYPE ") + gauge + " gauge\n" + gauge + " ") !=
          std::string::npos);
  }
  CHECK(text.find("freshd_build_info{version=\"test\"} 1") != std::string::npos);
}
