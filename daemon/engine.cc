#include "daemon/engine.h"

#include <spdlog/spdlog.h>

#include "daemon/engine_impl.h"
#include "watchers/listing_guard.h"
#include "watchers/observe.h"

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
using store::CheckOutcome;
using store::Observation;

bool IsListing(config::SourceKind kind) {
  return kind == config::SourceKind::kSitemap || kind == config::SourceKind::kFeed;
}

metrics::CheckResult ToCheckResult(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kNew:
    case CheckOutcome::kChanged:
    case CheckOutcome::kRemoved:
      return metrics::CheckResult::kChanged;
    case CheckOutcome::kUnchanged:
      return metrics::CheckResult::kUnchanged;
    case CheckOutcome::kNotModified:
      return metrics::CheckResult::kNotModified;
    case CheckOutcome::kError:
    case CheckOutcome::kMissing:  // only with an error (404/410); see Account
      break;
  }
  return metrics::CheckResult::kError;
}

// A new failure, or a failure for another reason than the last one: worth a log line.
bool FailureIsNews(const Recorded& recorded) {
  const auto& previous = recorded.result->previous;
  const Observation& observation = recorded.observation;
  if (observation.kind == Observation::Kind::kGone) return !previous || !previous->removed;
  return !previous || previous->consecutive_errors == 0 ||
         previous->last_error.rfind(observation.error_reason, 0) != 0;
}

}  // namespace

Engine::Impl::Impl(asio::io_context& io_context, asio::thread_pool& worker_pool,
                   store::StateStore& state, metrics::Metrics& metric_registry,
                   const scheduler::Clock& time_source, watchers::Fetcher& url_fetcher,
                   EngineOptions engine_options)
    : io(io_context),
      workers(worker_pool),
      store(state),
      metrics(metric_registry),
      clock(time_source),
      options(engine_options),
      fetcher(url_fetcher),
      fetch_queue(
          engine_options.max_in_flight, config::FetchSettings{}.host_concurrency,
          [this](std::function<void()> start) { asio::post(io, std::move(start)); }, time_source,
          io_context),
      gate(io_context, time_source) {}

bool Engine::Impl::MayStart(const std::string& source) const {
  // A source removed and added again while its old run still goes waits for that run, so
  // that two runs never record the same documents at once.
  return sources.contains(source) && !stopped && !running.contains(source);
}

void Engine::Impl::Skip(const std::string& source, RunCallback done) {
  SourceRunResult result;
  result.source = source;
  result.skipped = true;
  asio::post(io, [done = std::move(done), result] { done(result); });
}

RunPtr Engine::Impl::NewRun(std::shared_ptr<WatchedSource> source, RunCallback done) {
  auto run = std::make_shared<SourceRun>();
  run->source = std::move(source);
  run->name = run->source->config.name;
  run->result.source = run->name;
  run->done = std::move(done);
  running.insert(run->name);
  return run;
}

void Engine::Impl::StartRun(std::shared_ptr<WatchedSource> source, RunCallback done) {
  RunPtr run = NewRun(std::move(source), std::move(done));
  switch (run->source->config.kind) {
    case config::SourceKind::kHttp:
      // A page is a listing of one: a changed URL marks the old document removed.
      CheckListed(run, std::make_shared<std::vector<watchers::ListedDocument>>(
                           1, watchers::ListedDocument{run->source->config.url, std::nullopt}));
      return;
    case config::SourceKind::kSitemap:
    case config::SourceKind::kFeed:
      StartListingRun(run);
      return;
    case config::SourceKind::kDirectory:
      StartDirectoryRun(run);
      return;
    case config::SourceKind::kGit:
      StartGitRun(run);
      return;
  }
}

