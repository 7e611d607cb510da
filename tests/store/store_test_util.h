// Observation builders and raw RocksDB access for the store tests.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "store/state_store.h"

namespace freshd::store::testing {

Observation Fetched(std::int64_t time_ms, const std::string& hash, const std::string& etag = "",
                    std::int64_t modified_ms = 0);
Observation NotModified(std::int64_t time_ms);
Observation Failed(std::int64_t time_ms, const std::string& reason, const std::string& message);
Observation Gone(std::int64_t time_ms);

// Opens the store's RocksDB with every column family (the store must be closed), runs
// `edit`, closes it. Fails the test when it cannot open.
using Families = std::map<std::string, rocksdb::ColumnFamilyHandle*>;
void WithRawDb(const std::string& dir, const std::function<void(rocksdb::DB&, Families&)>& edit);

// How many history entries the store holds for `key`, counted under the store.
std::size_t RawHistoryCount(const std::string& dir, const DocumentKey& key);

}  // namespace freshd::store::testing
