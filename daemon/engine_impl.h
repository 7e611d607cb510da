// The engine's private state, shared by engine.cc (runs, accounting), engine_configure.cc
// (configuration), engine_http.cc (pages, sitemaps, feeds) and engine_directory.cc (folders).
#pragma once

#include <atomic>
#include <boost/asio/post.hpp>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/engine.h"
#include "daemon/fetch_queue.h"
#include "daemon/request_gate.h"
#include "watchers/fetcher.h"
#include "watchers/listing.h"
#include "watchers/normalize.h"
#include "watchers/url.h"
#include "watchers/url_filter.h"

namespace freshd::daemon {

// The store's key for the time of a source's last completed run (SourceState::last_run_ms).
inline std::string LastRunKey(const std::string& source) { return "runs/" + source; }

struct GitClone;  // engine_git.cc

struct WatchedSource {
  config::Source config;
  std::shared_ptr<const watchers::Normalizer> normalizer;
  std::shared_ptr<const watchers::UrlFilter> include;
  metrics::SourceLabels labels;
  SourceState state;
  bool removed = false;  // left the configuration; a run still in flight reports nothing
  std::size_t skipped_last_run = 0;       // listing entries of other schemes, for the log
  std::shared_ptr<GitClone> git_clone;    // git sources: the bare clone, once opened
  std::size_t git_submodules_logged = 0;  // submodules last said not to be followed
};

// One run of a source over its documents. Lives on the event loop.
struct SourceRun {
  std::shared_ptr<WatchedSource> source;
  std::string name;  // a copy, for workers: `source->config` may change on a reload
  std::vector<std::string> uris;
  // The listing's change dates (sitemap lastmod, feed dates), Unix ms, of the documents that
  // have one: reported history where the server sends no Last-Modified.
  std::unordered_map<std::string, std::int64_t> listed_modified_ms;
  std::size_t next = 0;
  std::size_t active = 0;
  // Documents whose change waits for its confirmation probes; out of the window, and the
  // run ends only once they are recorded too.
  int new_documents_probed = 0;
  bool listing_only = false;  // Engine::ListSource: the listing is the result
  // Whether the run ends only once its changes' confirmations are recorded (not for
  // Engine::CheckDocuments: an adaptive source's next checks must not wait minutes).
  bool waits_for_confirmations = true;
  std::size_t held = 0;              // changes waiting for their confirmation, when the run waits
  watchers::SkippedEntries skipped;  // by the listings of this run
  SourceRunResult result;
  Engine::RunCallback done;
};
using RunPtr = std::shared_ptr<SourceRun>;
struct DirectoryWalk;  // engine_directory.cc
struct GitWalk;        // engine_git.cc
using Listed = std::shared_ptr<std::vector<watchers::ListedDocument>>;

// A recorded check, carried from a worker back to the event loop for accounting.
struct Recorded {
  store::DocumentKey key;
  Result<store::RecordResult> result;  // not OK: nothing was recorded
  store::Observation observation;
  std::string text;              // the normalized text, for the volatility probe
  std::size_t masked = 0;        // volatile fragments the document's masks hid
  std::size_t invalid_utf8 = 0;  // ill-formed UTF-8 sequences replaced by U+FFFD
  // Not recorded yet: the text differs from the recorded one, and the change is confirmed
  // by the volatility probes first (ConfirmChange). `result` is then not meaningful.
  bool held = false;
  bool truncated = false;  // the document was read in part (max_pages, the size cap)
};

struct Engine::Impl : std::enable_shared_from_this<Engine::Impl> {
  Impl(boost::asio::io_context& io_context, boost::asio::thread_pool& worker_pool,
       store::StateStore& state, metrics::Metrics& metric_registry,
       const scheduler::Clock& time_source, watchers::Fetcher& url_fetcher,
       EngineOptions engine_options);

  std::int64_t NowMs() const { return scheduler::ToUnixMillis(clock.Now()); }

