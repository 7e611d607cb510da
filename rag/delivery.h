// The delivery loop: sends the outbox's operations to the sink in batches, on a thread of
// its own (sinks and embedders block), and removes them only once the sink acknowledged
// them. While the sink fails it retries with exponential backoff; nothing is lost, and
// replays are harmless because every sink is idempotent.
//
// Per batch: operations on the same chunk are coalesced (the last one wins), upserts go
// before deletes, vectors are looked up in Table::kVectors and only missing ones are
// embedded (then kept, so a retry never embeds twice), and the acknowledgement removes the
// operations and updates the ledger of held chunks in one atomic write.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "rag/embedder.h"
#include "rag/indexer.h"
#include "rag/sink.h"
#include "store/state_store.h"

namespace freshd::rag {

struct DeliveryOptions {
  std::size_t batch_size = 256;  // outbox entries per batch
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  std::chrono::milliseconds idle_poll{1000};  // re-reads the outbox at least this often
};

// What the loop reports, for metrics and logs. Called on the delivery thread; any may be
// empty.
struct DeliveryEvents {
  std::function<void(IndexOperation::Kind kind, bool ok, std::size_t count)> on_operations;
  std::function<void(double lag_seconds)> on_lag;
  std::function<void(std::uint64_t pending, std::uint64_t chunks_held)> on_totals;
  // The sink failed (first failure, and each failure with another message) or recovered
  // (error empty): one log line per state change, not per retry.
  std::function<void(const std::string& error)> on_state;
};

struct BatchResult {
  bool ok = false;
  std::string error;
  std::size_t delivered = 0;  // outbox entries removed
};

class Delivery {
 public:
  Delivery(store::StateStore& store, Sink& sink, Embedder& embedder, const Indexer& indexer,
           std::function<std::int64_t()> now_ms, DeliveryOptions options = {},
           DeliveryEvents events = {});
  ~Delivery();  // stops the thread
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  void Start();
  void Stop();    // waits for the batch in flight
  void Notify();  // operations were appended: deliver now rather than at the next poll

  // Synchronous use (the `once` and `reconcile` commands, tests); not while started.
  BatchResult DeliverBatch();
  // Batches until the outbox is empty or a batch fails.
  BatchResult DeliverAll();

  // Compares the sink's chunks with the manifests and queues the repairs. Runs on the
  // delivery thread when started (between batches), else here; `done` gets the plan or
  // the error.
  using ReconcileDone = std::function<void(bool ok, const Indexer::ReconcilePlan& plan,
                                           const std::string& error)>;
  void Reconcile(ReconcileDone done);

  std::uint64_t ChunksHeld() const;

 private:
  void Loop();
  void RunReconcile(const ReconcileDone& done);
  void ReportTotals();
  void ReportState(const std::string& error);

  store::StateStore& store_;
  Sink& sink_;
  Embedder& embedder_;
  const Indexer& indexer_;
  std::function<std::int64_t()> now_ms_;
  DeliveryOptions options_;
  DeliveryEvents events_;

  std::atomic<std::uint64_t> chunks_held_{0};
  std::string last_error_;  // delivery thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool notified_ = false;
  std::vector<ReconcileDone> reconcile_requests_;
  std::thread thread_;
};

}  // namespace freshd::rag
