#include "daemon/engine.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <unordered_set>

#include "daemon/fetch_queue.h"
#include "watchers/directory.h"
#include "watchers/http_client.h"
#include "watchers/listing.h"
#include "watchers/normalize.h"
#include "watchers/url_filter.h"

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
using store::CheckOutcome;
using store::DocumentKey;
using store::Observation;
using store::RecordResult;

// Documents of one source checked at once; bounds memory for a 100,000-page sitemap.
constexpr std::size_t kDocumentWindow = 128;

struct WatchedSource {
  config::Source config;
  std::shared_ptr<const watchers::Normalizer> normalizer;
  std::shared_ptr<const watchers::UrlFilter> include;
  metrics::SourceLabels labels;
  SourceState state;
  bool removed = false;  // left the configuration while a run was in flight
};

// One run of a source over its documents.
struct SourceRun {
  std::shared_ptr<WatchedSource> source;
  std::vector<std::string> uris;
  std::size_t next = 0;
  std::size_t active = 0;
  SourceRunResult result;
  Engine::RunCallback done;
};

std::int64_t ParseHttpDate(const std::string& value) {
  if (value.empty()) return 0;
  const time_t seconds = curl_getdate(value.c_str(), nullptr);
  return seconds > 0 ? static_cast<std::int64_t>(seconds) * 1000 : 0;
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
      break;
  }
  return metrics::CheckResult::kError;
}

bool IsChange(CheckOutcome outcome) {
  return outcome == CheckOutcome::kNew || outcome == CheckOutcome::kChanged ||
         outcome == CheckOutcome::kRemoved;
}

Observation ErrorObservation(std::int64_t now_ms, watchers::FetchError error,
                             const std::string& message) {
  Observation observation;
  observation.kind = Observation::Kind::kError;
  observation.time_ms = now_ms;
  observation.error_reason = std::string(watchers::ToLabel(error));
  observation.error_message = message;
  return observation;
}

// Turns a normalized body into a fetched observation, or a parse error.
Observation ContentObservation(std::int64_t now_ms, const watchers::Normalizer& normalizer,
                               std::string_view body, watchers::ContentKind kind,
                               std::string_view charset) {
  auto normalized = normalizer.Normalize(body, kind, charset);
  if (normalized.error != watchers::FetchError::kNone) {
    return ErrorObservation(now_ms, normalized.error, normalized.message);
  }
  Observation observation;
  observation.kind = Observation::Kind::kFetched;
  observation.time_ms = now_ms;
  observation.content_hash = watchers::ContentHash(normalized.text);
  return observation;
}

Observation HttpObservation(std::int64_t now_ms, const watchers::Normalizer& normalizer,
                            const watchers::HttpResponse& response, const std::string& uri) {
  using watchers::FetchError;
  if (response.error == FetchError::kHttp4xx &&
      (response.status == 404 || response.status == 410)) {
    Observation gone;
    gone.kind = Observation::Kind::kGone;
    gone.time_ms = now_ms;
    gone.error_reason = std::string(watchers::ToLabel(response.error));
    gone.error_message = "HTTP " + std::to_string(response.status);
    return gone;
  }
  if (response.error != FetchError::kNone) {
    return ErrorObservation(now_ms, response.error, response.message);
  }
  if (response.not_modified) {
    Observation observation;
    observation.kind = Observation::Kind::kNotModified;
    observation.time_ms = now_ms;
    return observation;
  }
  Observation observation =
      ContentObservation(now_ms, normalizer, response.body,
                         watchers::DetectContentKind(response.content_type, uri), response.charset);
  observation.etag = response.etag;
  observation.last_modified = response.last_modified;
  observation.modified_ms = ParseHttpDate(response.last_modified);
  return observation;
}

std::string FileUri(const std::string& root, const std::string& relative) {
  std::string path = root;
  if (!path.empty() && path.back() != '/') path += '/';
  return "file://" + path + relative;
}

