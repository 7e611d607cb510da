#include "daemon/daemon.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <optional>
#include <ostream>
#include <thread>

#include "daemon/assessor.h"
#include "daemon/daemon_impl.h"
#include "daemon/engine.h"
#include "daemon/http_server.h"
#include "daemon/lifecycle_guard.h"
#include "daemon/rag_service.h"
#include "daemon/source_removal.h"
#include "metrics/metrics.h"
#include "rag/tables.h"
#include "scheduler/scheduler.h"
#include "store/state_store.h"
#include "version.h"

namespace freshd::daemon {
namespace {

constexpr auto kWalSyncInterval = std::chrono::seconds(1);
constexpr auto kPruneInterval = std::chrono::hours(6);
constexpr auto kFirstAssessment = std::chrono::seconds(5);
constexpr auto kLookForData = std::chrono::milliseconds(10'000);

// The settings the RAG service is built from at start-up.
bool SameRagSettings(const config::Config& a, const config::Config& b) {
  const auto& x = a.rag_store;
  const auto& y = b.rag_store;
  const bool same_headers = x.webhook_headers.size() == y.webhook_headers.size() &&
                            std::equal(x.webhook_headers.begin(), x.webhook_headers.end(),
                                       y.webhook_headers.begin(), [](const auto& l, const auto& r) {
                                         return l.name == r.name && l.value == r.value;
                                       });
  return x.kind == y.kind && x.chroma_url == y.chroma_url &&
         x.chroma_collection == y.chroma_collection && x.postgres_dsn == y.postgres_dsn &&
         x.postgres_table == y.postgres_table && x.webhook_url == y.webhook_url && same_headers &&
         x.reconcile_every == y.reconcile_every && a.chunking.max_chars == b.chunking.max_chars &&
         a.chunking.overlap_chars == b.chunking.overlap_chars &&
         a.embedder.kind == b.embedder.kind && a.embedder.dims == b.embedder.dims &&
         a.embedder.base_url == b.embedder.base_url && a.embedder.model == b.embedder.model &&
         a.embedder.api_key == b.embedder.api_key;
}

// Tests of the whole process make the volatility probes quick, since a change waits for
// them before it is recorded: FRESHD_TEST_PROBE_DELAYS_MS="QUICK,SLOW". Not a setting.
void ProbeDelaysForTests(EngineOptions* options) {
  const char* value = std::getenv("FRESHD_TEST_PROBE_DELAYS_MS");
  unsigned quick = 0;
  unsigned slow = 0;
  if (value == nullptr || std::sscanf(value, "%u,%u", &quick, &slow) != 2) return;
  options->probe_delay = std::chrono::milliseconds(quick);
  options->slow_probe_delay = std::chrono::milliseconds(slow);
}

}  // namespace

bool Daemon::Impl::OpenStore() {
  store::StoreOptions options;
  rag::DeclareTables(options);
  DeclareScheduleTable(options);
  // Called under the store's locks: logs and counts, never calls back into the store.
  options.on_corrupt_record = [this](const std::string& message) {
    spdlog::error("state store: {}", message);
    metrics.CountStoreError("corruption");
  };
  Result<std::unique_ptr<store::StateStore>> opened =
      store::StateStore::Open(config.state_dir, options);
  if (!opened.ok()) {
    spdlog::critical("cannot open the state store: {}", opened.status().message());
    return false;
  }
  store = std::move(opened).value();
  rag = std::make_unique<RagService>(config, *store, metrics, [this] { return NowMs(); });
  EngineOptions engine_options;
  engine_options.indexer = &rag->indexer();
  engine_options.index_work = [this] { rag->Notify(); };
  engine_options.git_dir = config.state_dir + "/git";
  ProbeDelaysForTests(&engine_options);
  fetcher = std::make_unique<watchers::HttpClient>(io);
  engine = std::make_unique<Engine>(io, workers, *store, metrics, clock, *fetcher, engine_options);
  schedule = std::make_unique<EngineSchedule>(io, clock, scheduler, *engine);
  adaptive = std::make_unique<AdaptiveSchedule>(io, workers, clock, *store, *engine, metrics,
                                                config.advisor.confidence);
  return true;
}

void Daemon::Impl::SyncWalPeriodically() {
  wal_timer->Schedule(kWalSyncInterval, [this] {
    if (stopping) return;
    asio::post(workers, [this] {
      if (Status synced = store->SyncWal(); !synced.ok()) {
        spdlog::error("cannot sync the write-ahead log: {}", synced.ToString());
        metrics.CountStoreError("io");
      }
    });
    SyncWalPeriodically();
  });
}

// systemd's watchdog is fed from the event loop itself, so a loop that hangs is restarted;
// the STATUS= line goes with it. Without a watchdog, STATUS= is sent every 10 s.
void Daemon::Impl::NotifyPeriodically(std::chrono::microseconds watchdog) {
  const auto period = watchdog.count() > 0
                          ? std::chrono::duration_cast<std::chrono::milliseconds>(watchdog / 2)
                          : std::chrono::milliseconds(10000);
  notify_timer->Schedule(period, [this, watchdog] {
    if (stopping) return;
    const std::string status = "STATUS=" + StatusLine();
    sd_notify(0, watchdog.count() > 0 ? ("WATCHDOG=1\n" + status).c_str() : status.c_str());
    NotifyPeriodically(watchdog);
  });
}

std::string Daemon::Impl::StatusLine() const {
  std::int64_t documents = 0;
  int failing = 0;
  const auto names = engine->SourceNames();
  for (const auto& name : names) {
    const SourceState* state = engine->State(name);
    documents += state->documents;
    failing += state->failing ? 1 : 0;
  }
  return std::to_string(names.size()) + " sources, " + std::to_string(documents) + " documents, " +
         std::to_string(failing) + " sources failing";
}

void Daemon::Impl::PruneHistoryPeriodically() {
  prune_timer->Schedule(kPruneInterval, [this] {
    if (stopping) return;
    asio::post(workers, [this] {
      Result<std::size_t> pruned = store->PruneHistory(scheduler::ToUnixMillis(clock.Now()));
      if (!pruned.ok()) {
        spdlog::error("cannot prune old check records: {}", pruned.status().ToString());
        metrics.CountStoreError(pruned.status().IsCorruption() ? "corruption" : "io");
      } else if (*pruned > 0) {
        spdlog::info("pruned {} old check records", *pruned);
      }
    });
    PruneHistoryPeriodically();
  });
}

void Daemon::Impl::AssessPeriodically(std::chrono::milliseconds delay) {
  assess_timer->Schedule(delay, [this] {
    if (stopping) return;
    asio::post(workers, [this, settings = config] {
      const double now = static_cast<double>(scheduler::ToUnixMillis(clock.Now())) / 1000.0;
      auto views = AssessWorkloads(*store, settings, now);
      asio::post(io, [this, views = std::move(views)]() mutable {
        if (stopping) return;
        for (const auto& [name, view] : workloads) views.try_emplace(name, view);  // not assessed
        Publish(std::move(views));
        adaptive->Reallocate();
        AssessAfter(config.advisor.assess_every);
      });
    });
  });
}

// While a workload has no change interval (no document with two successful checks at its
// last assessment), the next assessment comes within kLookForData of the check that gives
// one a second successful check, not up to assess_every later: until then the page and
// `freshd explain` would say "none with two successful checks" of a source checked six
// times. A second check is certain once the successful checks outnumber the documents.
void Daemon::Impl::AssessAfter(std::chrono::milliseconds wait) {
  const ChecksWithoutData before = CountChecksWithoutData();
  if (!before.any || wait <= kLookForData) return AssessPeriodically(wait);
  assess_timer->Schedule(kLookForData, [this, wait, before] {
    if (stopping) return;
    const ChecksWithoutData now = CountChecksWithoutData();
    if (now.successful > before.successful &&
        now.successful > static_cast<std::uint64_t>(std::max<std::int64_t>(0, now.documents))) {
      return AssessPeriodically(std::chrono::milliseconds(0));
    }
    AssessAfter(wait - kLookForData);
  });
}

Daemon::Impl::ChecksWithoutData Daemon::Impl::CountChecksWithoutData() const {
  ChecksWithoutData counted;
  for (const auto& [name, view] : workloads) {
    const advisor::RateEstimate& rate = view.assessment.rate;
    if (rate.checks > 0 || rate.reported_seconds > 0) continue;
    counted.any = true;
    for (const auto& source_name : engine->SourceNames()) {
      const config::Source* source = engine->FindSource(source_name);
      const SourceState* state = engine->State(source_name);
      if (source == nullptr || state == nullptr || source->workload != name) continue;
      counted.successful += state->checks - std::min(state->errors, state->checks);
      counted.documents += state->documents;
    }
  }
  return counted;
}

void Daemon::Impl::ReconcilePeriodically() {
  const auto every = config.rag_store.reconcile_every;
  if (every <= config::Duration::zero()) return;
  reconcile_timer->Schedule(std::chrono::duration_cast<scheduler::Duration>(every), [this] {
    if (stopping) return;
    rag->Reconcile([](const Result<rag::Indexer::ReconcilePlan>& plan) {
      if (!plan.ok()) {
        spdlog::warn("reconcile failed: {}", plan.status().ToString());
      } else if (plan->missing + plan->extra > 0) {
        spdlog::warn("reconcile: the sink lacked {} chunks and held {} stale ones; repairs queued",
                     plan->missing, plan->extra);
      }
    });
    ReconcilePeriodically();
  });
}

// Runs once `settings` is installed, and again when a removed source's grace ends.
void Daemon::Impl::SyncRagSources(config::Config settings) {
  asio::post(workers, [this, settings = std::move(settings)] {
    const std::optional<std::int64_t> again_ms = rag->SyncSources(settings, NowMs());
    if (!again_ms) return;
    asio::post(io, [this, again_ms] {
      if (stopping) return;
      forget_timer->Schedule(
          std::chrono::milliseconds(std::max<std::int64_t>(0, *again_ms - NowMs())), [this] {
            if (!stopping) SyncRagSources(config);
          });
    });
  });
}

void Daemon::Impl::Publish(std::map<std::string, WorkloadView> views) {
  // An assessment that began before a reload may speak of workloads that are gone.
  std::erase_if(views, [this](const auto& entry) { return !IsConfigured(entry.first); });
  for (const auto& [name, view] : workloads) {
    if (!views.contains(name)) metrics.RemoveWorkload(name);
  }
  for (const auto& [name, view] : views) {
    const auto& assessment = view.assessment;
    metrics::Metrics::WorkloadFigures figures;
    figures.interval_seconds = assessment.interval_seconds;
    figures.interval_lower_seconds = assessment.interval_lower_seconds;
    figures.interval_upper_seconds = assessment.interval_upper_seconds;
    figures.recommendation = advisor::ToString(view.hysteresis.published);
    figures.mismatch = IsMismatch(view);
    figures.has_training_date = view.has_training_date;
    figures.documents_changed_since_training = static_cast<double>(view.changed_since_training);
    figures.changed_since_training_ratio = view.documents == 0
                                               ? 0
                                               : static_cast<double>(view.changed_since_training) /
                                                     static_cast<double>(view.documents);
    metrics.SetWorkload(name, figures);
    for (const auto& split : assessment.sources) {
      const config::Source* source = engine->FindSource(split.source);
      if (source != nullptr && source->workload == name) {
        metrics.SetChangeRate({name, split.source}, split.rate.rate);
        metrics.SetHistoryTrusted({name, split.source}, split.history_trusted);
      }
    }
  }
  workloads = std::move(views);
}

bool Daemon::Impl::IsConfigured(const std::string& workload) const {
  return std::any_of(config.workloads.begin(), config.workloads.end(),
                     [&](const config::Workload& w) { return w.name == workload; });
}

void Daemon::Impl::Reload() {
  if (stopping) return;
  if (reloading) {
    reload_again = true;
    return;
  }
  reloading = true;
  sd_notify(0, "RELOADING=1");
  asio::post(workers, [this] {
    config::LoadResult loaded = LoadConfigForEngine(config.file);
    asio::post(io, [this, loaded = std::move(loaded)]() mutable {
      reloading = false;
      ApplyReload(std::move(loaded));
      if (reload_again && !stopping) {
        reload_again = false;
        Reload();
      }
    });
  });
}

void Daemon::Impl::ApplyReload(config::LoadResult loaded) {
  const double now = static_cast<double>(scheduler::ToUnixMillis(clock.Now())) / 1000.0;
  auto failed = [&](const std::string& why) {
    spdlog::error("reload failed: {}; the previous configuration stays in force", why);
    metrics.SetReloadResult(false, now);
    sd_notify(0, "READY=1");
  };
  if (!loaded.config) {
    for (const auto& problem : loaded.errors) spdlog::error("reload: {}", problem.ToString());
    return failed(std::to_string(loaded.errors.size()) + " errors in " + config.file);
  }
  std::map<std::string, std::int64_t> documents_by_source;
  for (const auto& name : engine->SourceNames()) {
    documents_by_source[name] = engine->State(name)->documents;
  }
  if (std::string refused = RefuseSourceRemoval(documents_by_source, *loaded.config);
      !refused.empty()) {
    return failed(refused);
  }
  const Status configured = engine->Configure(*loaded.config, [this, settings = *loaded.config] {
    schedule->Update();
    adaptive->Update(settings.advisor.confidence);
    SyncRagSources(settings);
  });
  if (!configured.ok()) return failed(configured.message());
  // Sources no longer configured leave the schedule.
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) {
      if (engine->FindSource(source.name) == nullptr) scheduler.Remove(source.name);
    }
  }
  const config::Config& next = *loaded.config;
  if (next.state_dir != config.state_dir || next.listen_host != config.listen_host ||
      next.listen_port != config.listen_port) {
    spdlog::warn("reload: state_dir and listen take effect only after a restart");
  }
  if (!SameRagSettings(next, config)) {
    spdlog::warn("reload: rag_store, chunking and embedder take effect only after a restart");
  }
  config = std::move(*loaded.config);
  std::erase_if(workloads, [this](const auto& entry) {
    if (IsConfigured(entry.first)) return false;
    metrics.RemoveWorkload(entry.first);
    return true;
  });
  metrics.SetReloadResult(true, now);
  spdlog::info("configuration reloaded from {}", config.file);
  sd_notify(0, "READY=1");
}

