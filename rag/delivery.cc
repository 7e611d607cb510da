#include "rag/delivery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <unordered_set>
#include <utility>

#include "common/backoff.h"

namespace freshd::rag {
namespace {

const scheduler::Clock& SystemClock() {
  static const scheduler::SystemClock clock;
  return clock;
}

constexpr int kMostSetAsideInARow = 3;

// One batch as the sink will see it, and the outbox entries it acknowledges.
struct PreparedBatch {
  std::vector<SinkOperation> operations;  // upserts first
  std::vector<std::uint64_t> sequences;   // every entry read, coalesced, dropped or sent
  std::size_t upserts = 0;
};

std::string SequenceKey(std::uint64_t sequence) {
  std::string key;
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(sequence >> shift));
  return key;
}

// The chunk ids of documents' manifests as they are now, read once per batch.
class ManifestView {
 public:
  ManifestView(const store::StateStore& store, store::TableId manifests)
      : store_(store), manifests_(manifests) {}

  // Whether the document of `operation` holds its chunk now. Operations without a
  // document (deletes queued by reconciliation) are taken as they are, and so are those of
  // a document whose manifest is corrupt (reported). Fails when a manifest cannot be read:
  // a failed read is not a document without chunks.
  Result<std::optional<bool>> Holds(const IndexOperation& operation) {
    if (operation.metadata.source.empty()) return std::optional<bool>();
    const std::string key = DocumentChunksKey(operation.metadata.source, operation.metadata.uri);
    auto found = ids_.find(key);
    if (found == ids_.end()) {
      Result<Ids> loaded = Load(key);
      if (!loaded.ok()) return loaded.status();
      found = ids_.emplace(key, std::move(loaded).value()).first;
    }
    if (!found->second) return std::optional<bool>();
    return std::optional<bool>(found->second->contains(operation.chunk_id));
  }

 private:
  using Ids = std::optional<std::unordered_set<std::string>>;  // nullopt: corrupt manifest

  Result<Ids> Load(const std::string& key) const {
    std::unordered_set<std::string> ids;
    Result<std::string> bytes = store_.Get(manifests_, key);
    if (bytes.status().IsNotFound()) return Ids(std::move(ids));
    if (!bytes.ok()) return bytes.status();
    std::optional<DocumentChunks> manifest = DecodeDocumentChunks(*bytes);
    if (!manifest) {
      store_.ReportCorrupt("a chunk manifest is corrupt; its operations are sent as queued");
      return Ids();
    }
    for (const Chunk& chunk : manifest->chunks) ids.insert(chunk.id);
    return Ids(std::move(ids));
  }

  const store::StateStore& store_;
  store::TableId manifests_;
  std::map<std::string, Ids> ids_;
};

// Whether the operation still says what its document wants: an upsert of a chunk the
// document still has, a delete of one it no longer has.
Result<bool> StillWanted(const IndexOperation& operation, ManifestView& manifests) {
  Result<std::optional<bool>> holds = manifests.Holds(operation);
  if (!holds.ok()) return holds.status();
  if (!*holds) return true;
  return operation.kind == IndexOperation::Kind::kUpsert ? **holds : !**holds;
}

Result<PreparedBatch> Prepare(const std::vector<store::OutboxEntry>& entries,
                              ManifestView& manifests) {
  PreparedBatch batch;
  std::map<std::string, IndexOperation> last_by_chunk;  // the last operation on a chunk wins
  std::vector<std::string> order;
  for (const store::OutboxEntry& entry : entries) {
    batch.sequences.push_back(entry.sequence);
    std::optional<IndexOperation> operation = DecodeOperation(entry.operation);
    if (!operation) {
      spdlog::error("index outbox entry {} cannot be decoded; dropped", entry.sequence);
      continue;
    }
    auto [it, inserted] = last_by_chunk.insert_or_assign(operation->chunk_id, *operation);
    if (inserted) order.push_back(operation->chunk_id);
  }
  for (IndexOperation::Kind kind : {IndexOperation::Kind::kUpsert, IndexOperation::Kind::kDelete}) {
    for (const std::string& id : order) {
      IndexOperation& operation = last_by_chunk.at(id);
      if (operation.kind != kind) continue;
      Result<bool> wanted = StillWanted(operation, manifests);
      if (!wanted.ok()) return wanted.status();
      if (!*wanted) continue;
      batch.operations.push_back({std::move(operation), {}});
      if (kind == IndexOperation::Kind::kUpsert) ++batch.upserts;
    }
  }
  return batch;
}

std::string EncodeVector(const Vector& vector) {
  std::string bytes(vector.size() * sizeof(float), '\0');
  std::memcpy(bytes.data(), vector.data(), bytes.size());
  return bytes;
}

Vector DecodeVector(std::string_view bytes) {
  Vector vector(bytes.size() / sizeof(float));
  std::memcpy(vector.data(), bytes.data(), vector.size() * sizeof(float));
  return vector;
}

}  // namespace

