#include "rag/delivery.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <utility>

namespace freshd::rag {
namespace {

using store::Table;

// One batch as the sink will see it, and the outbox entries it acknowledges.
struct PreparedBatch {
  std::vector<SinkOperation> operations;  // upserts first
  std::vector<std::uint64_t> sequences;   // every entry read, coalesced or not
  std::size_t upserts = 0;
};

PreparedBatch Coalesce(const std::vector<store::OutboxEntry>& entries) {
  PreparedBatch batch;
  std::map<std::string, IndexOperation> last_by_chunk;  // the last operation on a chunk wins
  std::vector<std::string> order;
  for (const store::OutboxEntry& entry : entries) {
    batch.sequences.push_back(entry.sequence);
    std::optional<IndexOperation> operation = DecodeOperation(entry.operation);
    if (!operation) continue;  // unreadable: dropped with the batch's acknowledgement
    auto [it, inserted] = last_by_chunk.insert_or_assign(operation->chunk_id, *operation);
    if (inserted) order.push_back(operation->chunk_id);
  }
  for (IndexOperation::Kind kind : {IndexOperation::Kind::kUpsert, IndexOperation::Kind::kDelete}) {
    for (const std::string& id : order) {
      IndexOperation& operation = last_by_chunk.at(id);
      if (operation.kind == kind) batch.operations.push_back({std::move(operation), {}});
    }
  }
  batch.upserts = static_cast<std::size_t>(std::count_if(
      batch.operations.begin(), batch.operations.end(), [](const SinkOperation& operation) {
        return operation.operation.kind == IndexOperation::Kind::kUpsert;
      }));
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

Delivery::Delivery(store::StateStore& store, Sink& sink, Embedder& embedder,
                   const Indexer& indexer, std::function<std::int64_t()> now_ms,
                   DeliveryOptions options, DeliveryEvents events)
    : store_(store),
      sink_(sink),
      embedder_(embedder),
      indexer_(indexer),
      now_ms_(std::move(now_ms)),
      options_(options),
      events_(std::move(events)) {
  std::uint64_t held = 0;
  store_.Scan(Table::kSinkChunks, "", "", [&](std::string_view, std::string_view) {
    ++held;
    return true;
  });
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
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
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
  Indexer::ReconcilePlan plan;
  ChunkIdList held = sink_.ListChunkIds();
  if (!held.ok) {
    done(false, plan, "cannot list the " + std::string(sink_.kind()) + " sink: " + held.error);
    return;
  }
  std::sort(held.ids.begin(), held.ids.end());
  std::string error;
  const bool ok = indexer_.PlanReconcile(held.ids, now_ms_(), &plan, &error);
  chunks_held_ = held.ids.size();
  ReportTotals();
  done(ok, plan, error);
}

BatchResult Delivery::DeliverBatch() {
  BatchResult result;
  std::vector<store::OutboxEntry> entries = store_.ReadOutbox(options_.batch_size);
  if (entries.empty()) {
    result.ok = true;
    return result;
  }
  PreparedBatch batch = Coalesce(entries);

  // Vectors: kept ones first; only the others are embedded, and kept at once.
  if (embedder_.kind() != "none" && batch.upserts > 0) {
    std::vector<std::string> texts;
    std::vector<std::size_t> positions;
    for (std::size_t i = 0; i < batch.upserts; ++i) {
      SinkOperation& upsert = batch.operations[i];
      auto kept = store_.Get(Table::kVectors, upsert.operation.chunk_id);
      // A kept vector of another size was made by an embedder configured before.
      if (kept && (embedder_.dims() == 0 || kept->size() == static_cast<std::size_t>(embedder_.dims()) * sizeof(float))) {
        upsert.vector = DecodeVector(*kept);
      } else {
        texts.push_back(upsert.operation.text);
        positions.push_back(i);
      }
    }
    if (!texts.empty()) {
      EmbedResult embedded = embedder_.Embed(texts);
      if (!embedded.ok || embedded.vectors.size() != texts.size()) {
        result.error = "embedding failed: " + embedded.error;
        if (events_.on_operations) {
          events_.on_operations(IndexOperation::Kind::kUpsert, false, batch.upserts);
        }
        return result;
      }
      store::WriteSet kept;
      for (std::size_t j = 0; j < positions.size(); ++j) {
        SinkOperation& upsert = batch.operations[positions[j]];
        upsert.vector = std::move(embedded.vectors[j]);
        kept.Put(Table::kVectors, upsert.operation.chunk_id, EncodeVector(upsert.vector));
      }
      store_.Apply(kept, nullptr);  // a lost cache entry only costs a second embedding
    }
  }

  const std::size_t deletes = batch.operations.size() - batch.upserts;
  SinkStatus status{true, ""};
  if (!batch.operations.empty()) status = sink_.Apply(batch.operations);
  if (!status.ok) {
    result.error = status.error;
    if (events_.on_operations) {
      if (batch.upserts > 0) {
        events_.on_operations(IndexOperation::Kind::kUpsert, false, batch.upserts);
      }
      if (deletes > 0) events_.on_operations(IndexOperation::Kind::kDelete, false, deletes);
    }
    return result;
  }

  // Acknowledged: the operations leave the outbox, and the ledger follows the sink.
  store::WriteSet acknowledged;
  std::int64_t held_change = 0;
  for (std::uint64_t sequence : batch.sequences) acknowledged.RemoveFromOutbox(sequence);
  for (const SinkOperation& sent : batch.operations) {
    const std::string& id = sent.operation.chunk_id;
    const bool was_held = store_.Get(Table::kSinkChunks, id).has_value();
    if (sent.operation.kind == IndexOperation::Kind::kUpsert && !was_held) {
      acknowledged.Put(Table::kSinkChunks, id, "");
      ++held_change;
    }
    if (sent.operation.kind == IndexOperation::Kind::kDelete) {
      acknowledged.Delete(Table::kVectors, id);
      if (was_held) {
        acknowledged.Delete(Table::kSinkChunks, id);
        --held_change;
      }
    }
  }
  if (!store_.Apply(acknowledged, &result.error)) return result;
  chunks_held_ = static_cast<std::uint64_t>(static_cast<std::int64_t>(chunks_held_) + held_change);

  result.ok = true;
  result.delivered = batch.sequences.size();
  if (events_.on_operations) {
    if (batch.upserts > 0) events_.on_operations(IndexOperation::Kind::kUpsert, true, batch.upserts);
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

BatchResult Delivery::DeliverAll() {
  BatchResult total;
  total.ok = true;
  for (;;) {
    BatchResult batch = DeliverBatch();
    total.delivered += batch.delivered;
    if (!batch.ok) {
      total.ok = false;
      total.error = batch.error;
      break;
    }
    if (batch.delivered == 0) break;
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
  std::chrono::milliseconds backoff{0};
  for (;;) {
    std::vector<ReconcileDone> reconciles;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      reconciles.swap(reconcile_requests_);
    }
    for (const ReconcileDone& done : reconciles) RunReconcile(done);

    BatchResult batch = DeliverBatch();
    ReportTotals();
    std::chrono::milliseconds wait{0};
    if (!batch.ok) {
      ReportState(batch.error);
      backoff = backoff.count() == 0 ? options_.first_backoff
                                     : std::min(backoff * 2, options_.max_backoff);
      wait = backoff;
    } else {
      ReportState("");
      backoff = std::chrono::milliseconds{0};
      if (batch.delivered == 0) wait = options_.idle_poll;
    }
    if (wait.count() == 0) continue;
    std::unique_lock lock(mutex_);
    // A notification cuts an idle wait short, never a backoff.
    const bool idle = batch.ok;
    wake_.wait_for(lock, wait, [&] {
      return stopping_ || !reconcile_requests_.empty() || (idle && notified_);
    });
    notified_ = false;
  }
}

}  // namespace freshd::rag
