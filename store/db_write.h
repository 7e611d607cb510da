// The one door through which the store writes to RocksDB. Private to store/.
//
// Every write goes through WriteToDb, which is never inlined, so that ThreadSanitizer can
// be told about RocksDB's group commit by that function's name (scripts/tsan.supp): Debian's
// RocksDB is not built with TSan, and the leader of a write group copies the other writers'
// batches with atomics TSan cannot see. Nothing else happens in this function, so the
// suppression hides no race of freshd's own.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <string_view>

namespace freshd::store {

[[gnu::noinline]] rocksdb::Status WriteToDb(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                                            rocksdb::WriteBatch& batch);

// One Put, as a batch of one through WriteToDb.
rocksdb::Status PutToDb(rocksdb::DB& db, const rocksdb::WriteOptions& options,
                        rocksdb::ColumnFamilyHandle* family, std::string_view key,
                        std::string_view value);

}  // namespace freshd::store
