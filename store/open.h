// Opening a store: the folder must hold a store or nothing, the database is opened with
// every column family, and the schema version must be one this freshd reads. Private to
// store/.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/env.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace rocksdb {
class Cache;
}

namespace freshd::store {

// Makes sure `dir` is a folder that holds a store or nothing else (creating it when it does
// not exist). Sets *exists when a store (a CURRENT file) is there.
Status PrepareFolder(const std::string& dir, bool* exists);

// Why RocksDB refused to open the store, for the operator: Corruption or IOError.
Status OpenFailure(const std::string& dir, const rocksdb::Status& status);

// A failed RocksDB read or write as a Status: NotFound only when RocksDB says so.
Status FromRocks(const rocksdb::Status& status, std::string_view what, const std::string& dir);

// The database's options (modest: the daemon runs for months on small machines).
rocksdb::DBOptions MakeDbOptions(rocksdb::Env* env);

// A column family to open, and how it is tuned.
struct Family {
  std::string name;
  bool busy = false;   // frequently written: a larger write buffer
  bool bloom = false;  // point lookups dominate: a bloom filter
};

// Opens the database with `families` first, in that order, then any other that `existing`
// lists (with the default tuning); *handles follows the same order (the caller destroys them).
Status OpenDb(const std::string& dir, rocksdb::Env* env,
              const std::shared_ptr<rocksdb::Cache>& cache, std::vector<Family> families,
              const std::vector<std::string>& existing, std::unique_ptr<rocksdb::DB>* db,
              std::vector<rocksdb::ColumnFamilyHandle*>* handles);

// Writes `version` into a blank store; refuses a store with another version or none.
// `meta` is the default family, where the version is kept under "schema_version".
Status CheckSchema(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* meta,
                   const std::vector<rocksdb::ColumnFamilyHandle*>& handles, const std::string& dir,
                   int version);

}  // namespace freshd::store
