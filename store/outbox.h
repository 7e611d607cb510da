// The outbox: index operations waiting for the sink, in the order of their sequence numbers.
// It owns the numbering and its rule: appends are numbered and written under one lock, so
// that they become visible in the order of their numbers, and a single reader that removed
// everything before `from` may start reading there. Private to store/.
//
// Thread-safe: Commit may be called from any thread; Read and Size too.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/state_store.h"

namespace freshd::store {

class Outbox {
 public:
  // `family` is the outbox's column family; `dir` names the store in messages.
  Outbox(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family, std::string dir);

  // Counts the stored entries and continues the numbering after the last one. Once, at open.
  Status Load();

  // A table's column family; null for a TableId the store did not give.
  using FamilyOf = std::function<rocksdb::ColumnFamilyHandle*(TableId)>;
  // Adds `writes` to `batch` (appends numbered here, other tables' writes through
  // `family_of`) and writes it, atomically. Takes the appending lock only when `writes`
  // appends. InvalidArgument, writing nothing, when a write names an unknown table.
  Status Commit(rocksdb::WriteBatch& batch, WriteSet& writes, const FamilyOf& family_of,
                const rocksdb::WriteOptions& options);

  Result<std::vector<OutboxEntry>> Read(std::size_t limit, std::uint64_t from) const;
  std::uint64_t Size() const;

 private:
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* family_;
  std::string dir_;
  std::atomic<std::uint64_t> next_sequence_{1};
  // Signed: a delivery may remove entries before the appender has counted them.
  std::atomic<std::int64_t> size_{0};
  std::mutex append_mutex_;  // held from numbering appends to their write
};

}  // namespace freshd::store