void Daemon::Impl::Shutdown() {
  if (stopping) return;
  stopping = true;
  sd_notify(0, "STOPPING=1");
  spdlog::info("stopping");
  if (schedule) schedule->Stop();
  if (adaptive) adaptive->Stop();
  wal_timer->Cancel();
  prune_timer->Cancel();
  assess_timer->Cancel();
  reconcile_timer->Cancel();
  forget_timer->Cancel();
  notify_timer->Cancel();
  signals.clear();  // a second SIGTERM during a slow stop ends the process the default way
  if (server) server->Stop();
  if (engine) engine->Stop();
  io.stop();
}

Daemon::Daemon(config::Config config, const scheduler::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

Daemon::~Daemon() {
  if (impl_->engine) impl_->engine->Stop();
  impl_->workers.join();
}

int Daemon::Run() {
  Impl& impl = *impl_;
  if (!impl.OpenStore()) return 1;
  impl.server = std::make_unique<HttpServer>(
      impl.io,
      [&impl](const HttpRequest& request, Respond respond) {
        impl.Route(request, std::move(respond));
      },
      impl.metrics);
  if (Status listening = impl.server->Listen(impl.config.listen_host, impl.config.listen_port);
      !listening.ok()) {
    spdlog::critical("{}", listening.message());
    return 1;
  }
  std::string error;
  impl.listen_host = impl.config.listen_host;
  impl.listen_port = impl.server->port();
  if (const Status configured = impl.engine->Configure(
          impl.config,
          [&impl] {
            impl.schedule->Update();
            impl.adaptive->Update(impl.config.advisor.confidence);
            impl.ready = true;
            impl.SyncRagSources(impl.config);
            impl.AssessPeriodically(std::min<std::chrono::milliseconds>(
                kFirstAssessment, impl.config.advisor.assess_every));
            sd_notify(0, ("READY=1\nSTATUS=" + impl.StatusLine()).c_str());
            spdlog::info("ready: {} sources", impl.engine->SourceNames().size());
          });
      !configured.ok()) {
    spdlog::critical("{}", configured.message());
    return 1;
  }
  impl.metrics.SetReloadResult(
      true, static_cast<double>(scheduler::ToUnixMillis(impl.clock.Now())) / 1000.0);
  impl.signals.add(SIGTERM);
  impl.signals.add(SIGINT);
  impl.signals.add(SIGHUP);
  std::function<void()> wait_signal = [&impl, &wait_signal] {
    impl.signals.async_wait([&impl, &wait_signal](boost::system::error_code error, int signal) {
      if (error) return;
      if (signal == SIGHUP) {
        impl.Reload();
        wait_signal();
      } else {
        impl.Shutdown();
      }
    });
  };
  wait_signal();
  impl.SyncWalPeriodically();
  std::uint64_t watchdog_usec = 0;
  if (sd_watchdog_enabled(0, &watchdog_usec) <= 0) watchdog_usec = 0;
  impl.NotifyPeriodically(std::chrono::microseconds(watchdog_usec));
  impl.PruneHistoryPeriodically();
  impl.ReconcilePeriodically();
  impl.rag->Start();
  spdlog::info("freshd {} listening on {}:{}", FRESHD_VERSION, impl.config.listen_host,
               impl.server->port());
  impl.io.run();

  impl.engine->Stop();
  impl.workers.join();
  impl.search_workers.join();
  impl.rag->Stop();
  if (Status synced = impl.store->SyncWal(); !synced.ok()) {
    spdlog::error("cannot sync the write-ahead log at exit: {}", synced.ToString());
  }
  impl.adaptive.reset();
  impl.schedule.reset();
  impl.engine.reset();
  impl.rag.reset();
  impl.store.reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace freshd::daemon
