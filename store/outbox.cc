#include "store/outbox.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "store/db_write.h"
#include "store/keys.h"
#include "store/open.h"

namespace freshd::store {

Outbox::Outbox(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, std::string dir)
    : db_(db), family_(family), dir_(std::move(dir)) {}

Status Outbox::Load() {
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(rocksdb::ReadOptions(), family_));
  std::uint64_t size = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++size;
  if (!it->status().ok()) return FromRocks(it->status(), "reading the outbox of", dir_);
  size_ = static_cast<std::int64_t>(size);
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the outbox of", dir_);
  if (it->Valid()) next_sequence_ = HistorySeq(it->key().ToStringView()) + 1;
  return Status::OK();
}

Status Outbox::Commit(rocksdb::WriteBatch& batch, WriteSet& writes, const FamilyOf& family_of,
                      const rocksdb::WriteOptions& options) {
  // Checked before any append is numbered, so that a refused set leaves no hole.
  for (const WriteSet::Write& write : writes.writes_) {
    const bool to_table =
        write.kind == WriteSet::Write::Kind::kPut || write.kind == WriteSet::Write::Kind::kDelete;
    if (to_table && family_of(write.table) == nullptr) {
      return Status::InvalidArgument("a write to a table handle the store " + dir_ +
                                     " did not give (see FindTable); nothing written");
    }
  }
  std::unique_lock<std::mutex> appending;
  if (writes.appends()) appending = std::unique_lock(append_mutex_);
  std::int64_t growth = 0;
  for (WriteSet::Write& write : writes.writes_) {
    switch (write.kind) {
      case WriteSet::Write::Kind::kPut:
        batch.Put(family_of(write.table), write.key, write.value);
        break;
      case WriteSet::Write::Kind::kDelete:
        batch.Delete(family_of(write.table), write.key);
        break;
      case WriteSet::Write::Kind::kAppend:
        batch.Put(family_, HistoryKey("", next_sequence_++), write.value);
        ++growth;
        break;
      case WriteSet::Write::Kind::kRemoveFromOutbox:
        batch.Delete(family_, HistoryKey("", write.sequence));
        --growth;
        break;
    }
  }
  // A failed write leaves holes in the numbering, which readers skip like removals.
  Status written = FromRocks(WriteToDb(db_, options, batch), "cannot write to", dir_);
  if (written.ok()) size_ += growth;
  return written;
}

Result<std::vector<OutboxEntry>> Outbox::Read(std::size_t limit, std::uint64_t from) const {
  std::vector<OutboxEntry> entries;
  const std::string lower = HistoryKey("", from);
  const rocksdb::Slice lower_bound(lower);
  rocksdb::ReadOptions read;
  read.iterate_lower_bound = &lower_bound;  // the tombstones before it are never walked
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read, family_));
  for (it->Seek(lower); it->Valid() && entries.size() < limit; it->Next()) {
    entries.push_back({HistorySeq(it->key().ToStringView()), it->value().ToString()});
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the outbox of", dir_);
  return entries;
}

std::uint64_t Outbox::Size() const {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, size_.load()));
}

}  // namespace freshd::store
