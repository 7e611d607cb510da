#include "rag/indexer.h"

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "rag/operations.h"

namespace freshd::rag {
namespace {

using store::CheckOutcome;
using store::Table;

std::optional<DocumentChunks> LoadManifest(const store::StateStore& store,
                                           const std::string& manifest_key) {
  std::optional<std::string> bytes = store.Get(Table::kChunkManifests, manifest_key);
  if (!bytes) return std::nullopt;
  return DecodeDocumentChunks(*bytes);
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
    : store_(store), options_(options) {}

store::StateStore::AlsoWrite Indexer::ForCheck(const store::DocumentKey& key,
                                               const std::string& workload,
                                               std::string_view text) const {
  return [this, &key, &workload, text](store::RecordResult& decided, store::WriteSet& writes) {
    const CheckOutcome outcome = decided.outcome;
    if (outcome != CheckOutcome::kRemoved && !IsFetchedContent(outcome)) return;
    const std::string manifest_key = DocumentChunksKey(key.source, key.uri);
    // Unchanged text needs no work, unless the document was never indexed.
    if (outcome == CheckOutcome::kUnchanged && decided.document.indexed) return;
    std::optional<DocumentChunks> before = LoadManifest(store_, manifest_key);
    if (outcome == CheckOutcome::kUnchanged && before) {
      decided.document.indexed = true;
      return;
    }
    const std::int64_t now_ms = decided.document.last_check_ms;

    if (outcome == CheckOutcome::kRemoved) {
      decided.document.indexed = false;
      if (!before) return;  // never indexed, or already removed
      Queue(DiffChunks(&*before, nullptr, now_ms), writes);
      writes.Delete(Table::kChunkManifests, manifest_key);
      return;
    }

    DocumentChunks after;
    after.metadata = {workload, key.source, key.uri, now_ms, decided.document.content_hash};
    after.chunks = ChunkText(manifest_key, text, options_);
    Queue(DiffChunks(before ? &*before : nullptr, &after, now_ms), writes);
    writes.Put(Table::kChunkManifests, manifest_key, EncodeDocumentChunks(after));
    decided.document.indexed = true;
  };
}

namespace {

constexpr std::size_t kWritesPerApply = 4096;  // bounds memory when a whole sink is re-sent

// Applies the writes collected so far when there are many; at the end, `force` applies
// the rest.
bool Flush(store::StateStore& store, store::WriteSet& writes, bool force, std::string* error) {
  if (writes.empty() || (!force && writes.size() < kWritesPerApply)) return true;
  const bool ok = store.Apply(writes, error);
  writes = store::WriteSet();
  return ok;
}

IndexOperation UpsertOf(const Chunk& chunk, const ChunkMetadata& metadata, std::int64_t now_ms) {
  IndexOperation upsert;
  upsert.kind = IndexOperation::Kind::kUpsert;
  upsert.chunk_id = chunk.id;
  upsert.text = chunk.text;
  upsert.metadata = metadata;
  upsert.detected_ms = now_ms;
  return upsert;
}

}  // namespace

bool Indexer::PlanReconcile(const std::vector<std::string>& held_ids, std::int64_t now_ms,
                            ReconcilePlan* plan, std::string* error) const {
  *plan = {};
  plan->held = held_ids.size();
  // With operations pending, the sink lags behind the manifests by design: comparing now
  // would queue every pending chunk a second time.
  if (const std::uint64_t pending = store_.OutboxSize(); pending > 0) {
    *error = std::to_string(pending) +
             " index operations are still pending; reconcile once the sink has them all";
    return false;
  }
  std::unordered_set<std::string> desired;
  store::WriteSet writes;
  bool ok = true;
  bool decoded_all = true;
  store_.Scan(Table::kChunkManifests, "", "", [&](std::string_view, std::string_view bytes) {
    std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes);
    if (!manifest) {
      decoded_all = false;
      return true;
    }
    for (const Chunk& chunk : manifest->chunks) {
      desired.insert(chunk.id);
      if (std::binary_search(held_ids.begin(), held_ids.end(), chunk.id)) continue;
      writes.AppendToOutbox(EncodeOperation(UpsertOf(chunk, manifest->metadata, now_ms)));
      ++plan->missing;
    }
    ok = Flush(store_, writes, false, error);
    return ok;
  });
  plan->desired = desired.size();
  if (ok && !decoded_all) {
    // What the unreadable manifests held is unknown: deleting "extra" chunks could delete
    // theirs. Missing chunks are still queued.
    *error =
        "some chunk manifests could not be decoded: stale chunks were not deleted; their "
        "documents are repaired on their next change";
    Flush(store_, writes, true, error);
    return false;
  }
  for (const std::string& id : held_ids) {
    if (!ok || desired.contains(id)) continue;
    IndexOperation removal;
    removal.kind = IndexOperation::Kind::kDelete;
    removal.chunk_id = id;
    removal.detected_ms = now_ms;
    writes.AppendToOutbox(EncodeOperation(removal));
    ++plan->extra;
    ok = Flush(store_, writes, false, error);
  }
  // The ledger of held chunks becomes what the sink said it holds.
  store_.Scan(Table::kSinkChunks, "", "", [&](std::string_view id, std::string_view) {
    if (!std::binary_search(held_ids.begin(), held_ids.end(), id)) {
      writes.Delete(Table::kSinkChunks, std::string(id));
    }
    return ok;
  });
  for (const std::string& id : held_ids) {
    if (ok && !store_.Has(Table::kSinkChunks, id)) writes.Put(Table::kSinkChunks, id, "");
    if (ok) ok = Flush(store_, writes, false, error);
  }
  return ok && Flush(store_, writes, true, error);
}

std::uint64_t Indexer::ForgetSource(std::string_view source, std::int64_t now_ms,
                                    std::string* error) const {
  const std::string prefix = std::string(source) + '\0';
  store::WriteSet writes;
  std::uint64_t deletes = 0;
  bool ok = true;
  store_.Scan(Table::kChunkManifests, prefix, "",
              [&](std::string_view key, std::string_view bytes) {
                if (std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes)) {
                  for (const IndexOperation& removal : DiffChunks(&*manifest, nullptr, now_ms)) {
                    writes.AppendToOutbox(EncodeOperation(removal));
                    ++deletes;
                  }
                }
                writes.Delete(Table::kChunkManifests, std::string(key));
                ok = Flush(store_, writes, false, error);
                return ok;
              });
  if (ok) Flush(store_, writes, true, error);
  if (ok) store_.MarkUnindexed(source, error);  // re-added, its documents are indexed again
  return deletes;
}

std::uint64_t Indexer::QueueReembedAll(std::int64_t now_ms, std::string* error) const {
  store::WriteSet writes;
  std::uint64_t upserts = 0;
  bool ok = true;
  store_.Scan(Table::kChunkManifests, "", "", [&](std::string_view, std::string_view bytes) {
    if (std::optional<DocumentChunks> manifest = DecodeDocumentChunks(bytes)) {
      for (const Chunk& chunk : manifest->chunks) {
        writes.AppendToOutbox(EncodeOperation(UpsertOf(chunk, manifest->metadata, now_ms)));
        ++upserts;
      }
    }
    ok = Flush(store_, writes, false, error);
    return ok;
  });
  if (ok) Flush(store_, writes, true, error);
  return upserts;
}

}  // namespace freshd::rag