// A file's validator, in place of an ETag: unchanged size and mtime mean not modified.
std::string FileValidator(const watchers::FileEntry& file) {
  return std::to_string(file.size) + "-" + std::to_string(file.mtime_ns);
}

}  // namespace

struct Engine::Impl : std::enable_shared_from_this<Engine::Impl> {
  Impl(asio::io_context& io_context, asio::thread_pool& worker_pool, store::StateStore& state,
       metrics::Metrics& metric_registry, const scheduler::Clock& time_source)
      : io(io_context),
        workers(worker_pool),
        store(state),
        metrics(metric_registry),
        clock(time_source),
        http(std::make_unique<watchers::HttpClient>(io_context)),
        fetch_queue(EngineOptions{}.max_in_flight, 4,
                    [this](std::function<void()> start) { asio::post(io, std::move(start)); }) {}

  std::int64_t NowMs() const { return scheduler::ToUnixMillis(clock.Now()); }

  // Runs `work` on a worker, then `then(result)` on the event loop, unless stopped.
  template <typename Work, typename Then>
  void OnWorker(Work work, Then then) {
    asio::post(workers, [self = shared_from_this(), work = std::move(work),
                         then = std::move(then)]() mutable {
      auto result = work();
      asio::post(self->io, [self, then = std::move(then), result = std::move(result)]() mutable {
        if (!self->stopped) then(std::move(result));
      });
    });
  }

  void StartRun(std::shared_ptr<WatchedSource> source, RunCallback done);
  void StartListingRun(std::shared_ptr<SourceRun> run);
  void FetchListing(std::shared_ptr<SourceRun> run, std::string url, int depth,
                    std::shared_ptr<std::vector<watchers::ListedDocument>> found,
                    std::function<void(bool ok)> finished);
  void ExpandListing(std::shared_ptr<SourceRun> run,
                     std::shared_ptr<std::vector<watchers::ListedDocument>> found);
  void StartDirectoryRun(std::shared_ptr<SourceRun> run);
  void PumpDocuments(std::shared_ptr<SourceRun> run);
  void CheckHttpDocument(std::shared_ptr<SourceRun> run, std::string uri);
  void FinishDocument(std::shared_ptr<SourceRun> run);
  void FinishRun(std::shared_ptr<SourceRun> run);
  void Account(WatchedSource& source, const DocumentKey& key, const RecordResult& recorded,
               const Observation& observation, SourceRunResult* result);
  void SourceFailed(std::shared_ptr<SourceRun> run, watchers::FetchError error,
                    const std::string& message);
  void SourceSucceeded(WatchedSource& source);
  watchers::HttpRequest RequestFor(const config::Source& source, const std::string& url) const;

  asio::io_context& io;
  asio::thread_pool& workers;
  store::StateStore& store;
  metrics::Metrics& metrics;
  const scheduler::Clock& clock;
  std::unique_ptr<watchers::HttpClient> http;
  FetchQueue fetch_queue;
  std::map<std::string, std::shared_ptr<WatchedSource>> sources;
  std::atomic<bool> stopped{false};  // read by workers
};

watchers::HttpRequest Engine::Impl::RequestFor(const config::Source& source,
                                               const std::string& url) const {
  watchers::HttpRequest request;
  request.url = url;
  for (const auto& header : source.fetch.headers)
    request.headers.emplace_back(header.name, header.value);
  request.timeout = source.fetch.timeout;
  request.max_bytes = source.fetch.max_bytes;
  request.user_agent = source.fetch.user_agent;
  return request;
}

void Engine::Impl::StartRun(std::shared_ptr<WatchedSource> source, RunCallback done) {
  auto run = std::make_shared<SourceRun>();
  run->source = std::move(source);
  run->result.source = run->source->config.name;
  run->done = std::move(done);
  switch (run->source->config.kind) {
    case config::SourceKind::kHttp:
      run->uris.push_back(run->source->config.url);
      PumpDocuments(run);
      return;
    case config::SourceKind::kSitemap:
    case config::SourceKind::kFeed:
      StartListingRun(run);
      return;
    case config::SourceKind::kDirectory:
      StartDirectoryRun(run);
      return;
  }
}

