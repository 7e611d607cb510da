// The state store's private state, shared by state_store.cc (opening, tables, values, the
// public methods) and documents.cc (a document's records: transactions, history, pruning,
// masks). Private to store/.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/outbox.h"
#include "store/state_store.h"

namespace freshd::store {

constexpr std::size_t kLockStripes = 64;

struct DocumentTransaction::State {
  std::unique_lock<std::mutex> lock;  // the document's stripe, until the end
  std::string document_key;
  rocksdb::WriteBatch batch;  // the check and the history it trims
  RecordResult result;
  WriteSet writes;
};

struct StateStore::Impl {
  std::string dir;
  StoreOptions options;
  std::shared_ptr<rocksdb::Cache> cache;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every family, owned
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  rocksdb::ColumnFamilyHandle* documents = nullptr;
  rocksdb::ColumnFamilyHandle* history = nullptr;
  std::vector<std::string> table_names;              // declared, in TableId order
  std::vector<rocksdb::ColumnFamilyHandle*> tables;  // the same order; owned by handles
  std::unique_ptr<Outbox> outbox;
  // Serializes read-modify-write of one document between Record and PruneHistory.
  mutable std::array<std::mutex, kLockStripes> stripes;

  ~Impl() {
    if (!db) return;
    // A clean stop leaves the memtables on disk, so that the next start does not replay
    // the write-ahead log (seconds after a large first pass). A crash skips this: nothing
    // is lost, the replay does it.
    db->Flush(rocksdb::FlushOptions(), handles).PermitUncheckedError();
    for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
    db->Close().PermitUncheckedError();
  }

  // sync = false, WAL on: each write reaches the WAL file (the OS page cache) before
  // Write() returns, so a crash or kill -9 of the process loses nothing; only a power loss
  // or kernel crash can, and SyncWal() (every second from the daemon) bounds that window
  // without paying an fdatasync per check.
  static rocksdb::WriteOptions WriteOptions() {
    rocksdb::WriteOptions options;
    options.sync = false;
    options.disableWAL = false;
    return options;
  }

  std::mutex& StripeFor(const std::string& document_key) const {
    return stripes[std::hash<std::string>{}(document_key) % kLockStripes];
  }

  void ReportCorrupt(const std::string& message) const {
    if (options.on_corrupt_record) options.on_corrupt_record(message);
  }

  Status Reading(const rocksdb::Status& status) const { return FromRocks(status, "reading", dir); }
  Status Writing(const rocksdb::Status& status) const {
    return FromRocks(status, "cannot write to", dir);
  }

  // The stored record: NotFound when absent, Corruption when present but undecodable (then
  // *undecodable is set: unlike a block RocksDB cannot read, such a record may be replaced).
  Result<DocumentRecord> Load(const std::string& document_key, bool* undecodable = nullptr) const;
  Result<DocumentRecord> RecoverBounds(const std::string& document_key) const;
  Result<DocumentTransaction> Begin(const DocumentKey& key, const Observation& seen);
  Result<RecordResult> Commit(DocumentTransaction::State& state);
  // Null for a TableId this store did not give.
  rocksdb::ColumnFamilyHandle* Family(TableId table) const {
    return table.index_ < tables.size() ? tables[table.index_] : nullptr;
  }
  Status Commit(rocksdb::WriteBatch& batch, WriteSet& writes) {
    return outbox->Commit(
        batch, writes, [this](TableId table) { return Family(table); }, WriteOptions());
  }
  Result<std::vector<CheckRecord>> History(const DocumentKey& key, std::size_t limit) const;
  Status ForEachDocument(
      std::string_view source, std::string_view after_uri,
      const std::function<bool(const DocumentKey&, const DocumentRecord&)>& visit) const;
  Result<std::size_t> PruneHistory(std::int64_t now_ms);
  Status SetVolatileMasks(const DocumentKey& key, const std::vector<std::string>& masks,
                          const std::string& expected_hash, const std::string& masked_hash);
  Result<std::size_t> PruneDocument(const std::string& document_key, std::int64_t cutoff_ms);
};

}  // namespace freshd::store
