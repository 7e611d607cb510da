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
  return [this, &key, &workload, text](
             const store::RecordResult& decided, store::WriteSet& writes) {
    const CheckOutcome outcome = decided.outcome;
    if (outcome != CheckOutcome::kRemoved && !IsFetchedContent(outcome)) return;
    const std::string manifest_key = DocumentChunksKey(key.source, key.uri);
    std::optional<DocumentChunks> before = LoadManifest(store_, manifest_key);
    const std::int64_t now_ms = decided.document.last_check_ms;

    if (outcome == CheckOutcome::kRemoved) {
      if (!before) return;  // never indexed, or already removed
      Queue(DiffChunks(&*before, nullptr, now_ms), writes);
      writes.Delete(Table::kChunkManifests, manifest_key);
      return;
    }
    // Unchanged text needs no work, unless the document was never indexed.
    if (outcome == CheckOutcome::kUnchanged && before) return;

    DocumentChunks after;
    after.metadata = {workload, key.source, key.uri, now_ms, decided.document.content_hash};
    after.chunks = ChunkText(manifest_key, text, options_);
    Queue(DiffChunks(before ? &*before : nullptr, &after, now_ms), writes);
    writes.Put(Table::kChunkManifests, manifest_key, EncodeDocumentChunks(after));
  };
}

bool Indexer::PlanReconcile(const std::vector<std::string>& held_ids, std::int64_t now_ms,
                            ReconcilePlan* plan, std::string* error) const {
  *plan = {};
  plan->held = held_ids.size();
  std::unordered_set<std::string> desired;
  store::WriteSet writes;
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
      IndexOperation upsert;
      upsert.kind = IndexOperation::Kind::kUpsert;
      upsert.chunk_id = chunk.id;
      upsert.text = chunk.text;
      upsert.metadata = manifest->metadata;
      upsert.detected_ms = now_ms;
      writes.AppendToOutbox(EncodeOperation(upsert));
      ++plan->missing;
    }
    return true;
  });
  plan->desired = desired.size();
  for (const std::string& id : held_ids) {
    if (desired.contains(id)) continue;
    IndexOperation removal;
    removal.kind = IndexOperation::Kind::kDelete;
    removal.chunk_id = id;
    removal.detected_ms = now_ms;
    writes.AppendToOutbox(EncodeOperation(removal));
    ++plan->extra;
  }
  // The ledger of held chunks becomes what the sink said it holds.
  store_.Scan(Table::kSinkChunks, "", "", [&](std::string_view id, std::string_view) {
    if (!std::binary_search(held_ids.begin(), held_ids.end(), id)) {
      writes.Delete(Table::kSinkChunks, std::string(id));
    }
    return true;
  });
  for (const std::string& id : held_ids) {
    if (!store_.Get(Table::kSinkChunks, id)) writes.Put(Table::kSinkChunks, id, "");
  }
  if (!decoded_all) {
    *error = "some chunk manifests could not be decoded; their documents are repaired on their "
             "next change";
  }
  return store_.Apply(writes, error);
}

}  // namespace freshd::rag