void Engine::Impl::PumpDocuments(std::shared_ptr<SourceRun> run) {
  while (run->active < kDocumentWindow && run->next < run->uris.size()) {
    ++run->active;
    CheckHttpDocument(run, run->uris[run->next++]);
  }
  if (run->active == 0 && run->next >= run->uris.size()) FinishRun(run);
}

void Engine::Impl::CheckHttpDocument(std::shared_ptr<SourceRun> run, std::string uri) {
  DocumentKey key{run->source->config.name, uri};
  OnWorker([this, key] { return store.Get(key); },
           [this, run, key](std::optional<store::DocumentRecord> previous) {
             watchers::HttpRequest request = RequestFor(run->source->config, key.uri);
             if (previous && !previous->removed) {
               request.if_none_match = previous->etag;
               request.if_modified_since = previous->last_modified;
             }
             const std::string host = HostOf(key.uri);
             fetch_queue.Submit(host, [this, run, key, host, request = std::move(request)] {
               http->Fetch(request, [this, run, key, host](watchers::HttpResponse response) {
                 fetch_queue.Done(host);
                 metrics.ObserveFetchSeconds(run->source->labels, response.duration_seconds);
                 auto normalizer = run->source->normalizer;
                 OnWorker(
                     [this, key, normalizer, response = std::move(response)] {
                       Observation observation =
                           HttpObservation(NowMs(), *normalizer, response, key.uri);
                       RecordResult recorded = store.Record(key, observation);
                       return std::make_pair(std::move(recorded), std::move(observation));
                     },
                     [this, run, key](std::pair<RecordResult, Observation> outcome) {
                       Account(*run->source, key, outcome.first, outcome.second, &run->result);
                       // A single-page source fails with its page; a listing's documents
                       // fail one by one and do not back the listing off.
                       if (run->source->config.kind == config::SourceKind::kHttp &&
                           !outcome.second.error_reason.empty()) {
                         run->result.failed = true;
                       }
                       FinishDocument(run);
                     });
               });
             });
           });
}

void Engine::Impl::FinishDocument(std::shared_ptr<SourceRun> run) {
  --run->active;
  PumpDocuments(run);
}

void Engine::Impl::Account(WatchedSource& source, const DocumentKey& key,
                           const RecordResult& recorded, const Observation& observation,
                           SourceRunResult* result) {
  if (!recorded.ok) {
    spdlog::error("source {}: cannot record check of {}: {}", key.source, key.uri, recorded.error);
    ++result->errors;
    return;
  }
  ++result->documents_checked;
  if (source.removed) return;
  SourceState& state = source.state;
  const auto& previous = recorded.previous;
  const bool was_present = previous && !previous->removed && !previous->content_hash.empty();
  const bool is_present = !recorded.document.removed && !recorded.document.content_hash.empty();
  state.documents += static_cast<int>(is_present) - static_cast<int>(was_present);
  ++state.checks;
  state.last_check_ms = observation.time_ms;

  // A 404/410 is recorded as the document's removal and counted as a failed fetch.
  const bool fetch_failed = !observation.error_reason.empty();
  const bool was_failing = previous && previous->consecutive_errors > 0;
  if (fetch_failed) {
    ++state.errors;
    ++result->errors;
    metrics.CountCheck(source.labels, metrics::CheckResult::kError);
    metrics.CountError(source.labels, observation.error_reason);
    const bool new_state =
        observation.kind == Observation::Kind::kGone
            ? !previous || !previous->removed
            : !was_failing || previous->last_error.rfind(observation.error_reason, 0) != 0;
    if (observation.kind == Observation::Kind::kError && !was_failing) ++state.documents_failing;
    if (new_state) {
      spdlog::warn("source {}: {} failing: {}: {}", key.source, key.uri, observation.error_reason,
                   observation.error_message);
    }
  } else {
    if (was_failing) {
      if (state.documents_failing > 0) --state.documents_failing;
      spdlog::info("source {}: {} recovered", key.source, key.uri);
    }
    metrics.CountCheck(source.labels, ToCheckResult(recorded.outcome));
  }
  const bool counts_as_change =
      IsChange(recorded.outcome) && (recorded.outcome != CheckOutcome::kRemoved || was_present);
  if (counts_as_change) {
    ++result->changed;
    state.last_change_ms = observation.time_ms;
    if (recorded.outcome == CheckOutcome::kNew) {
      spdlog::debug("source {}: new {}", key.source, key.uri);
    } else {
      ++state.changes;
      spdlog::info("source {}: {} {}", key.source, store::ToString(recorded.outcome), key.uri);
    }
  }
  metrics.SetDocuments(source.labels, static_cast<double>(state.documents));
  metrics.SetLastCheck(source.labels, static_cast<double>(state.last_check_ms) / 1000.0);
  if (state.last_change_ms > 0) {
    metrics.SetLastChange(source.labels, static_cast<double>(state.last_change_ms) / 1000.0);
  }
}