Delivery::Delivery(store::StateStore& store, Sink& sink, Embedder& embedder, const Indexer& indexer,
                   std::function<std::int64_t()> now_ms, DeliveryOptions options,
                   DeliveryEvents events)
    : store_(store),
      tables_(TablesOf(store)),
      sink_(sink),
      embedder_(embedder),
      indexer_(indexer),
      now_ms_(std::move(now_ms)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock()),
      events_(std::move(events)),
      batch_limit_(std::max<std::size_t>(1, options_.batch_size)) {
  std::uint64_t held = 0;
  Status counted =
      store_.Scan(tables_.sink_chunks, "", "", [&](std::string_view, std::string_view) {
        ++held;
        return true;
      });
  // Only a gauge: it is counted again at the next reconcile.
  if (!counted.ok()) spdlog::error("cannot count the chunks held: {}", counted.ToString());
  chunks_held_ = held;
}

Delivery::~Delivery() { Stop(); }

void Delivery::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Delivery::Stop() {
  std::vector<ReconcileDone> unanswered;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    unanswered.swap(reconcile_requests_);
  }
  for (const ReconcileDone& done : unanswered) done(Status::Cancelled("freshd is stopping"));
}

void Delivery::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_all();
}

std::uint64_t Delivery::ChunksHeld() const { return chunks_held_; }

void Delivery::Reconcile(ReconcileDone done) {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() && !stopping_) {
      reconcile_requests_.push_back(std::move(done));
      notified_ = true;
      wake_.notify_all();
      return;
    }
  }
  RunReconcile(done);
}

void Delivery::RunReconcile(const ReconcileDone& done) {
  Result<std::vector<std::string>> held = sink_.ListChunkIds();
  if (!held.ok()) {
    done(held.status().WithContext("cannot list the " + std::string(sink_.kind()) + " sink"));
    return;
  }
  std::sort(held->begin(), held->end());
  Result<Indexer::ReconcilePlan> planned = indexer_.PlanReconcile(*held, now_ms_());
  if (planned.ok()) chunks_held_ = held->size();
  ReportTotals();
  done(planned);
}

std::string Delivery::VectorKey(const std::string& chunk_id) const {
  return options_.vector_namespace + '\0' + chunk_id;
}

