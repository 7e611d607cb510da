// Sources fetched over HTTP: single pages, sitemaps (with their indexes) and feeds.
#include <spdlog/spdlog.h>

#include "daemon/engine_impl.h"
#include "daemon/observations.h"

namespace freshd::daemon {
namespace {

// Documents of one source checked at once; bounds memory for a 100,000-page sitemap.
constexpr std::size_t kDocumentWindow = 128;

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
  return request;
}

void Engine::Impl::StartListingRun(const RunPtr& run) {
  auto found = std::make_shared<std::vector<watchers::ListedDocument>>();
  FetchListing(run, run->source->config.url, found, [this, run, found](watchers::Listing listing) {
    auto children = std::make_shared<std::vector<std::string>>(std::move(listing.child_sitemaps));
    const auto limit = static_cast<std::size_t>(EngineOptions{}.max_child_sitemaps);
    if (children->size() > limit) children->resize(limit);
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
    http->Fetch(RequestFor(run->source->config, url), [this, run, url, found, host,
                                                       parsed](watchers::HttpResponse response) {
      fetch_queue.Done(host);
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
          [this, run, url, found, parsed](watchers::Listing listing) {
            if (!listing.ok) {
              SourceFailed(run, watchers::FetchError::kParse, url + ": " + listing.error);
              return;
            }
            for (auto& document : listing.documents) found->push_back(std::move(document));
            listing.documents.clear();
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
  std::vector<std::string> uris;
  std::unordered_set<std::string> present;
  for (const auto& document : *found) {
    if (run->source->include && !run->source->include->Matches(document.uri)) continue;
    if (present.insert(document.uri).second) uris.push_back(document.uri);
  }
  found->clear();
  MarkVanished(run, std::move(present), [this, run, uris = std::move(uris)]() mutable {
    run->uris = std::move(uris);
    PumpDocuments(run);
  });
}

void Engine::Impl::PumpDocuments(const RunPtr& run) {
  if (run->source->removed) run->next = run->uris.size();  // no new work for a removed source
  while (run->active < kDocumentWindow && run->next < run->uris.size()) {
    ++run->active;
    CheckHttpDocument(run, run->uris[run->next++]);
  }
  if (run->active == 0 && run->next >= run->uris.size()) FinishRun(run);
}

// Store read (validators) on a worker, fetch on the loop, normalize and record on a worker,
// account on the loop.
void Engine::Impl::CheckHttpDocument(const RunPtr& run, const std::string& uri) {
  store::DocumentKey key{run->name, uri};
  OnWorker(
      [this, key] { return store.Get(key); },
      [this, run, key](auto previous) {
        watchers::HttpRequest request = RequestFor(run->source->config, key.uri);
        if (previous && !previous->removed) {
          request.if_none_match = previous->etag;
          request.if_modified_since = previous->last_modified;
        }
        const std::string host = HostOf(key.uri);
        fetch_queue.Submit(host, [this, run, key, host, request = std::move(request)] {
          if (stopped) return;
          http->Fetch(request, [this, run, key, host](watchers::HttpResponse response) {
            fetch_queue.Done(host);
            if (!run->source->removed) {
              metrics.ObserveFetchSeconds(run->source->labels, response.duration_seconds);
            }
            OnWorker(
                [this, key, normalizer = run->source->normalizer, response = std::move(response)] {
                  store::Observation observation =
                      HttpObservation(NowMs(), *normalizer, response, key.uri);
                  auto result = store.Record(key, observation);
                  return Recorded{key, std::move(result), std::move(observation)};
                },
                [this, run](const Recorded& recorded) {
                  Account(*run->source, recorded, &run->result);
                  --run->active;
                  PumpDocuments(run);
                });
          });
        });
      });
}

}  // namespace freshd::daemon
