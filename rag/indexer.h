// Keeps the RAG side in step with the checks (DESIGN.md 7), durably.
//
// A check is recorded as a store::DocumentTransaction: the store decides the outcome, the
// Indexer cuts the new text into chunks, compares them with the document's stored manifest,
// and plans the manifest and the index operations into the transaction's writes; the commit
// writes them in the same WriteBatch as the check. A change and the operations it causes are
// therefore never apart: a crash either keeps both or neither.
//
// Thread-safe: it keeps no state of its own beyond its options.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "rag/chunking.h"
#include "rag/tables.h"
#include "store/state_store.h"

namespace freshd::rag {

class Indexer {
 public:
  // `store` was opened with the RAG side's tables (DeclareTables); otherwise every method
  // fails with InvalidArgument.
  Indexer(store::StateStore& store, ChunkingOptions options);

  // Plans the writes of a check of `key` (a source of `workload`) whose normalized text is
  // `text` ("" when nothing was fetched) into `transaction` (begun for that check): for a new
  // or changed document, upserts of its new chunks then deletes of its vanished ones; for a
  // removed one, deletes of all its chunks. It marks the document indexed
  // (DocumentRecord::indexed) when the RAG side has its chunks; one that is not (indexing
  // added to an existing store) is indexed on its next full fetch. Fails when the document's
  // manifest cannot be read (then commit nothing): a failed read is never taken for a
  // document without chunks. A corrupt manifest is reported and replaced.
  Status Plan(const store::DocumentKey& key, const std::string& workload, std::string_view text,
              store::DocumentTransaction& transaction) const;

  // Begin, Plan, Commit: records the check of `key` with its index operations.
  Result<store::RecordResult> Record(const store::DocumentKey& key, const std::string& workload,
                                     const store::Observation& observation,
                                     std::string_view text) const;

  // A source left the configuration: deletes of all its chunks are queued, its manifests
  // dropped and its documents marked not indexed (its check records stay). Returns the deletes
  // queued. A corrupt manifest is reported and dropped (its chunks are left to reconcile).
  Result<std::uint64_t> ForgetSource(std::string_view source, std::int64_t now_ms) const;

  // An upsert of every chunk is queued, so that the sink gets them again: with vectors of a
  // new embedder, or metadata in a new format. Returns the upserts queued.
  Result<std::uint64_t> QueueResendAll(std::int64_t now_ms) const;

  struct ReconcilePlan {
    std::uint64_t desired = 0;  // chunks the manifests say the sink should hold
    std::uint64_t held = 0;     // chunks the sink holds
    std::uint64_t missing = 0;  // desired, not held: upserts queued
    std::uint64_t extra = 0;    // held, not desired: deletes queued
  };
  // Queues, in the outbox, the operations that make a sink holding `held_ids` (sorted)
  // hold exactly what the manifests say, and makes the ledger of held chunks
  // (Tables::sink_chunks) equal to `held_ids`. Refuses while operations are pending (the sink
  // is behind by design then), and queues no delete when a manifest cannot be read or
  // decoded, or when the scan of the manifests was cut short. Holds every desired id in
  // memory once; writes in pages.
  Result<ReconcilePlan> PlanReconcile(const std::vector<std::string>& held_ids,
                                      std::int64_t now_ms) const;

 private:
  store::StateStore& store_;
  Tables tables_;
  ChunkingOptions options_;
};

}  // namespace freshd::rag