  // Whether the document needs no full fetch for the index: true without indexing, or once
  // the RAG side holds its chunks. A document not indexed is fetched without validators, so
  // that it gets indexed (indexing added to an existing store, a source re-added).
  bool Indexed(const std::optional<store::DocumentRecord>& previous) const {
    return options.indexer == nullptr || (previous && previous->indexed);
  }

  // A document's stored record before its check, on a worker: nullopt when it is new, or
  // corrupt (reported by the store; then fetched in full and recorded afresh); an error
  // when it cannot be read (then nothing is observed or recorded).
  Result<std::optional<store::DocumentRecord>> PreviousRecord(const store::DocumentKey& key) const;

  // Records a check, with its index operations when indexing is on. On a worker.
  Result<store::RecordResult> RecordCheck(const store::DocumentKey& key,
                                          const std::string& workload,
                                          const store::Observation& observation,
                                          std::string_view text);

  // Runs `work` on a worker, then `then(result)` on the event loop, unless stopped.
  template <typename Work, typename Then>
  void OnWorker(Work work, Then then) {
    ++on_workers;
    boost::asio::post(workers, [self = shared_from_this(), work = std::move(work),
                                then = std::move(then)]() mutable {
      if (self->stopped) {
        --self->on_workers;
        return;
      }
      auto result = work();
      boost::asio::post(self->io,
                        [self, then = std::move(then), result = std::move(result)]() mutable {
                          if (!self->stopped) then(std::move(result));
                          --self->on_workers;
                        });
    });
  }

  // A request for one of the source's documents (a check or a probe): through the source's
  // request budget, then the host's queue. Listings go to the queue directly.
  void SubmitBudgeted(const WatchedSource& source, const std::string& host,
                      std::function<void()> start) {
    gate.Submit(source.config.name,
                [this, name = source.config.name, host,
                 start = std::move(start)](scheduler::TimePoint granted) mutable {
                  if (stopped) return;
                  fetch_queue.Submit(host, [this, name, granted, start = std::move(start)] {
                    gate.Sent(name, granted);
                    start();
                  });
                });
  }

  static std::int64_t ListedModified(const SourceRun& run, const std::string& uri) {
    auto found = run.listed_modified_ms.find(uri);
    return found == run.listed_modified_ms.end() ? 0 : found->second;
  }

  // engine.cc
  // Whether a run of `source` may start now: configured, not stopping, none in flight.
  bool MayStart(const std::string& source) const;
  // Answers a run that did not start (SourceRunResult::skipped), on the loop.
  void Skip(const std::string& source, RunCallback done);
  RunPtr NewRun(std::shared_ptr<WatchedSource> source, RunCallback done);  // marked running
  void StartRun(std::shared_ptr<WatchedSource> source, RunCallback done);
  void FinishRun(const RunPtr& run);
  void SourceFailed(const RunPtr& run, watchers::FetchError error, const std::string& message);
  void RefuseListingDrop(const RunPtr& run, const std::string& message);
  void Account(WatchedSource& source, const Recorded& recorded, SourceRunResult* result);
  void AccountAll(const RunPtr& run, const std::vector<Recorded>& recorded);
  // Marks the stored documents of the run's source that are not in `present` gone (removed
  // on their second miss), then calls `then` on the loop. When more than the source's
  // max_listing_drop of its documents would go at once, marks none and fails the source.
  void MarkVanished(const RunPtr& run, std::unordered_set<std::string> present,
                    std::function<void()> then);

