// The cost of one assessment of a large workload: D documents with C checks each in a real
// RocksDB store, then AssessWorkloads timed, with the process's peak RSS before and after.
// Usage: bench_assess [DOCUMENTS] [CHECKS]   (defaults 10000 and 100)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "bench/must.h"
#include "daemon/assessor.h"

namespace {

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  const int documents = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int checks = argc > 2 ? std::atoi(argv[2]) : 100;
  const auto dir =
      std::filesystem::temp_directory_path() / ("freshd-bench-assess-" + std::to_string(getpid()));
  auto store = freshd::bench::Must(freshd::store::StateStore::Open(dir.string(), {}));
  std::mt19937_64 random(7);
  std::bernoulli_distribution changes(0.05);
  const auto write_start = std::chrono::steady_clock::now();
  for (int d = 0; d < documents; ++d) {
    const freshd::store::DocumentKey key{"pages", "https://example.com/doc/" + std::to_string(d)};
    int version = 0;
    for (int c = 0; c < checks; ++c) {
      freshd::store::Observation observation;
      observation.time_ms = 1'700'000'000'000 + static_cast<std::int64_t>(c) * 3'600'000;
      version += changes(random) ? 1 : 0;
      observation.content_hash = std::to_string(version) + "0000000000000000000000000000000";
      freshd::bench::Must(store->Record(key, observation));
    }
  }
  const double write_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();

  auto loaded = freshd::config::Parse(
      "workloads:\n  - name: big\n    strategy: rag\n    sources:\n      - name: pages\n"
      "        sitemap: { url: \"https://example.com/sitemap.xml\" }\n",
      "bench.yaml");
  const double rss_before = PeakRssMiB();
  const auto start = std::chrono::steady_clock::now();
  auto views = freshd::daemon::AssessWorkloads(*store, *loaded.config, 1.8e9);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& view = views.at("big");
  std::printf("%d documents x %d checks (hourly, 5%% change): written in %.1f s\n", documents,
              checks, write_seconds);
  std::printf("one assessment: %.2f s (%.1f us per document), peak RSS %.1f -> %.1f MiB\n", seconds,
              seconds * 1e6 / documents, rss_before, PeakRssMiB());
  std::printf("estimated change interval %.0f s [%.0f, %.0f], frequency %s\n",
              view.assessment.interval_seconds, view.assessment.interval_lower_seconds,
              view.assessment.interval_upper_seconds,
              freshd::advisor::ToString(view.assessment.frequency));
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