void Engine::Impl::SourceFailed(std::shared_ptr<SourceRun> run, watchers::FetchError error,
                                const std::string& message) {
  WatchedSource& source = *run->source;
  run->result.failed = true;
  ++run->result.errors;
  if (!source.removed) {
    const std::string reason(watchers::ToLabel(error));
    const std::string description = reason + ": " + message;
    if (!source.state.failing || source.state.last_error.rfind(reason, 0) != 0) {
      spdlog::warn("source {}: failing: {}", source.config.name, description);
    }
    source.state.failing = true;
    source.state.last_error = description;
    ++source.state.errors;
    metrics.CountCheck(source.labels, metrics::CheckResult::kError);
    metrics.CountError(source.labels, reason);
  }
  FinishRun(run);
}

void Engine::Impl::SourceSucceeded(WatchedSource& source) {
  if (source.state.failing) spdlog::info("source {}: recovered", source.config.name);
  source.state.failing = false;
  source.state.last_error.clear();
}

void Engine::Impl::FinishRun(std::shared_ptr<SourceRun> run) {
  WatchedSource& source = *run->source;
  if (!source.removed) {
    if (source.config.kind == config::SourceKind::kHttp) {
      if (run->result.failed) {
        source.state.failing = true;
      } else {
        SourceSucceeded(source);
      }
    } else if (!run->result.failed) {
      SourceSucceeded(source);
    }
    source.state.last_check_ms = NowMs();
    metrics.SetLastCheck(source.labels, static_cast<double>(source.state.last_check_ms) / 1000.0);
  }
  auto done = std::move(run->done);
  asio::post(io, [done = std::move(done), result = run->result] { done(result); });
}

void Engine::Impl::StartListingRun(std::shared_ptr<SourceRun> run) {
  auto found = std::make_shared<std::vector<watchers::ListedDocument>>();
  FetchListing(run, run->source->config.url, 0, found, [this, run, found](bool ok) {
    if (ok) ExpandListing(run, found);
  });
}

