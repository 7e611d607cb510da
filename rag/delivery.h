// The delivery loop: sends the outbox's operations to the sink in batches, on a thread of
// its own (sinks and embedders block), and removes them only once the sink acknowledged
// them. While the sink fails it retries with exponential backoff; nothing is lost, and
// replays are harmless because every sink is idempotent.
//
// Per batch: operations on the same chunk are coalesced (the last one wins), upserts go
// before deletes, and each operation is checked against its document's manifest as it is
// now: an upsert of a chunk the document no longer has, or a delete of one it has again,
// is dropped (so that operations queued by reconciliation in between can never undo a
// newer change). Vectors are looked up in Tables::vectors and only missing ones are
// embedded (then kept, so a retry never embeds twice); the acknowledgement removes the
// operations and updates the ledger of held chunks in one atomic write.
//
// A batch that keeps failing is narrowed (halved after each failure) down to one
// operation; an operation the sink refuses for good (IsRefusal, rag/embedder.h) is then moved
// to Tables::dead_letters, logged and counted, so that one poison chunk cannot stop the rest.
// When three operations in a row are refused so, the sink refuses everything (a wrong key,
// token or table: a configuration problem), and nothing more is set aside: the loop backs
// off and retries until it is fixed.
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
#include "scheduler/clock.h"
#include "store/state_store.h"

namespace freshd::rag {

struct DeliveryOptions {
  std::size_t batch_size = 256;  // outbox entries per batch
  // Kept vectors are filed under this name (the embedder's kind, model and size), so that
  // a vector of another embedder is never sent.
  std::string vector_namespace = "default";
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
  std::chrono::milliseconds idle_poll{1000};  // re-reads the outbox at least this often
  // Measures the backoff and idle waits (its monotonic time); null: the system clock. A
  // test's ManualClock makes the loop wait until the test advances it.
  const scheduler::Clock* clock = nullptr;
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
  Status status;              // OK once the batch was acknowledged (or there was none)
  std::size_t delivered = 0;  // outbox entries removed (acknowledged, dropped or set aside)
  bool ok() const { return status.ok(); }
  // The sink or embedder refused the batch for its content (see rag::IsRefusal).
  bool permanent() const { return IsRefusal(status); }
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
  // why there is none.
  using ReconcileDone = std::function<void(const Result<Indexer::ReconcilePlan>& plan)>;
  void Reconcile(ReconcileDone done);

  std::uint64_t ChunksHeld() const;

 private:
  void Loop();
  void Narrow(const BatchResult& failed, std::size_t attempted);
  bool SetAside(const store::OutboxEntry& entry, const std::string& error);
  std::string VectorKey(const std::string& chunk_id) const;
  void RunReconcile(const ReconcileDone& done);
  void ReportTotals();
  void ReportState(const std::string& error);

  store::StateStore& store_;
  Tables tables_;
  Sink& sink_;
  Embedder& embedder_;
  const Indexer& indexer_;
  std::function<std::int64_t()> now_ms_;
  DeliveryOptions options_;
  const scheduler::Clock& clock_;
  DeliveryEvents events_;

  std::atomic<std::uint64_t> chunks_held_{0};
  std::string last_error_;   // delivery thread only
  std::size_t batch_limit_;  // narrowed while batches fail; delivery thread only
  int failures_in_a_row_ = 0;
  bool retry_now_ = false;
  int set_aside_in_a_row_ = 0;  // with no delivery between: the sink refuses everything
  // Everything before this sequence has left the outbox: reads start here, so they never
  // walk the tombstones of what was delivered (which made a large first pass quadratic).
  std::uint64_t read_from_ =
      0;  // the
          // last batch was refused for its content, and narrowed or set aside

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool notified_ = false;
  std::vector<ReconcileDone> reconcile_requests_;
  std::thread thread_;
};

}  // namespace freshd::rag
