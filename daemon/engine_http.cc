// Sources fetched over HTTP: single pages, sitemaps (with their indexes) and feeds.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/engine_impl.h"
#include "watchers/observe.h"
#include "watchers/volatility.h"

namespace freshd::daemon {
namespace {

// Documents of one source checked at once; bounds memory for a 100,000-page sitemap.
constexpr std::size_t kDocumentWindow = 128;

bool Changed(store::CheckOutcome outcome) {
  return outcome == store::CheckOutcome::kNew || outcome == store::CheckOutcome::kChanged;
}

// A fetched text that differs from the document's recorded one: recording it now would
// count a change. New, removed and never fetched documents have nothing to confirm against.
bool WouldChange(const store::StateStore& store, const store::DocumentKey& key,
                 const store::Observation& observation) {
  if (observation.kind != store::Observation::Kind::kFetched) return false;
  Result<store::DocumentRecord> recorded = store.Get(key);
  return recorded.ok() && !recorded->removed && !recorded->content_hash.empty() &&
         recorded->content_hash != observation.content_hash;
}

}  // namespace

watchers::HttpRequest Engine::Impl::RequestFor(const config::Source& source,
                                               const std::string& url) const {
  watchers::HttpRequest request;
  request.url = url;
  for (const auto& header : source.fetch.headers) {
    request.headers.emplace_back(header.name, header.value);
  }
  request.timeout = source.fetch.timeout;
  request.max_bytes = source.fetch.max_bytes;
  request.user_agent = source.fetch.user_agent;
  // The URL's password is for the source's own origin, not for other hosts a listing names.
  if (source.credentials && watchers::SameOrigin(url, source.url)) {
    request.basic_auth =
        watchers::BasicAuth{source.credentials->user, source.credentials->password};
  }
  return request;
}

void Engine::Impl::StartListingRun(const RunPtr& run) {
  auto found = std::make_shared<std::vector<watchers::ListedDocument>>();
  FetchListing(run, run->source->config.url, found, [this, run, found](watchers::Listing listing) {
    auto children = std::make_shared<std::vector<std::string>>(std::move(listing.child_sitemaps));
    const auto limit = static_cast<std::size_t>(run->source->config.max_child_sitemaps);
    if (children->size() > limit) {
      spdlog::warn(
          "source {}: the sitemap index lists {} sitemaps; only the first {} are read "
          "(max_child_sitemaps)",
          run->name, children->size(), limit);
      children->resize(limit);
    }
    FetchChildren(run, children, 0, found);
  });
}

// Fetches and parses one sitemap or feed, adds its documents to `found`, and hands the
// listing to `parsed`; on failure the run ends as failed instead.
void Engine::Impl::FetchListing(const RunPtr& run, const std::string& url, const Listed& found,
                                std::function<void(watchers::Listing)> parsed) {
  const std::string host = HostOf(url);
  fetch_queue.Submit(host, [this, run, url, found, host, parsed = std::move(parsed)] {
    if (stopped) return;
    if (!run->source->removed) metrics.CountRequests(run->source->labels);
    fetcher.Fetch(RequestFor(run->source->config, url), [this, run, url, found, host,
                                                         parsed](watchers::HttpResponse response) {
      fetch_queue.Done(host, response);
      if (!run->source->removed) {
        metrics.ObserveFetchSeconds(run->source->labels, response.duration_seconds);
      }
      if (response.error != watchers::FetchError::kNone) {
        SourceFailed(run, response.error, url + ": " + response.message);
        return;
      }
      const bool sitemap = run->source->config.kind == config::SourceKind::kSitemap;
      OnWorker(
          [sitemap, url, body = std::move(response.body)] {
            return sitemap ? watchers::ParseSitemap(body, url) : watchers::ParseFeed(body, url);
          },
          [this, run, url, found, parsed](Result<watchers::Listing> result) {
            if (!result.ok()) {
              SourceFailed(run, watchers::FetchError::kParse,
                           url + ": " + result.status().message());
              return;
            }
            watchers::Listing& listing = *result;
            for (auto& document : listing.documents) found->push_back(std::move(document));
            listing.documents.clear();
            run->skipped.count += listing.skipped.count;
            if (run->skipped.example_scheme.empty()) {
              run->skipped.example_scheme = listing.skipped.example_scheme;
            }
            parsed(std::move(listing));
          });
    });
  });
}

// A sitemap index's children, one after another, one level deep.
void Engine::Impl::FetchChildren(const RunPtr& run,
                                 std::shared_ptr<std::vector<std::string>> children,
                                 std::size_t index, const Listed& found) {
  if (index == children->size()) {
    CheckListed(run, found);
    return;
  }
  const std::string url = (*children)[index];
  FetchListing(run, url, found, [this, run, children, index, found](watchers::Listing) {
    FetchChildren(run, children, index + 1, found);
  });
}

// Keeps the listed documents that pass `include`, marks the vanished ones removed, then
// checks the rest.
void Engine::Impl::CheckListed(const RunPtr& run, const Listed& found) {
  ReportSkipped(run);
  std::vector<std::string> uris;
  std::unordered_set<std::string> present;
  for (auto& document : *found) {
    if (run->source->include && !run->source->include->Matches(document.uri)) continue;
    if (!present.insert(document.uri).second) continue;
    if (run->listing_only) {
      run->result.listed.push_back(std::move(document));
      continue;
    }
    if (document.modified_unix_seconds) {
      run->listed_modified_ms[document.uri] = *document.modified_unix_seconds * 1000;
    }
    uris.push_back(document.uri);
  }
  found->clear();
  MarkVanished(run, std::move(present), [this, run, uris = std::move(uris)]() mutable {
    run->uris = std::move(uris);
    PumpDocuments(run);
  });
}

// Listed entries of other schemes are left out rather than made documents that fail for
// ever: counted at every run, logged when their number changes (at debug level otherwise).
void Engine::Impl::ReportSkipped(const RunPtr& run) {
  WatchedSource& source = *run->source;
  const watchers::SkippedEntries& skipped = run->skipped;
  if (source.removed) return;
  const bool news = skipped.count != source.skipped_last_run;
  source.skipped_last_run = skipped.count;
  if (skipped.count == 0) return;
  metrics.CountListingSkipped(source.labels, "scheme", skipped.count);
  spdlog::log(news ? spdlog::level::info : spdlog::level::debug,
              "source {}: {} listed entries skipped: not http or https (such as {})", run->name,
              skipped.count,
              skipped.example_scheme.empty() ? "a relative URL" : skipped.example_scheme + ":");
}

void Engine::Impl::PumpDocuments(const RunPtr& run) {
  if (run->source->removed) run->next = run->uris.size();  // no new work for a removed source
  while (run->active < kDocumentWindow && run->next < run->uris.size()) {
    ++run->active;
    CheckHttpDocument(run, run->uris[run->next++]);
  }
  if (run->active == 0 && run->held == 0 && run->next >= run->uris.size()) FinishRun(run);
}

// Store read (validators, masks) on a worker, fetch on the loop, normalize and record on a
// worker, account on the loop.
void Engine::Impl::CheckHttpDocument(const RunPtr& run, const std::string& uri) {
  store::DocumentKey key{run->name, uri};
  if (confirming.contains(ConfirmingKey(key))) {  // its last check is not recorded yet
    --run->active;                                // PumpDocuments, the caller, goes on
    return;
  }
  OnWorker(
      [this, key] { return store.Get(key); },
      [this, run, key](Result<store::DocumentRecord> stored) {
        if (!stored.ok() && !stored.status().IsNotFound() && !stored.status().IsCorruption()) {
          // Unreadable: not fetched, accounted as a store error.
          Account(*run->source, Recorded{key, stored.status(), {}, "", 0, 0}, &run->result);
          --run->active;
          PumpDocuments(run);
          return;
        }
        // A corrupt record (reported) is fetched in full, and recorded afresh.
        std::optional<store::DocumentRecord> previous =
            stored.ok() ? std::optional(std::move(stored).value()) : std::nullopt;
        const bool indexed = Indexed(previous);
        watchers::HttpRequest request = RequestFor(run->source->config, key.uri);
        std::vector<std::string> masks;
        if (previous && !previous->removed) {
          if (indexed) {
            request.if_none_match = previous->etag;
            request.if_modified_since = previous->last_modified;
          }
          masks = std::move(previous->volatile_masks);
        }
        const std::string host = HostOf(key.uri);
        SubmitBudgeted(
            *run->source, host,
            [this, run, key, host, request = std::move(request), masks = std::move(masks)] {
              if (stopped) return;
              if (!run->source->removed) metrics.CountRequests(run->source->labels);
              fetcher.Fetch(
                  request, [this, run, key, host, masks](watchers::HttpResponse response) {
                    fetch_queue.Done(host, response);
                    if (!run->source->removed) {
                      metrics.ObserveFetchSeconds(run->source->labels, response.duration_seconds);
                    }
                    OnWorker(
                        [this, key, masks, normalizer = run->source->normalizer,
                         may_hold = MayHold(), listed_ms = ListedModified(*run, key.uri),
                         workload = run->source->config.workload, response = std::move(response)] {
                          watchers::Normalized normalized;
                          store::Observation observation = watchers::HttpObservation(
                              NowMs(), *normalizer, response, key.uri, masks, &normalized);
                          // The listing's date stands in for a Last-Modified the server did not
                          // send.
                          if (observation.kind == store::Observation::Kind::kFetched &&
                              observation.modified_ms == 0) {
                            observation.modified_ms = listed_ms;
                          }
                          Recorded recorded{key,
                                            Status::Cancelled("held for confirmation"),
                                            std::move(observation),
                                            std::move(normalized.text),
                                            normalized.masked,
                                            normalized.invalid_utf8};
                          recorded.truncated = normalized.truncated;
                          recorded.held = may_hold && WouldChange(store, key, recorded.observation);
                          if (!recorded.held) {
                            recorded.result =
                                RecordCheck(key, workload, recorded.observation, recorded.text);
                            if (recorded.result.ok() && Changed(recorded.result->outcome)) {
                              KeepSketch(key, recorded.observation.content_hash, recorded.text);
                            }
                          }
                          return recorded;
                        },
                        [this, run](Recorded recorded) {
                          if (recorded.held) {
                            --run->active;  // out of the window while its probes wait
                            ConfirmChange(run, std::move(recorded));
                            PumpDocuments(run);
                            return;
                          }
                          Account(*run->source, recorded, &run->result);
                          const auto outcome = recorded.result.ok() ? recorded.result->outcome
                                                                    : store::CheckOutcome::kError;
                          if (recorded.result.ok() && ShouldProbe(*run, outcome)) {
                            if (outcome == store::CheckOutcome::kNew) ++run->new_documents_probed;
                            ProbeVolatility(run->source, std::move(recorded.key),
                                            {std::move(recorded.text)}, options.probe_delay);
                          }
                          --run->active;
                          PumpDocuments(run);
                        });
                  });
            });
      });
}

namespace {

// The probe's fetch, normalized under the document's current masks; nullopt when the
// document is gone or the body does not normalize.
std::optional<std::string> NormalizeProbe(const store::StateStore& store,
                                          const watchers::Normalizer& normalizer,
                                          const store::DocumentKey& key,
                                          const watchers::HttpResponse& response) {
  // Gone, or unreadable: no probe (a failed read is logged where the checks record).
  Result<store::DocumentRecord> current = store.Get(key);
  if (!current.ok() || current->removed) return std::nullopt;
  auto normalized = normalizer.NormalizeBody(response.body, response.content_type, key.uri,
                                             response.charset, current->volatile_masks);
  if (normalized.error != watchers::FetchError::kNone) return std::nullopt;
  return std::move(normalized.text);
}

// Stores the masks the probes confirmed; returns how many were added. *masked_text is the
// checked text under the masks when the recorded hash became its hash.
std::size_t LearnFromProbes(store::StateStore& store, const store::DocumentKey& key,
                            const std::vector<std::string>& texts, std::string* masked_text) {
  Result<store::DocumentRecord> current = store.Get(key);
  if (!current.ok() || current->removed) return 0;
  const std::size_t before = current->volatile_masks.size();
  std::vector<std::string> masks =
      watchers::ConfirmVolatileMasks(texts, std::move(current->volatile_masks));
  if (masks.size() == before) return 0;
  // The hash becomes that of the checked text under the masks, and only if nothing was
  // recorded since: a real edit that landed between the probes stays a change.
  std::size_t hidden = 0;
  const std::string masked = watchers::ApplyMasks(texts[0], masks, &hidden);
  Status stored = store.SetVolatileMasks(key, masks, watchers::ContentHash(texts[0]),
                                         watchers::ContentHash(masked));
  if (!stored.ok()) {
    if (!stored.IsNotFound()) spdlog::error("cannot store volatile masks: {}", stored.ToString());
    return 0;
  }
  if (current->content_hash == watchers::ContentHash(texts[0])) *masked_text = masked;
  return masks.size() - before;
}

}  // namespace

bool Engine::Impl::ShouldProbe(const SourceRun& run, store::CheckOutcome outcome) const {
  const watchers::ProbeBudget budget{options.new_documents_probed_per_run,
                                     static_cast<std::size_t>(options.max_probes_waiting)};
  return watchers::ShouldProbe(outcome == store::CheckOutcome::kChanged,
                               outcome == store::CheckOutcome::kNew, run.new_documents_probed,
                               probe_timers.size(), budget);
}

void Engine::Impl::ProbeVolatility(const std::shared_ptr<WatchedSource>& source,
                                   store::DocumentKey key, std::vector<std::string> texts,
                                   std::chrono::milliseconds delay) {
  ProbeVolatility(source, key, std::move(texts), delay,
                  [this, key](std::vector<std::string> probed) {
                    OnWorker(
                        [this, key, probed = std::move(probed)] {
                          std::string masked;
                          const std::size_t learned = LearnFromProbes(store, key, probed, &masked);
                          if (!masked.empty()) {
                            KeepSketch(key, watchers::ContentHash(masked), masked);
                          }
                          return learned;
                        },
                        [key](std::size_t learned) {
                          if (learned == 0) return;
                          spdlog::info("source {}: {} volatile parts of {} masked from now on",
                                       key.source, learned, key.uri);
                        });
                  });
}

void Engine::Impl::ProbeVolatility(const std::shared_ptr<WatchedSource>& source,
                                   store::DocumentKey key, std::vector<std::string> texts,
                                   std::chrono::milliseconds delay, ProbesDone done) {
  const std::uint64_t id = ++last_probe_timer;
  auto& timer = probe_timers[id];
  timer = clock.CreateTimer(io);
  timer->Schedule(delay, [this, id, source, key = std::move(key), texts = std::move(texts), delay,
                          done = std::move(done)]() mutable {
    probe_timers.erase(id);  // the callback runs on: its captures are its own
    if (stopped) return;
    if (source->removed) return done(std::move(texts));
    const std::string host = HostOf(key.uri);
    SubmitBudgeted(
        *source, host,
        [this, source, host, delay, key = std::move(key), texts = std::move(texts),
         done = std::move(done)]() mutable {
          if (stopped) return;
          // Built before `key` is moved into the callback (argument order is unspecified).
          watchers::HttpRequest request = RequestFor(source->config, key.uri);
          if (!source->removed) metrics.CountRequests(source->labels);
          fetcher.Fetch(std::move(request), [this, source, host, delay, key = std::move(key),
                                             texts = std::move(texts),
                                             done](watchers::HttpResponse response) {
            fetch_queue.Done(host, response);
            if (response.error != watchers::FetchError::kNone) return done(texts);
            OnWorker(
                [this, key, normalizer = source->normalizer, response = std::move(response)] {
                  return NormalizeProbe(store, *normalizer, key, response);
                },
                [this, source, key, texts, delay, done](std::optional<std::string> text) mutable {
                  if (!text) return done(std::move(texts));
                  texts.push_back(std::move(*text));
                  const watchers::NextProbe next = watchers::PlanNextProbe(
                      texts, delay, {options.probe_delay, options.slow_probe_delay});
                  switch (next.step) {
                    case watchers::NextProbe::Step::kRetrySlower:
                      texts.pop_back();
                      [[fallthrough]];
                    case watchers::NextProbe::Step::kFetch:
                      ProbeVolatility(source, key, std::move(texts), next.delay, std::move(done));
                      return;
                    case watchers::NextProbe::Step::kDone:
                      break;
                  }
                  done(std::move(texts));
                });
          });
        });
  });
}

}  // namespace freshd::daemon