// Fetches a sitemap or feed; a sitemap index's children are fetched one after another.
void Engine::Impl::FetchListing(std::shared_ptr<SourceRun> run, std::string url, int depth,
                                std::shared_ptr<std::vector<watchers::ListedDocument>> found,
                                std::function<void(bool ok)> finished) {
  const std::string host = HostOf(url);
  watchers::HttpRequest request = RequestFor(run->source->config, url);
  fetch_queue.Submit(host, [this, run, url, depth, found, finished, host,
                            request = std::move(request)] {
    http->Fetch(request, [this, run, url, depth, found, finished,
                          host](watchers::HttpResponse response) {
      fetch_queue.Done(host);
      metrics.ObserveFetchSeconds(run->source->labels, response.duration_seconds);
      if (response.error != watchers::FetchError::kNone) {
        SourceFailed(run, response.error, url + ": " + response.message);
        return;
      }
      const bool sitemap = run->source->config.kind == config::SourceKind::kSitemap;
      OnWorker(
          [sitemap, url, body = std::move(response.body)] {
            return sitemap ? watchers::ParseSitemap(body, url) : watchers::ParseFeed(body, url);
          },
          [this, run, url, depth, found, finished](watchers::Listing listing) {
            if (!listing.ok) {
              SourceFailed(run, watchers::FetchError::kParse, url + ": " + listing.error);
              return;
            }
            for (auto& document : listing.documents) found->push_back(std::move(document));
            auto children =
                std::make_shared<std::vector<std::string>>(std::move(listing.child_sitemaps));
            if (depth > 0 || children->empty()) {
              finished(true);
              return;
            }
            if (children->size() > static_cast<std::size_t>(EngineOptions{}.max_child_sitemaps)) {
              children->resize(EngineOptions{}.max_child_sitemaps);
            }
            // Walk the children in order; the first failure fails the run.
            auto next = std::make_shared<std::function<void(std::size_t)>>();
            *next = [this, run, found, finished, children, next](std::size_t index) {
              if (index == children->size()) {
                finished(true);
                *next = nullptr;  // break the self-reference
                return;
              }
              FetchListing(run, (*children)[index], 1, found, [next, index](bool ok) {
                if (ok && *next) (*next)(index + 1);
              });
            };
            (*next)(0);
          });
    });
  });
}

// Keeps the listed documents that pass `include`, marks the vanished ones removed, then
// checks the rest.
void Engine::Impl::ExpandListing(std::shared_ptr<SourceRun> run,
                                 std::shared_ptr<std::vector<watchers::ListedDocument>> found) {
  std::vector<std::string> uris;
  std::unordered_set<std::string> seen;
  for (const auto& document : *found) {
    if (run->source->include && !run->source->include->Matches(document.uri)) continue;
    if (seen.insert(document.uri).second) uris.push_back(document.uri);
  }
  const std::string name = run->source->config.name;
  OnWorker(
      [this, name, listed = std::move(seen)] {
        std::vector<std::pair<DocumentKey, std::pair<RecordResult, Observation>>> removed;
        std::vector<DocumentKey> vanished;
        store.ForEachDocument(name,
                              [&](const DocumentKey& key, const store::DocumentRecord& record) {
                                if (!record.removed && !listed.contains(key.uri))
                                  vanished.push_back(key);
                                return true;
                              });
        for (const auto& key : vanished) {
          Observation gone;
          gone.kind = Observation::Kind::kGone;
          gone.time_ms = NowMs();
          removed.emplace_back(key, std::make_pair(store.Record(key, gone), gone));
        }
        return removed;
      },
      [this, run, uris = std::move(uris)](auto removed) mutable {
        for (const auto& [key, outcome] : removed) {
          Account(*run->source, key, outcome.first, outcome.second, &run->result);
        }
        run->uris = std::move(uris);
        PumpDocuments(run);
      });
}

