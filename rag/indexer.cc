#include "rag/indexer.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "rag/operations.h"

namespace freshd::rag {
namespace {

using store::CheckOutcome;

// The document's manifest: nullopt when it has none, or when it is corrupt (reported: the
// new manifest replaces it). Fails when it cannot be read.
Result<std::optional<DocumentChunks>> LoadManifest(const store::StateStore& store,
                                                   store::TableId manifests,
                                                   const std::string& manifest_key) {
  Result<std::string> bytes = store.Get(manifests, manifest_key);
  if (bytes.status().IsNotFound()) return std::optional<DocumentChunks>();
  if (!bytes.ok()) return bytes.status();
  std::optional<DocumentChunks> manifest = DecodeDocumentChunks(*bytes);
  if (!manifest) store.ReportCorrupt("a chunk manifest is corrupt; replaced");
  return manifest;
}

void Queue(const std::vector<IndexOperation>& operations, store::WriteSet& writes) {
  for (const IndexOperation& operation : operations) {
    writes.AppendToOutbox(EncodeOperation(operation));
  }
}

bool IsFetchedContent(CheckOutcome outcome) {
  return outcome == CheckOutcome::kNew || outcome == CheckOutcome::kChanged ||
         outcome == CheckOutcome::kUnchanged;
}

}  // namespace

Indexer::Indexer(store::StateStore& store, ChunkingOptions options)
    : store_(store), tables_(TablesOf(store)), options_(options) {}

Status Indexer::Plan(const store::DocumentKey& key, const std::string& workload,
                     std::string_view text, store::DocumentTransaction& transaction) const {
  store::RecordResult& decided = transaction.decided();
  store::WriteSet& writes = transaction.writes();
  const CheckOutcome outcome = decided.outcome;
  if (outcome != CheckOutcome::kRemoved && !IsFetchedContent(outcome)) return Status::OK();
  const std::string manifest_key = DocumentChunksKey(key.source, key.uri);
  // Unchanged text needs no work, unless the document was never indexed.
  if (outcome == CheckOutcome::kUnchanged && decided.document.indexed) return Status::OK();
  Result<std::optional<DocumentChunks>> loaded =
      LoadManifest(store_, tables_.chunk_manifests, manifest_key);
  if (!loaded.ok()) return loaded.status();
  const std::optional<DocumentChunks>& before = *loaded;
  if (outcome == CheckOutcome::kUnchanged && before) {
    decided.document.indexed = true;
    return Status::OK();
  }
  const std::int64_t now_ms = decided.document.last_check_ms;

  if (outcome == CheckOutcome::kRemoved) {
    decided.document.indexed = false;
    if (!before) return Status::OK();  // never indexed, or already removed
    Queue(DiffChunks(&*before, nullptr, now_ms), writes);
    writes.Delete(tables_.chunk_manifests, manifest_key);
    return Status::OK();
  }

  DocumentChunks after;
  const store::DocumentRecord& document = decided.document;
  after.metadata = {workload,          key.source,    key.uri,      now_ms, document.content_hash,
                    document.revision, document.path, document.link};
  after.chunks = ChunkText(manifest_key, text, options_);
  Queue(DiffChunks(before ? &*before : nullptr, &after, now_ms), writes);
  writes.Put(tables_.chunk_manifests, manifest_key, EncodeDocumentChunks(after));
  decided.document.indexed = true;
  return Status::OK();
}

Result<store::RecordResult> Indexer::Record(const store::DocumentKey& key,
                                            const std::string& workload,
                                            const store::Observation& observation,
                                            std::string_view text) const {
  Result<store::DocumentTransaction> transaction = store_.Begin(key, observation);
  if (!transaction.ok()) return transaction.status();
  if (Status planned = Plan(key, workload, text, *transaction); !planned.ok()) return planned;
  return store_.Commit(std::move(transaction).value());
}

namespace {

constexpr std::size_t kWritesPerApply = 4096;  // bounds memory when a whole sink is re-sent

// Applies the writes collected so far when there are many; at the end, `force` applies
// the rest.
Status Flush(store::StateStore& store, store::WriteSet& writes, bool force) {
  if (writes.empty() || (!force && writes.size() < kWritesPerApply)) return Status::OK();
  Status applied = store.Apply(writes);
  writes = store::WriteSet();
  return applied;
}

IndexOperation UpsertOf(const Chunk& chunk, const ChunkMetadata& metadata, std::int64_t now_ms) {
  IndexOperation upsert;
  upsert.kind = IndexOperation::Kind::kUpsert;
  upsert.chunk_id = chunk.id;
  upsert.text = chunk.text;
  upsert.metadata = metadata;
  upsert.detected_ms = now_ms;
  upsert.page = chunk.page;
  upsert.heading = chunk.heading;
  return upsert;
}

// Makes the ledger of held chunks (`ledger`, Tables::sink_chunks) what the sink said it holds.
Status RewriteLedger(store::StateStore& store, store::TableId ledger,
                     const std::vector<std::string>& held_ids, store::WriteSet& writes) {
  Status status = Status::OK();
  Status scanned = store.Scan(ledger, "", "", [&](std::string_view id, std::string_view) {
    if (!std::binary_search(held_ids.begin(), held_ids.end(), id)) {
      writes.Delete(ledger, std::string(id));
    }
    status = Flush(store, writes, false);
    return status.ok();
  });
  if (!status.ok()) return status;
  if (!scanned.ok()) return scanned;
  for (const std::string& id : held_ids) {
    Result<bool> has = store.Has(ledger, id);
    if (!has.ok()) return has.status();
    if (!*has) writes.Put(ledger, id, "");
    if (Status flushed = Flush(store, writes, false); !flushed.ok()) return flushed;
  }
  return Flush(store, writes, true);
}

}  // namespace

Result<Indexer::ReconcilePlan> Indexer::PlanReconcile(const std::vector<std::string>& held_ids,
                                                      std::int64_t now_ms) const {
  ReconcilePlan plan;
  plan.held = held_ids.size();
  // With operations pending, the sink lags behind the manifests by design: comparing now
  // would queue every pending chunk a second time.
  if (const std::uint64_t pending = store_.OutboxSize(); pending > 0) {
    return Status::Unavailable(
        std::to_string(pending) +
        " index operations are still pending; reconcile once the sink has them all");
  }
  std::unordered_set<std::string> desired;
  store::WriteSet writes;
  Status status = Status::OK();
  bool decoded_all = true;
  Status scanned =
      store_.Scan(tables_.chunk_manifests, "", "", [&](std::string_view, std::string_view bytes) {
        std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes);
        if (!manifest) {
          store_.ReportCorrupt("a chunk manifest is corrupt; reconcile deletes nothing");
          decoded_all = false;
          return true;
        }
        for (const Chunk& chunk : manifest->chunks) {
          desired.insert(chunk.id);
          if (std::binary_search(held_ids.begin(), held_ids.end(), chunk.id)) continue;
          writes.AppendToOutbox(EncodeOperation(UpsertOf(chunk, manifest->metadata, now_ms)));
          ++plan.missing;
        }
        status = Flush(store_, writes, false);
        return status.ok();
      });
  plan.desired = desired.size();
  if (!status.ok()) return status;
  if (!scanned.ok() || !decoded_all) {
    // What the unread manifests hold is unknown: deleting "extra" chunks could delete
    // theirs. Missing chunks are still queued.
    if (Status flushed = Flush(store_, writes, true); !flushed.ok()) return flushed;
    if (!scanned.ok()) {
      return scanned.WithContext("reading the chunk manifests failed: nothing was deleted");
    }
    return Status::Corruption(
        "some chunk manifests could not be decoded: stale chunks were not deleted; their "
        "documents are repaired on their next change");
  }
  for (const std::string& id : held_ids) {
    if (desired.contains(id)) continue;
    IndexOperation removal;
    removal.kind = IndexOperation::Kind::kDelete;
    removal.chunk_id = id;
    removal.detected_ms = now_ms;
    writes.AppendToOutbox(EncodeOperation(removal));
    ++plan.extra;
    if (Status flushed = Flush(store_, writes, false); !flushed.ok()) return flushed;
  }
  if (Status rewritten = RewriteLedger(store_, tables_.sink_chunks, held_ids, writes);
      !rewritten.ok()) {
    return rewritten;
  }
  return plan;
}

