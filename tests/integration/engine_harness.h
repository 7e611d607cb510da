// Runs the real engine in the test's process: an event loop, two workers, a store in a
// temporary folder and a metrics registry, configured from YAML text.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/engine.h"
#include "metrics/metrics.h"
#include "rag/indexer.h"
#include "scheduler/clock.h"
#include "store/state_store.h"
#include "tests/support/temp_dir.h"
#include "watchers/http_client.h"

namespace freshd::testing {

class EngineHarness {
 public:
  // `workloads_yaml` is the `workloads:` part of a configuration file.
  // `index_chunks`: checks also plan their index operations (an Indexer over the store).
  explicit EngineHarness(const std::string& workloads_yaml, const std::string& defaults_yaml = "",
                         daemon::EngineOptions options = {}, bool index_chunks = false);
  ~EngineHarness();

  // Installs new `workloads:` text, as a reload would. Returns Configure's error, if any.
  std::string Reconfigure(const std::string& workloads_yaml);

  // One run of a source, to completion.
  daemon::SourceRunResult Check(const std::string& source);

  // Lets the loop run for a while (timers such as the volatility probe fire).
  void RunFor(std::chrono::milliseconds duration);

  store::StateStore& store() { return *store_; }
  const daemon::SourceState& State(const std::string& source) const;
  std::string MetricsText() const { return metrics_.Render(); }
  const TempDir& dir() const { return dir_; }

 private:
  void RunUntilStopped();

  TempDir dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  boost::asio::thread_pool workers_{2};
  std::unique_ptr<store::StateStore> store_;
  std::unique_ptr<rag::Indexer> indexer_;
  metrics::Metrics metrics_{"test"};
  scheduler::SystemClock clock_;
  std::unique_ptr<watchers::HttpClient> fetcher_ = std::make_unique<watchers::HttpClient>(io_);
  std::unique_ptr<daemon::Engine> engine_;
};

// The value of the series `name` whose labels include every `k="v"` in `labels`
// (for example {"source=\"a\"", "result=\"changed\""}); -1 when there is none.
double MetricValue(const std::string& exposition, const std::string& name,
                   const std::vector<std::string>& labels);

}  // namespace freshd::testing