void Engine::Impl::StartDirectoryRun(std::shared_ptr<SourceRun> run) {
  auto source = run->source;
  const config::Source& config = source->config;
  // The scan, reads and records run on one worker; each result is accounted on the loop.
  asio::post(workers, [self = shared_from_this(), run, root = config.path, glob = config.glob,
                       max_bytes = config.fetch.max_bytes, normalizer = source->normalizer] {
    auto account = [self, run](DocumentKey key, RecordResult recorded, Observation observation) {
      asio::post(self->io, [self, run, key = std::move(key), recorded = std::move(recorded),
                            observation = std::move(observation)] {
        if (!self->stopped) self->Account(*run->source, key, recorded, observation, &run->result);
      });
    };
    auto finish = [self, run](watchers::FetchError error, std::string message) {
      asio::post(self->io, [self, run, error, message = std::move(message)] {
        if (self->stopped) return;
        if (error != watchers::FetchError::kNone) {
          self->SourceFailed(run, error, message);
        } else {
          self->FinishRun(run);
        }
      });
    };
    watchers::DirectoryScan scan = watchers::ScanDirectory(root, glob);
    if (scan.error != watchers::FetchError::kNone) {
      finish(scan.error, scan.message);
      return;
    }
    const std::string name = run->source->config.name;
    std::unordered_set<std::string> present;
    for (const auto& file : scan.files) {
      if (self->stopped) return;
      DocumentKey key{name, FileUri(root, file.relative_path)};
      present.insert(key.uri);
      Observation observation;
      observation.time_ms = self->NowMs();
      const std::string validator = FileValidator(file);
      auto previous = self->store.Get(key);
      if (previous && !previous->removed && previous->etag == validator) {
        observation.kind = Observation::Kind::kNotModified;
      } else {
        auto content = watchers::ReadFileCapped(root + "/" + file.relative_path, max_bytes);
        if (content.error != watchers::FetchError::kNone) {
          observation = ErrorObservation(observation.time_ms, content.error, content.message);
        } else {
          observation = ContentObservation(observation.time_ms, *normalizer, content.body,
                                           watchers::DetectContentKind("", file.relative_path), "");
          observation.etag = validator;
          observation.modified_ms = file.mtime_ns / 1000000;
        }
      }
      account(key, self->store.Record(key, observation), observation);
    }
    std::vector<DocumentKey> vanished;
    self->store.ForEachDocument(name, [&](const DocumentKey& key, const store::DocumentRecord& r) {
      if (!r.removed && !present.contains(key.uri)) vanished.push_back(key);
      return true;
    });
    for (const auto& key : vanished) {
      Observation gone;
      gone.kind = Observation::Kind::kGone;
      gone.time_ms = self->NowMs();
      account(key, self->store.Record(key, gone), gone);
    }
    finish(watchers::FetchError::kNone, "");
  });
}

Engine::Engine(asio::io_context& io, asio::thread_pool& workers, store::StateStore& store,
               metrics::Metrics& metrics, const scheduler::Clock& clock)
    : impl_(std::make_shared<Impl>(io, workers, store, metrics, clock)) {}

Engine::~Engine() { Stop(); }

void Engine::Stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->fetch_queue.Clear();
  impl_->http.reset();
}

namespace {

bool SameHeaders(const std::vector<config::Header>& a, const std::vector<config::Header>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].value != b[i].value) return false;
  }
  return true;
}

bool SameSource(const config::Source& a, const config::Source& b) {
  return a.workload == b.workload && a.kind == b.kind && a.url == b.url && a.include == b.include &&
         a.path == b.path && a.glob == b.glob && a.select.kind == b.select.kind &&
         a.select.expression == b.select.expression && a.ignore == b.ignore &&
         a.fetch.interval == b.fetch.interval &&
         a.fetch.adaptive_interval == b.fetch.adaptive_interval &&
         a.fetch.timeout == b.fetch.timeout && a.fetch.max_bytes == b.fetch.max_bytes &&
         a.fetch.user_agent == b.fetch.user_agent && SameHeaders(a.fetch.headers, b.fetch.headers);
}

watchers::SelectorSpec ToSelectorSpec(const config::Selector& select) {
  watchers::SelectorSpec spec;
  spec.expression = select.expression;
  switch (select.kind) {
    case config::Selector::Kind::kNone:
      spec.kind = watchers::SelectorSpec::Kind::kNone;
      break;
    case config::Selector::Kind::kXPath:
      spec.kind = watchers::SelectorSpec::Kind::kXPath;
      break;
    case config::Selector::Kind::kCss:
      spec.kind = watchers::SelectorSpec::Kind::kCss;
      break;
  }
  return spec;
}

