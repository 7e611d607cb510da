// The daemon's private state, shared by daemon.cc (run: the event loop, timers, endpoints,
// reload) and once.cc (the `once` command).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "daemon/assessor.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/http_server.h"
#include "daemon/rag_service.h"
#include "metrics/metrics.h"
#include "scheduler/scheduler.h"
#include "store/state_store.h"
#include "version.h"

namespace freshd::daemon {

namespace asio = boost::asio;

struct Daemon::Impl {
  Impl(config::Config initial, const scheduler::Clock& time_source)
      : config(std::move(initial)),
        clock(time_source),
        workers(2),
        metrics(FRESHD_VERSION),
        scheduler(clock, scheduler::SchedulerOptions{}),
        timer(io),
        wal_timer(io),
        prune_timer(io),
        assess_timer(io),
        reconcile_timer(io),
        forget_timer(io),
        notify_timer(io),
        signals(io) {}

  bool OpenStore();
  void ArmTimer();
  void OnTimer();
  void StartDue();
  void SyncWalPeriodically();
  void NotifyPeriodically(std::chrono::microseconds watchdog);
  std::string StatusLine() const;
  void PruneHistoryPeriodically();
  void AssessPeriodically(std::chrono::milliseconds delay);
  void ReconcilePeriodically();
  void SyncRagSources(config::Config settings);
  void Search(const HttpRequest& request, Respond respond, std::string_view target);
  void Reconcile(const HttpRequest& request, Respond respond);
  std::int64_t NowMs() const { return scheduler::ToUnixMillis(clock.Now()); }
  void Publish(std::map<std::string, WorkloadView> views);
  bool IsConfigured(const std::string& workload) const;
  void BuildSchedule();
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
  std::unique_ptr<Engine> engine;
  std::unique_ptr<HttpServer> server;
  // The address bound: a reload does not move it.
  std::string listen_host;
  int listen_port = 0;
  asio::steady_timer timer;
  asio::steady_timer wal_timer;
  asio::steady_timer prune_timer;
  asio::steady_timer assess_timer;
  asio::steady_timer reconcile_timer;
  asio::steady_timer forget_timer;  // a removed source's grace ends
  asio::steady_timer notify_timer;
  std::map<std::string, WorkloadView> workloads;  // the latest assessments
  asio::signal_set signals;
  bool ready = false;
  bool stopping = false;
  bool reloading = false;
  bool reload_again = false;  // a reload asked for while one was loading
};

}  // namespace freshd::daemon
