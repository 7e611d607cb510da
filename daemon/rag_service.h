// The RAG side of the daemon, built from the configuration: the embedder, the sink, the
// indexer whose writes ride with every check, and the delivery loop, reporting to the
// metrics (freshd_index_*) and the log. Settings under rag_store, chunking and embedder
// take effect at start-up (a reload that changes them says so in the log).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "config/config.h"
#include "metrics/metrics.h"
#include "rag/delivery.h"
#include "rag/embedded_index.h"
#include "rag/indexer.h"
#include "store/state_store.h"

namespace freshd::daemon {

class RagService {
 public:
  RagService(const config::Config& config, store::StateStore& store, metrics::Metrics& metrics,
             std::function<std::int64_t()> now_ms);
  ~RagService();  // stops the delivery loop
  RagService(const RagService&) = delete;
  RagService& operator=(const RagService&) = delete;

  const rag::Indexer& indexer() const { return *indexer_; }
  const std::string& sink_kind() const { return sink_kind_; }

  void Start();   // the delivery loop, on its own thread
  void Notify();  // a check queued operations
  void Stop();

  // The configuration's sources: the chunks of a source that was configured before and is
  // not any more (by a reload, or while freshd was stopped) are deleted from the sink once
  // it has been gone for rag_store.removed_source_grace; one that comes back in time keeps
  // them. Returns when to call again (a grace ends then), if ever. Blocks on the store:
  // call it on a worker.
  std::optional<std::int64_t> SyncSources(const config::Config& config, std::int64_t now_ms);

  // Delivers everything pending now (the `once` command); not while started.
  rag::BatchResult DeliverAll();

  // See rag::Delivery::Reconcile. `done` runs on the delivery thread (or here).
  void Reconcile(rag::Delivery::ReconcileDone done);

  // Only the embedded sink can be searched. Blocks (the query is embedded): call it on a
  // worker.
  bool CanSearch() const { return embedded_ != nullptr; }
  // Fails when the store cannot be read (never an empty answer then).
  Result<std::vector<rag::SearchHit>> Search(std::string_view query, std::size_t k);

  // The sink's state for GET /api/v1/index, `freshd status` and the status page: kind,
  // pending operations, chunks held, the last delivery error while it fails, and the lag:
  // when the oldest pending operation's change was detected (and its age), and the lag of
  // the last acknowledged operation with the time of that acknowledgement; and the sink's
  // warnings. Any thread; reads no disk (the event loop calls it).
  nlohmann::json StateJson() const;

 private:
  rag::DeliveryEvents MakeEvents(metrics::Metrics& metrics);

  std::atomic<std::uint64_t> pending_{0};
  std::atomic<std::uint64_t> chunks_{0};
  std::atomic<double> last_lag_seconds_{-1};  // < 0: nothing acknowledged since start-up
  std::atomic<std::int64_t> last_acknowledged_ms_{0};
  // When the change behind the oldest pending operation was detected; 0 when none is pending.
  std::atomic<std::int64_t> oldest_pending_detected_ms_{0};
  void NoteOldestPending(std::uint64_t pending);
  std::mutex sync_mutex_;  // one SyncSources at a time: it rewrites the stored roster
  mutable std::mutex error_mutex_;
  std::string error_;  // "" while delivering

  // Every chunk is sent again when what the sink gets from freshd changed since the last
  // start: the embedder (new vectors), or, for an `external` sink, the chunk metadata format.
  void ResendIfChanged(const std::string& fingerprint, bool external, std::int64_t now_ms);
  std::optional<std::optional<std::string>> StoredValue(const char* key);

  // The lag figures of StateJson().
  nlohmann::json LagJson() const;

  store::StateStore& store_;
  std::function<std::int64_t()> now_ms_;
  std::string sink_kind_;
  // Requested by Stop: the embedders' and the sink's blocking calls end early.
  std::stop_source stop_;
  std::unique_ptr<rag::Embedder> embedder_;        // for the delivery thread
  std::unique_ptr<rag::Embedder> query_embedder_;  // for searches, on workers
  std::unique_ptr<rag::Sink> sink_;
  rag::EmbeddedIndex* embedded_ = nullptr;  // sink_, when it is the embedded one
  std::unique_ptr<rag::Indexer> indexer_;
  std::unique_ptr<rag::Delivery> delivery_;
};

}  // namespace freshd::daemon