BatchResult Delivery::DeliverBatch() {
  BatchResult result;
  retry_now_ = false;
  Result<std::vector<store::OutboxEntry>> read = store_.ReadOutbox(batch_limit_, read_from_);
  if (!read.ok()) {
    result.status = read.status();
    return result;
  }
  const std::vector<store::OutboxEntry>& entries = *read;
  if (entries.empty()) {
    return result;
  }
  ManifestView manifests(store_, tables_.chunk_manifests);
  Result<PreparedBatch> prepared = Prepare(entries, manifests);
  if (!prepared.ok()) {  // the operations stay queued, and are tried again after a backoff
    result.status = prepared.status();
    return result;
  }
  PreparedBatch& batch = *prepared;
  const std::size_t deletes = batch.operations.size() - batch.upserts;
  auto count_failure = [&] {
    if (!events_.on_operations) return;
    if (batch.upserts > 0)
      events_.on_operations(IndexOperation::Kind::kUpsert, false, batch.upserts);
    if (deletes > 0) events_.on_operations(IndexOperation::Kind::kDelete, false, deletes);
  };

  // Vectors: kept ones first; only the others are embedded, and kept at once.
  if (embedder_.kind() != "none" && batch.upserts > 0) {
    std::vector<std::string> texts;
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < batch.upserts; ++i) {
      SinkOperation& upsert = batch.operations[i];
      Result<std::string> kept = store_.Get(tables_.vectors, VectorKey(upsert.operation.chunk_id));
      if (kept.ok()) {
        upsert.vector = DecodeVector(*kept);
      } else if (!kept.status().IsNotFound()) {
        result.status = kept.status();
        return result;
      } else {
        texts.push_back(upsert.operation.text);
        positions.push_back(i);
      }
    }
    if (!texts.empty()) {
      Result<std::vector<Vector>> embedded = embedder_.Embed(texts);
      if (!embedded.ok() || embedded->size() != texts.size()) {
        result.status = embedded.ok() ? Status::Unavailable("the embedder answered too few vectors")
                                      : embedded.status().WithContext("embedding failed");
        count_failure();
        Narrow(result, entries.size());
        if (result.permanent() && entries.size() == 1 &&
            SetAside(entries[0], result.status.message())) {
          result.delivered = 1;
        }
        return result;
      }
      store::WriteSet kept;
      for (std::size_t j = 0; j < positions.size(); ++j) {
        SinkOperation& upsert = batch.operations[positions[j]];
        upsert.vector = std::move((*embedded)[j]);
        kept.Put(tables_.vectors, VectorKey(upsert.operation.chunk_id),
                 EncodeVector(upsert.vector));
      }
      // A lost cache entry only costs a second embedding: logged, not fatal to the batch.
      if (Status stored = store_.Apply(kept); !stored.ok()) {
        spdlog::warn("cannot keep the vectors of a batch: {}", stored.ToString());
      }
    }
  }

  Status status;
  if (!batch.operations.empty()) status = sink_.Apply(batch.operations);
  if (!status.ok()) {
    result.status = status;
    count_failure();
    Narrow(result, entries.size());
    if (result.permanent() && entries.size() == 1 && SetAside(entries[0], status.message())) {
      result.delivered = 1;
    }
    return result;
  }

  // Acknowledged: the operations leave the outbox, and the ledger follows the sink.
  store::WriteSet acknowledged;
  std::int64_t held_change = 0;
  for (std::uint64_t sequence : batch.sequences) acknowledged.RemoveFromOutbox(sequence);
  for (const SinkOperation& sent : batch.operations) {
    const std::string& id = sent.operation.chunk_id;
    Result<bool> held = store_.Has(tables_.sink_chunks, id);
    if (!held.ok()) {  // not acknowledged: sent again later, which is harmless
      result.status = held.status();
      return result;
    }
    const bool was_held = *held;
    if (sent.operation.kind == IndexOperation::Kind::kUpsert && !was_held) {
      acknowledged.Put(tables_.sink_chunks, id, "");
      ++held_change;
    }
    if (sent.operation.kind == IndexOperation::Kind::kDelete) {
      acknowledged.Delete(tables_.vectors, VectorKey(id));
      if (was_held) {
        acknowledged.Delete(tables_.sink_chunks, id);
        --held_change;
      }
    }
  }
  if (Status applied = store_.Apply(acknowledged); !applied.ok()) {
    result.status = applied;
    return result;
  }
  read_from_ = batch.sequences.back() + 1;
  chunks_held_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(chunks_held_) + held_change);

  failures_in_a_row_ = 0;
  set_aside_in_a_row_ = 0;
  batch_limit_ = std::min(options_.batch_size, batch_limit_ * 2);  // widen again after narrowing
  result.delivered = batch.sequences.size();
  if (events_.on_operations) {
    if (batch.upserts > 0)
      events_.on_operations(IndexOperation::Kind::kUpsert, true, batch.upserts);
    if (deletes > 0) events_.on_operations(IndexOperation::Kind::kDelete, true, deletes);
  }
  if (events_.on_lag) {
    const std::int64_t now = now_ms_();
    for (const SinkOperation& sent : batch.operations) {
      events_.on_lag(std::max<std::int64_t>(0, now - sent.operation.detected_ms) / 1000.0);
    }
  }
  return result;
}

