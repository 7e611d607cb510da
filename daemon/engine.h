// The engine checks sources: it fetches (through the Fetcher it is given, on the event
// loop; files on a worker), normalizes and records on worker threads, and reports to the
// metrics. It does not decide when: EngineSchedule calls CheckSource when a source is due.
// All its time (timestamps, the volatility probe's delays) comes from the Clock it is
// given, so tests drive it with a FakeFetcher and a ManualClock.
//
// Threads: every public method is called on the io_context's thread, and every callback
// runs there. Disk and CPU work (store reads and writes, parsing, hashing, folder scans)
// runs on the worker pool, so the event loop never waits on them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "daemon/source_state.h"
#include "metrics/metrics.h"
#include "rag/indexer.h"
#include "scheduler/clock.h"
#include "store/state_store.h"
#include "watchers/fetcher.h"
#include "watchers/listing.h"

namespace freshd::daemon {

struct EngineOptions {
  int max_in_flight = 64;  // HTTP transfers at once, all hosts together
  // A page that is new or changed is fetched twice more, this far apart: text that differs
  // every time is volatile (a clock, a token) and is masked from then on. A change waits
  // for these probes before it is recorded (confirmed: one check, masks applied).
  std::chrono::milliseconds probe_delay{3000};
  // When the quick probes saw nothing move, they are made again this far apart, for clocks
  // that show minutes.
  std::chrono::milliseconds slow_probe_delay{61000};
  int new_documents_probed_per_run = 16;  // per source run; every change is probed
  int max_probes_waiting = 256;           // beyond, changes are recorded unconfirmed, unprobed
  // Keeps the RAG side in step: its writes go in the same batch as each check. May be null
  // (no indexing). `index_work` is told when a check queued index operations.
  const rag::Indexer* indexer = nullptr;
  std::function<void()> index_work;
  // Where git sources keep their bare clones (one folder per source); "" fails them.
  std::string git_dir;
};

struct SourceRunResult {
  std::string source;
  bool failed = false;   // the source-level fetch failed: the scheduler backs off
  bool skipped = false;  // the run did not start (one of the source's runs was in flight)
  std::uint64_t documents_checked = 0;
  std::uint64_t changed = 0;  // kNew, kChanged and kRemoved
  std::uint64_t errors = 0;
  // ListSource only: the listed documents that pass `include`, with their change hints.
  std::vector<watchers::ListedDocument> listed;
  // CheckDocuments only: documents whose text changed, recorded once confirmed (later).
  std::vector<std::string> confirming;
};

class Engine {
 public:
  Engine(boost::asio::io_context& io, boost::asio::thread_pool& workers, store::StateStore& store,
         metrics::Metrics& metrics, const scheduler::Clock& clock, watchers::Fetcher& fetcher,
         EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Installs a configuration: sources added, changed or removed; the state of sources that
  // stay is kept. InvalidArgument (and nothing changed) when a source's selector or patterns
  // do not compile (the message then says FILE:LINE:COL). Calls `done` once the in-memory
  // summaries of new sources are loaded, and only on success.
  Status Configure(const config::Config& config, std::function<void()> done);

  using RunCallback = std::function<void(SourceRunResult)>;
  // Checks every document of a source once. Never called twice concurrently for a source.
  void CheckSource(const std::string& source, RunCallback done);

  // Adaptive sources (DESIGN.md 6.3) have their listing and their documents checked apart.
  // ListSource reads a sitemap's or feed's listing, marks the documents it no longer lists
  // as CheckSource does, and returns the listed ones in `listed`, checking none.
  // CheckDocuments checks the given documents of an http, sitemap or feed source once.
  // Neither runs while another run of the source is in flight (then `done` gets an empty
  // result, as CheckSource's does).
  void ListSource(const std::string& source, RunCallback done);
  // The documents' listing dates (when given) stand in for a Last-Modified the server does
  // not send. Unlike CheckSource's, this run ends without waiting for the confirmation of
  // the changes it found (ConfirmationsPending).
  void CheckDocuments(const std::string& source, std::vector<watchers::ListedDocument> documents,
                      RunCallback done);

  // The request budget of an adaptive source, which holds every request for its documents
  // (checks and probes): how many would start now (nullopt: the source has no budget), when
  // the next one could, and how many started in the budget's window.
  std::optional<std::uint64_t> RequestsAvailable(const std::string& source) const;
  scheduler::TimePoint NextRequestAllowed(const std::string& source) const;
  std::uint64_t RequestsInWindow(const std::string& source) const;

  // Compiles every source's selector and patterns as Configure would: the problems, each
  // at its place in the configuration file.
  static std::vector<config::ConfigError> CheckSources(const config::Config& config);

  std::vector<std::string> SourceNames() const;
  const config::Source* FindSource(const std::string& name) const;
  const SourceState* State(const std::string& name) const;

  // Nothing started is still going: no fetch waiting or in flight, no work on the workers
  // whose result has not come back. Waits for time to pass do not count: volatility probes
  // waiting for their delay (a run whose changes wait for their confirmation is idle until
  // then), requests held by a host's pause (429/503) or by their source's request budget.
  // For tests.
  bool Idle() const;
  // Changes waiting for their confirmation probes before they are recorded (the run that
  // found them has ended).
  std::size_t ConfirmationsPending() const;

  // Abandons transfers in flight; no callback runs afterwards.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with callbacks still queued on the loop
};

// A source polled per document under a request budget (`interval: adaptive`; a folder's
// scan is not: it reads only the files whose mtime moved).
bool IsAdaptive(const config::Source& source);

// config::Load, then Engine::CheckSources: what `run`, `once`, `check-config` and a reload
// read, so that each reports the same problems at the same places.
config::LoadResult LoadConfigForEngine(const std::string& file);

}  // namespace freshd::daemon
