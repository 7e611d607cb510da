// The engine with no network and no real time: a FakeFetcher, a ManualClock, a store in a
// temporary folder, and the same schedule loop the daemon runs. Settle() runs the event
// loop until the engine is idle, so a test advances hours of simulated time in
// milliseconds and then looks at a quiet system.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <string>

#include "daemon/adaptive_schedule.h"
#include "daemon/engine.h"
#include "daemon/engine_schedule.h"
#include "metrics/metrics.h"
#include "scheduler/clock.h"
#include "scheduler/scheduler.h"
#include "store/state_store.h"
#include "tests/daemon/fake_fetcher.h"
#include "tests/support/temp_dir.h"

namespace freshd::testing {

// A sample of new documents is probed for volatile text unless a test asks: off here, so
// that request counts are those of the checks.
daemon::EngineOptions NoProbes();

class EngineFixture {
 public:
  // `workloads_yaml` is the list under `workloads:`.
  explicit EngineFixture(const std::string& workloads_yaml,
                         daemon::EngineOptions options = NoProbes(),
                         const std::string& defaults_yaml = "");
  ~EngineFixture();

  // Installs another list of workloads, as a reload does (without the daemon's guard);
  // the error when the engine refused it.
  std::string Reconfigure(const std::string& workloads_yaml);

  // One run of a source, to completion: while it waits for the volatility probes that
  // confirm a change, the clock moves on to their timers (and fires any other timer due).
  daemon::SourceRunResult Check(const std::string& source);

  // Starts the daemon's schedule loops: every source is then checked when due (adaptive
  // sources per document, by the AdaptiveSchedule).
  void StartSchedule();
  // Spreads the adaptive sources' budgets anew, as the daemon does after an assessment.
  void Reallocate();
  // Moves simulated time forward, firing timers in order and settling after each one.
  void Advance(scheduler::Duration by);
  // Runs the loop until the engine is idle and nothing is queued on the loop.
  void Settle();

  FakeFetcher& fetcher() { return fetcher_; }
  daemon::Engine& engine() { return *engine_; }
  scheduler::Scheduler& scheduler() { return scheduler_; }
  scheduler::ManualClock& clock() { return clock_; }
  daemon::AdaptiveSchedule& adaptive() { return *adaptive_; }
  store::StateStore& store() { return *store_; }
  const daemon::SourceState& State(const std::string& source) const;
  std::string MetricsText() const { return metrics_.Render(); }

 private:
  void Install(const std::string& yaml);

  TempDir dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  boost::asio::thread_pool workers_{2};
  scheduler::ManualClock clock_;
  FakeFetcher fetcher_;
  scheduler::Scheduler scheduler_;
  std::unique_ptr<store::StateStore> store_;
  metrics::Metrics metrics_{"test"};
  std::unique_ptr<daemon::Engine> engine_;
  std::unique_ptr<daemon::EngineSchedule> schedule_;
  std::unique_ptr<daemon::AdaptiveSchedule> adaptive_;
};

}  // namespace freshd::testing