// After a failure the next batch is smaller: at once when the sink blamed the content,
// after two failures in a row otherwise (a sink that is down fails whatever the size).
void Delivery::Narrow(const BatchResult& failed, std::size_t attempted) {
  ++failures_in_a_row_;
  retry_now_ = failed.permanent() && attempted > 1;
  if (failed.permanent() || failures_in_a_row_ >= 2) {
    batch_limit_ = std::max<std::size_t>(1, std::min(batch_limit_, attempted) / 2);
  }
}

// Moves an operation the sink refuses for good out of the outbox, where it would block
// every operation behind it, into the dead letters (kept for a person to look at).
bool Delivery::SetAside(const store::OutboxEntry& entry, const std::string& error) {
  if (set_aside_in_a_row_ >= kMostSetAsideInARow) return false;
  ++set_aside_in_a_row_;
  store::WriteSet writes;
  writes.RemoveFromOutbox(entry.sequence);
  writes.Put(tables_.dead_letters, SequenceKey(entry.sequence), error + '\0' + entry.operation);
  if (Status applied = store_.Apply(writes); !applied.ok()) {
    spdlog::error("cannot set an operation aside: {}", applied.ToString());
    return false;
  }
  read_from_ = entry.sequence + 1;  // the first entry read: everything before it is gone
  std::optional<IndexOperation> operation = DecodeOperation(entry.operation);
  retry_now_ = true;
  spdlog::error(
      "rag sink {}: refused the {} of chunk {} ({}) for good: {}; set aside in the "
      "dead letters, the rest goes on",
      sink_.kind(), operation ? ToString(operation->kind) : "operation",
      operation ? operation->chunk_id : "?", operation ? operation->metadata.uri : "", error);
  failures_in_a_row_ = 0;
  return true;
}

BatchResult Delivery::DeliverAll() {
  BatchResult total;
  for (;;) {
    BatchResult batch = DeliverBatch();
    total.delivered += batch.delivered;
    if (!batch.ok() && !retry_now_) {
      total.status = batch.status;
      break;
    }
    if (batch.ok() && batch.delivered == 0) break;
  }
  ReportTotals();
  return total;
}

void Delivery::ReportTotals() {
  if (events_.on_totals) events_.on_totals(store_.OutboxSize(), chunks_held_);
}

void Delivery::ReportState(const std::string& error) {
  if (error == last_error_) return;
  last_error_ = error;
  if (events_.on_state) events_.on_state(error);
}

void Delivery::Loop() {
  std::uint32_t failures = 0;  // batches failed in a row
  bool prepared = false;       // the sink's Prepare succeeded
  for (;;) {
    std::vector<ReconcileDone> reconciles;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      reconciles.swap(reconcile_requests_);
    }
    for (const ReconcileDone& done : reconciles) RunReconcile(done);

    // A sink that cannot be prepared is failing, even with nothing to deliver yet.
    BatchResult batch;
    if (!prepared) {
      batch.status = sink_.Prepare();
      prepared = batch.ok();
    }
    if (prepared) batch = DeliverBatch();
    ReportTotals();
    std::chrono::milliseconds wait{0};
    if (!batch.ok() && !retry_now_) {
      ReportState(batch.status.message());
      wait = ExponentialBackoff(options_.first_backoff, failures++, options_.max_backoff);
    } else if (batch.ok()) {
      ReportState("");
      failures = 0;
      if (batch.delivered == 0) wait = options_.idle_poll;
    }
    // A batch refused for its content is narrowed and retried at once.
    if (wait.count() == 0) continue;
    std::unique_lock lock(mutex_);
    // A notification cuts an idle wait short, never a backoff.
    const bool idle = batch.ok();
    clock_.WaitFor(lock, wake_, wait, [&] {
      return stopping_ || !reconcile_requests_.empty() || (idle && notified_);
    });
    notified_ = false;
  }
}

}  // namespace freshd::rag