void Engine::Impl::FinishRun(const RunPtr& run) {
  WatchedSource& source = *run->source;
  running.erase(run->name);
  if (!source.removed) {
    // A page's source fails with its page; a listing's with its listing only.
    const bool failed = run->result.failed;
    if (!failed && source.state.failing) spdlog::info("source {}: recovered", run->name);
    source.state.failing = failed;
    if (!failed) source.state.last_error.clear();
    source.state.last_check_ms = NowMs();
    source.state.last_run_ms = source.state.last_check_ms;
    metrics.SetLastCheck(source.labels, static_cast<double>(source.state.last_check_ms) / 1000.0);
    metrics.CountRun(source.labels, failed);
    OnWorker(
        [this, key = LastRunKey(run->name), when = source.state.last_run_ms] {
          return store.PutValue(key, std::to_string(when));
        },
        [](const Status& stored) {
          if (!stored.ok()) {
            spdlog::error("cannot store the time of a source's run: {}", stored.ToString());
          }
        });
  }
  asio::post(io, [done = std::move(run->done), result = run->result] { done(result); });
}

void Engine::Impl::SourceFailed(const RunPtr& run, watchers::FetchError error,
                                const std::string& message) {
  WatchedSource& source = *run->source;
  run->result.failed = true;
  ++run->result.errors;
  if (!source.removed) {
    const std::string reason(watchers::ToLabel(error));
    if (!source.state.failing || source.state.last_error.rfind(reason, 0) != 0) {
      spdlog::warn("source {}: failing: {}: {}", run->name, reason, message);
    }
    source.state.last_error = reason + ": " + message;
    ++source.state.errors;
    metrics.CountCheck(source.labels, metrics::CheckResult::kError);
    metrics.CountError(source.labels, reason);
  }
  // A listing that failed leaves its documents as they were: nothing is marked removed.
  FinishRun(run);
}

Result<std::optional<store::DocumentRecord>> Engine::Impl::PreviousRecord(
    const store::DocumentKey& key) const {
  Result<store::DocumentRecord> stored = store.Get(key);
  if (stored.ok()) return std::optional(std::move(stored).value());
  if (stored.status().IsNotFound() || stored.status().IsCorruption()) {
    return std::optional<store::DocumentRecord>();
  }
  return stored.status();
}

void Engine::Impl::AccountAll(const RunPtr& run, const std::vector<Recorded>& recorded) {
  for (const auto& one : recorded) Account(*run->source, one, &run->result);
}

void Engine::Impl::Account(WatchedSource& source, const Recorded& recorded,
                           SourceRunResult* result) {
  const store::DocumentKey& key = recorded.key;
  const Observation& observation = recorded.observation;
  if (!recorded.result.ok()) {
    const Status& failed = recorded.result.status();
    spdlog::error("source {}: cannot record the check of {}: {}", key.source, key.uri,
                  failed.ToString());
    metrics.CountStoreError(failed.IsCorruption() ? "corruption" : "io");
    ++result->errors;
    return;
  }
  const store::RecordResult& outcome = *recorded.result;
  ++result->documents_checked;
  if (source.removed) return;
  SourceState& state = source.state;
  // A 404/410 is recorded as the document's removal and counted as a failed fetch.
  const bool fetch_failed = !observation.error_reason.empty();
  const CheckCounted counted = CountCheck(state, outcome, observation.time_ms, fetch_failed);

  if (fetch_failed) {
    ++result->errors;
    if (source.config.kind == config::SourceKind::kHttp) {
      result->failed = true;
      state.last_error = observation.error_reason + ": " + observation.error_message;
    }
    metrics.CountCheck(source.labels, metrics::CheckResult::kError);
    metrics.CountError(source.labels, observation.error_reason);
    if (FailureIsNews(recorded)) {
      spdlog::warn("source {}: {} failing: {}: {}", key.source, key.uri, observation.error_reason,
                   observation.error_message);
    }
  } else if (outcome.outcome == CheckOutcome::kMissing) {
    // Dropped from its listing or deleted: nothing was fetched, so no check result.
    spdlog::info("source {}: {} gone; removed if still gone at the next check", key.source,
                 key.uri);
  } else {
    metrics.CountCheck(source.labels, ToCheckResult(outcome.outcome));
    if (recorded.masked > 0) metrics.CountMasked(source.labels, recorded.masked);
    if (recorded.invalid_utf8 > 0) {
      metrics.CountInvalidUtf8(source.labels, recorded.invalid_utf8);
      spdlog::debug("source {}: {} ill-formed UTF-8 sequences in {} replaced by U+FFFD", key.source,
                    recorded.invalid_utf8, key.uri);
    }
    if (counted.was_failing && !counted.is_failing && outcome.outcome != CheckOutcome::kRemoved) {
      spdlog::info("source {}: {} recovered", key.source, key.uri);
    }
    const bool was_unsupported = outcome.previous && outcome.previous->unsupported;
    if (recorded.truncated && counted.changed) {
      spdlog::warn(
          "source {}: {} read in part: past max_pages or the size cap, the rest is "
          "neither compared nor indexed",
          key.source, key.uri);
    }
    if (outcome.document.unsupported && !was_unsupported) {
      spdlog::info("source {}: {} is binary data of no format freshd reads: watched, not indexed",
                   key.source, key.uri);
    }
  }
  if (counted.changed) {
    ++result->changed;
    if (outcome.outcome == CheckOutcome::kNew) {
      spdlog::debug("source {}: new {}", key.source, key.uri);
    } else {
      spdlog::info("source {}: {} {}", key.source, store::ToString(outcome.outcome), key.uri);
    }
  }
  metrics.SetDocuments(source.labels,
                       static_cast<double>(state.documents - state.documents_unsupported),
                       static_cast<double>(state.documents_unsupported));
  metrics.SetLastCheck(source.labels, static_cast<double>(state.last_check_ms) / 1000.0);
  if (state.last_change_ms > 0) {
    metrics.SetLastChange(source.labels, static_cast<double>(state.last_change_ms) / 1000.0);
  }
}

