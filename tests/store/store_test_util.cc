#include "tests/store/store_test_util.h"

#include <catch2/catch.hpp>
#include <memory>
#include <vector>

namespace freshd::store::testing {

Observation Fetched(std::int64_t time_ms, const std::string& hash, const std::string& etag,
                    std::int64_t modified_ms) {
  Observation seen;
  seen.kind = Observation::Kind::kFetched;
  seen.time_ms = time_ms;
  seen.content_hash = hash;
  seen.etag = etag;
  seen.modified_ms = modified_ms;
  return seen;
}

Observation NotModified(std::int64_t time_ms) {
  Observation seen;
  seen.kind = Observation::Kind::kNotModified;
  seen.time_ms = time_ms;
  return seen;
}

Observation Failed(std::int64_t time_ms, const std::string& reason, const std::string& message) {
  Observation seen;
  seen.kind = Observation::Kind::kError;
  seen.time_ms = time_ms;
  seen.error_reason = reason;
  seen.error_message = message;
  return seen;
}

Observation Gone(std::int64_t time_ms) {
  Observation seen;
  seen.kind = Observation::Kind::kGone;
  seen.time_ms = time_ms;
  return seen;
}

void WithRawDb(const std::string& dir, const std::function<void(rocksdb::DB&, Families&)>& edit) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::Options());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(options, dir, descriptors, &handles, &raw);
  INFO(status.ToString());
  REQUIRE(status.ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  Families families;
  for (std::size_t i = 0; i < names.size(); ++i) families[names[i]] = handles[i];
  edit(*db, families);
  for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
  REQUIRE(db->Close().ok());
}

std::size_t RawHistoryCount(const std::string& dir, const DocumentKey& key) {
  std::string prefix = key.source + '\0' + key.uri + '\0';
  std::size_t count = 0;
  WithRawDb(dir, [&](rocksdb::DB& db, Families& families) {
    std::unique_ptr<rocksdb::Iterator> it(
        db.NewIterator(rocksdb::ReadOptions(), families.at("history")));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++count;
  });
  return count;
}

}  // namespace freshd::store::testing