Result<std::uint64_t> Indexer::ForgetSource(std::string_view source, std::int64_t now_ms) const {
  const std::string prefix = std::string(source) + '\0';
  store::WriteSet writes;
  std::uint64_t deletes = 0;
  Status status = Status::OK();
  Status scanned = store_.Scan(
      tables_.chunk_manifests, prefix, "", [&](std::string_view key, std::string_view bytes) {
        if (std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes)) {
          for (const IndexOperation& removal : DiffChunks(&*manifest, nullptr, now_ms)) {
            writes.AppendToOutbox(EncodeOperation(removal));
            ++deletes;
          }
        } else {
          store_.ReportCorrupt("a chunk manifest of a removed source is corrupt; dropped");
        }
        writes.Delete(tables_.chunk_manifests, std::string(key));
        status = Flush(store_, writes, false);
        return status.ok();
      });
  if (!status.ok()) return status;
  if (Status flushed = Flush(store_, writes, true); !flushed.ok()) return flushed;
  // A scan cut short leaves manifests behind: the caller tries again.
  if (!scanned.ok()) return scanned;
  // Re-added, its documents are indexed again.
  if (Status marked = store_.MarkUnindexed(source); !marked.ok()) return marked;
  return deletes;
}

Result<std::uint64_t> Indexer::QueueResendAll(std::int64_t now_ms) const {
  store::WriteSet writes;
  std::uint64_t upserts = 0;
  Status status = Status::OK();
  Status scanned =
      store_.Scan(tables_.chunk_manifests, "", "", [&](std::string_view, std::string_view bytes) {
        if (std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes)) {
          for (const Chunk& chunk : manifest->chunks) {
            writes.AppendToOutbox(EncodeOperation(UpsertOf(chunk, manifest->metadata, now_ms)));
            ++upserts;
          }
        } else {
          store_.ReportCorrupt("a chunk manifest is corrupt; its chunks are not re-embedded");
        }
        status = Flush(store_, writes, false);
        return status.ok();
      });
  if (!status.ok()) return status;
  if (Status flushed = Flush(store_, writes, true); !flushed.ok()) return flushed;
  if (!scanned.ok()) return scanned;
  return upserts;
}

}  // namespace freshd::rag
