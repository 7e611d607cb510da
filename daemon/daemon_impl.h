// The daemon's private state, shared by daemon.cc (run: the event loop, timers, reload),
// daemon_routes.cc (the HTTP endpoints) and once.cc (the `once` command).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/adaptive_schedule.h"
#include "daemon/assessor.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/engine_schedule.h"
#include "daemon/http_server.h"
#include "daemon/rag_service.h"
#include "metrics/metrics.h"
#include "scheduler/scheduler.h"
#include "store/state_store.h"
#include "version.h"
#include "watchers/http_client.h"

namespace freshd::daemon {

namespace asio = boost::asio;

struct Daemon::Impl {
  Impl(config::Config initial, const scheduler::Clock& time_source)
      : config(std::move(initial)),
        clock(time_source),
        workers(2),
        metrics(FRESHD_VERSION),
        scheduler(clock, scheduler::SchedulerOptions{}),
        wal_timer(clock.CreateTimer(io)),
        prune_timer(clock.CreateTimer(io)),
        assess_timer(clock.CreateTimer(io)),
        reconcile_timer(clock.CreateTimer(io)),
        forget_timer(clock.CreateTimer(io)),
        notify_timer(clock.CreateTimer(io)),
        signals(io) {}

  bool OpenStore();
  void SyncWalPeriodically();
  void NotifyPeriodically(std::chrono::microseconds watchdog);
  std::string StatusLine() const;
  void PruneHistoryPeriodically();
  void AssessPeriodically(std::chrono::milliseconds delay);
  // Waits `wait` for the next assessment, or less: see kLookForData in daemon.cc.
  void AssessAfter(std::chrono::milliseconds wait);
  // Successful checks and present documents of the workloads last assessed without data.
  struct ChecksWithoutData {
    bool any = false;  // some workload has no change interval yet
    std::uint64_t successful = 0;
    std::int64_t documents = 0;
  };
  ChecksWithoutData CountChecksWithoutData() const;
  void ReconcilePeriodically();
  void SyncRagSources(config::Config settings);
  void Search(const HttpRequest& request, Respond respond, std::string_view target);
  void Reconcile(const HttpRequest& request, Respond respond);
  std::int64_t NowMs() const { return scheduler::ToUnixMillis(clock.Now()); }
  void Publish(std::map<std::string, WorkloadView> views);
  bool IsConfigured(const std::string& workload) const;
  void Reload();
  void ApplyReload(config::LoadResult loaded);
  void Shutdown();
  void Route(const HttpRequest& request, Respond respond);
  void RouteRead(const HttpRequest& request, Respond respond, std::string_view target);
  // POST /-/reload and /api/v1/reconcile, behind the lifecycle guard.
  void RouteChange(const HttpRequest& request, Respond respond, std::string_view path);

  config::Config config;
  const scheduler::Clock& clock;
  asio::io_context io;
  asio::thread_pool workers;
  asio::thread_pool search_workers{1};  // a slow query embedding never holds up the checks
  std::unique_ptr<store::StateStore> store;
  metrics::Metrics metrics;
  std::unique_ptr<RagService> rag;  // before the engine, which writes through its indexer
  scheduler::Scheduler scheduler;
  std::unique_ptr<watchers::HttpClient> fetcher;  // the engine's; outlives it
  std::unique_ptr<Engine> engine;
  std::unique_ptr<EngineSchedule> schedule;    // runs the engine at the scheduler's times
  std::unique_ptr<AdaptiveSchedule> adaptive;  // runs the adaptive sources, per document
  std::unique_ptr<HttpServer> server;
  // The address bound: a reload does not move it.
  std::string listen_host;
  int listen_port = 0;
  std::unique_ptr<scheduler::Timer> wal_timer;
  std::unique_ptr<scheduler::Timer> prune_timer;
  std::unique_ptr<scheduler::Timer> assess_timer;
  std::unique_ptr<scheduler::Timer> reconcile_timer;
  std::unique_ptr<scheduler::Timer> forget_timer;  // a removed source's grace ends
  std::unique_ptr<scheduler::Timer> notify_timer;
  std::map<std::string, WorkloadView> workloads;  // the latest assessments
  asio::signal_set signals;
  bool ready = false;
  bool stopping = false;
  bool reloading = false;
  bool reload_again = false;  // a reload asked for while one was loading
};

}  // namespace freshd::daemon