Result<store::RecordResult> Engine::Impl::RecordCheck(const store::DocumentKey& key,
                                                      const std::string& workload,
                                                      const Observation& observation,
                                                      std::string_view text) {
  if (options.indexer == nullptr) return store.Record(key, observation);
  Result<store::RecordResult> result = options.indexer->Record(key, workload, observation, text);
  if (options.index_work && result.ok() && result->operations_queued > 0) options.index_work();
  return result;
}

namespace {

struct Vanishing {
  std::vector<Recorded> recorded;
  std::string refused;  // why nothing was marked: the listing lost too much at once
};

}  // namespace

void Engine::Impl::MarkVanished(const RunPtr& run, std::unordered_set<std::string> present,
                                std::function<void()> then) {
  OnWorker(
      [this, name = run->name, workload = run->source->config.workload,
       guarded = run->source->config.kind != config::SourceKind::kHttp,
       max_drop = run->source->config.fetch.max_listing_drop, present = std::move(present)] {
        std::vector<store::DocumentKey> vanished;
        std::size_t stored = 0;
        Status scanned = store.ForEachDocument(
            name, [&](const store::DocumentKey& key, const store::DocumentRecord& record) {
              if (record.removed) return true;
              ++stored;
              if (!present.contains(key.uri)) vanished.push_back(key);
              return true;
            });
        Vanishing result;
        if (!scanned.ok()) {  // a partial scan must not mark anything gone: next run
          spdlog::error("source {}: {}", name, scanned.ToString());
          metrics.CountStoreError(scanned.IsCorruption() ? "corruption" : "io");
          return result;
        }
        // A page source loses its old URL only by a reload: that is deliberate, not a glitch.
        // A listing of a few documents may well lose most of them for real.
        if (guarded && !watchers::ListingDropAllowed(vanished.size(), stored, max_drop)) {
          result.refused = watchers::DescribeListingDrop(vanished.size(), stored, max_drop);
          return result;
        }
        for (auto& key : vanished) {
          Observation gone = watchers::GoneObservation(NowMs());
          auto recorded = RecordCheck(key, workload, gone, "");
          result.recorded.push_back(
              {std::move(key), std::move(recorded), std::move(gone), "", 0, 0});
        }
        return result;
      },
      [this, run, then = std::move(then)](Vanishing vanishing) {
        if (!vanishing.refused.empty()) RefuseListingDrop(run, vanishing.refused);
        AccountAll(run, vanishing.recorded);
        then();
      });
}