// Counts present documents and changes of a source from the store.
SourceState LoadState(const store::StateStore& store, const std::string& source) {
  SourceState state;
  store.ForEachDocument(source, [&](const DocumentKey&, const store::DocumentRecord& record) {
    if (!record.removed && !record.content_hash.empty()) ++state.documents;
    state.checks += record.checks;
    state.changes += record.changes;
    state.errors += record.errors;
    state.last_check_ms = std::max(state.last_check_ms, record.last_check_ms);
    state.last_change_ms = std::max(state.last_change_ms, record.last_change_ms);
    if (record.consecutive_errors > 0) ++state.documents_failing;
    return true;
  });
  return state;
}

}  // namespace

bool Engine::Configure(const config::Config& config, std::string* error,
                       std::function<void()> done) {
  Impl& impl = *impl_;
  std::map<std::string, std::shared_ptr<WatchedSource>> next;
  std::vector<std::shared_ptr<WatchedSource>> added;
  for (const auto& workload : config.workloads) {
    for (const auto& source : workload.sources) {
      auto existing = impl.sources.find(source.name);
      if (existing != impl.sources.end() && SameSource(existing->second->config, source)) {
        next[source.name] = existing->second;
        continue;
      }
      std::string problem;
      std::shared_ptr<const watchers::Normalizer> normalizer =
          watchers::Normalizer::Create(ToSelectorSpec(source.select), source.ignore, &problem);
      if (!normalizer) {
        *error = "source " + source.name + ": " + problem;
        return false;
      }
      std::shared_ptr<const watchers::UrlFilter> include;
      if (!source.include.empty()) {
        include = watchers::UrlFilter::Create(source.include, &problem);
        if (!include) {
          *error = "source " + source.name + ": include: " + problem;
          return false;
        }
      }
      auto watched =
          existing != impl.sources.end() ? existing->second : std::make_shared<WatchedSource>();
      const bool relabel =
          existing != impl.sources.end() && existing->second->config.workload != source.workload;
      if (relabel) impl.metrics.RemoveSource(watched->labels);
      watched->config = source;
      watched->normalizer = std::move(normalizer);
      watched->include = std::move(include);
      watched->labels = {source.workload, source.name};
      if (existing == impl.sources.end() || relabel) added.push_back(watched);
      next[source.name] = watched;
    }
  }
  for (auto& [name, watched] : impl.sources) {
    if (next.contains(name)) continue;
    watched->removed = true;
    impl.metrics.RemoveSource(watched->labels);
  }
  impl.sources = std::move(next);
  impl.fetch_queue.SetPerHostLimit(config.defaults.host_concurrency);
  for (const auto& watched : added) impl.metrics.AddSource(watched->labels);

  auto remaining = std::make_shared<std::size_t>(added.size());
  if (added.empty()) {
    asio::post(impl.io, std::move(done));
    return true;
  }
  for (const auto& watched : added) {
    impl.OnWorker(
        [&store = impl.store, name = watched->config.name] { return LoadState(store, name); },
        [&impl, watched, remaining, done](SourceState state) {
          if (!watched->removed) {
            watched->state = state;
            impl.metrics.SetDocuments(watched->labels, static_cast<double>(state.documents));
            if (state.last_check_ms > 0) {
              impl.metrics.SetLastCheck(watched->labels, state.last_check_ms / 1000.0);
            }
            if (state.last_change_ms > 0) {
              impl.metrics.SetLastChange(watched->labels, state.last_change_ms / 1000.0);
            }
          }
          if (--*remaining == 0) done();
        });
  }
  return true;
}

void Engine::CheckSource(const std::string& source, RunCallback done) {
  auto found = impl_->sources.find(source);
  if (found == impl_->sources.end() || impl_->stopped) {
    SourceRunResult result;
    result.source = source;
    asio::post(impl_->io, [done = std::move(done), result] { done(result); });
    return;
  }
  impl_->StartRun(found->second, std::move(done));
}

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