  // engine_http.cc
  void StartListingRun(const RunPtr& run);
  void FetchListing(const RunPtr& run, const std::string& url, const Listed& found,
                    std::function<void(watchers::Listing)> parsed);
  void FetchChildren(const RunPtr& run, std::shared_ptr<std::vector<std::string>> children,
                     std::size_t index, const Listed& found);
  void CheckListed(const RunPtr& run, const Listed& found);
  void ReportSkipped(const RunPtr& run);
  void PumpDocuments(const RunPtr& run);
  void CheckHttpDocument(const RunPtr& run, const std::string& uri);
  watchers::HttpRequest RequestFor(const config::Source& source, const std::string& url) const;
  // Fetches a page twice more, options.probe_delay apart (PlanNextProbe), and masks the
  // parts that differed both times: a new page, after its first check is recorded (a
  // change waits for its probes instead: ConfirmChange). `texts`: the normalized texts so far.
  void ProbeVolatility(const std::shared_ptr<WatchedSource>& source, store::DocumentKey key,
                       std::vector<std::string> texts, std::chrono::milliseconds delay);
  bool ShouldProbe(const SourceRun& run, store::CheckOutcome outcome) const;
  // The same probes, then `done(texts)` on the loop with the texts gathered (fewer than
  // watchers::kProbeTexts when a probe failed or the source went); not called once stopped.
  using ProbesDone = std::function<void(std::vector<std::string> texts)>;
  void ProbeVolatility(const std::shared_ptr<WatchedSource>& source, store::DocumentKey key,
                       std::vector<std::string> texts, std::chrono::milliseconds delay,
                       ProbesDone done);

  // engine_confirm.cc
  // Whether a check that would record a change may be held for its confirmation probes.
  bool MayHold() const;
  // Probes a held check (`held.text` is its text), then records it as one check: the masks
  // the probes confirmed are stored and applied first, so a difference that was volatile
  // text is unchanged. Accounts it in the run, which ends once nothing is held.
  // When the quick probes masked a part but the text still differs from the recorded one
  // in other lines (a request id learned, a clock showing minutes not yet), they are made
  // again at the slow pace once before the check is recorded.
  void ConfirmChange(const RunPtr& run, Recorded held);
  void ProbeHeld(const RunPtr& run, std::shared_ptr<Recorded> held, std::string text,
                 std::chrono::milliseconds delay, bool slow_done);
  // On a worker: stores the masks and records the held check (see ConfirmChange), unless
  // the slower probes are still to come: then `*probe_again` is the text they start from.
  Recorded RecordConfirmed(const std::string& workload, Recorded held,
                           const std::vector<std::string>& texts, bool slow_done,
                           std::optional<std::string>* probe_again);
  // On a worker, after a check recorded a new text: keeps its line sketch for a later
  // confirmation (watchers::LineSketch). A failure is logged: confirmations then count the
  // next volatile difference as a change.
  void KeepSketch(const store::DocumentKey& key, const std::string& hash, std::string_view text);

  // engine_directory.cc
  void StartDirectoryRun(const RunPtr& run);
  void NextDirectoryBatch(const RunPtr& run, std::shared_ptr<DirectoryWalk> walk);

  // engine_git.cc
  void StartGitRun(const RunPtr& run);
  void NextGitBatch(const RunPtr& run, std::shared_ptr<GitWalk> walk);

  boost::asio::io_context& io;
  boost::asio::thread_pool& workers;
  store::StateStore& store;
  metrics::Metrics& metrics;
  const scheduler::Clock& clock;
  EngineOptions options;
  watchers::Fetcher& fetcher;  // shared with no one else; Stop() cancels what it has
  // Documents whose change waits for its confirmation probes ("source\nuri"): not checked
  // again until it is recorded.
  std::unordered_set<std::string> confirming;
  static std::string ConfirmingKey(const store::DocumentKey& key) {
    return key.source + "\n" + key.uri;
  }
  FetchQueue fetch_queue;
  RequestGate gate;  // the request budgets of adaptive sources
  std::map<std::string, std::shared_ptr<WatchedSource>> sources;
  std::unordered_set<std::string> running;  // sources with a run in flight
  // Volatility probes waiting for their delay; destroying a timer cancels its probe.
  std::map<std::uint64_t, std::unique_ptr<scheduler::Timer>> probe_timers;
  std::uint64_t last_probe_timer = 0;
  std::atomic<bool> stopped{false};        // read by workers
  std::atomic<std::size_t> on_workers{0};  // OnWorker jobs whose `then` has not run yet
};

}  // namespace freshd::daemon