void Engine::Impl::RefuseListingDrop(const RunPtr& run, const std::string& message) {
  WatchedSource& source = *run->source;
  run->result.failed = true;
  ++run->result.errors;
  if (source.removed) return;
  const std::string reason(watchers::ToLabel(watchers::FetchError::kParse));
  if (!source.state.failing || source.state.last_error != reason + ": " + message) {
    spdlog::error("source {}: {}", run->name, message);
  }
  source.state.last_error = reason + ": " + message;
  ++source.state.errors;
  metrics.CountCheck(source.labels, metrics::CheckResult::kError);
  metrics.CountError(source.labels, reason);
}

Engine::Engine(asio::io_context& io, asio::thread_pool& workers, store::StateStore& store,
               metrics::Metrics& metrics, const scheduler::Clock& clock, watchers::Fetcher& fetcher,
               EngineOptions options)
    : impl_(std::make_shared<Impl>(io, workers, store, metrics, clock, fetcher, options)) {}

Engine::~Engine() { Stop(); }

void Engine::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->fetch_queue.Clear();
  impl_->gate.Clear();
  impl_->probe_timers.clear();
  impl_->fetcher.CancelAll();
}

void Engine::CheckSource(const std::string& source, RunCallback done) {
  auto found = impl_->sources.find(source);
  if (!impl_->MayStart(source)) {
    return impl_->Skip(source, std::move(done));
  }
  impl_->StartRun(found->second, std::move(done));
}

namespace {
// A folder or a repository is read whole: its scan or fetch is its listing, and a file is
// read only when its mtime or blob moved.
bool ReadWhole(config::SourceKind kind) {
  return kind == config::SourceKind::kDirectory || kind == config::SourceKind::kGit;
}
}  // namespace

void Engine::ListSource(const std::string& source, RunCallback done) {
  auto found = impl_->sources.find(source);
  if (!impl_->MayStart(source) || !IsListing(found->second->config.kind)) {
    return impl_->Skip(source, std::move(done));
  }
  auto run = impl_->NewRun(found->second, std::move(done));
  run->listing_only = true;
  impl_->StartListingRun(run);
}

void Engine::CheckDocuments(const std::string& source,
                            std::vector<watchers::ListedDocument> documents, RunCallback done) {
  auto found = impl_->sources.find(source);
  if (!impl_->MayStart(source) || ReadWhole(found->second->config.kind)) {
    return impl_->Skip(source, std::move(done));
  }
  auto run = impl_->NewRun(found->second, std::move(done));
  run->waits_for_confirmations = false;
  for (auto& document : documents) {
    if (document.modified_unix_seconds) {
      run->listed_modified_ms[document.uri] = *document.modified_unix_seconds * 1000;
    }
    run->uris.push_back(std::move(document.uri));
  }
  impl_->PumpDocuments(run);
}

bool Engine::Idle() const {
  // Runs that wait for time to pass are idle: for their changes' confirmation probes, for
  // a paused host (429/503), or for their source's request budget.
  const std::size_t held = impl_->fetch_queue.Held();
  return impl_->on_workers == 0 && impl_->fetch_queue.InFlight() == 0 &&
         impl_->fetch_queue.Waiting() == held;
}

bool IsAdaptive(const config::Source& source) {
  return source.fetch.adaptive && source.fetch.budget && !ReadWhole(source.kind);
}

std::optional<std::uint64_t> Engine::RequestsAvailable(const std::string& source) const {
  return impl_->gate.Available(source);
}

scheduler::TimePoint Engine::NextRequestAllowed(const std::string& source) const {
  return impl_->gate.NextAvailable(source);
}

std::uint64_t Engine::RequestsInWindow(const std::string& source) const {
  return impl_->gate.InWindow(source);
}

std::size_t Engine::ConfirmationsPending() const { return impl_->confirming.size(); }

std::vector<std::string> Engine::SourceNames() const {
  std::vector<std::string> names;
  for (const auto& [name, source] : impl_->sources) names.push_back(name);
  return names;
}

const config::Source* Engine::FindSource(const std::string& name) const {
  auto found = impl_->sources.find(name);
  return found == impl_->sources.end() ? nullptr : &found->second->config;
}

const SourceState* Engine::State(const std::string& name) const {
  auto found = impl_->sources.find(name);
  return found == impl_->sources.end() ? nullptr : &found->second->state;
}

}  // namespace freshd::daemon
