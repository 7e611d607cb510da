// The RAG side's tables are the column families stores have always had: a store written
// before the store stopped naming them reopens with its data.
#include "rag/tables.h"

#include <rocksdb/db.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;

// The column families a store had when store/state_store.h named the RAG tables.
const std::vector<std::string> kOldFamilies = {
    "default",     "documents",       "history",       "rag_manifests", "rag_outbox",
    "rag_vectors", "rag_sink_chunks", "search_chunks", "search_terms",  "rag_dead_letters"};

// Writes a store as that freshd did: every family, the schema version, a value in each
// RAG table and one outbox entry (sequence 7, as big-endian bytes).
void WriteOldStore(const std::string& dir) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : kOldFamilies)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  REQUIRE(db->Put(rocksdb::WriteOptions(), handles[0], "schema_version", "1").ok());
  for (std::size_t i = 3; i < handles.size(); ++i) {
    const std::string key = i == 4 ? std::string(7, '\0') + '\x07' : "key";
    REQUIRE(db->Put(rocksdb::WriteOptions(), handles[i], key, "old " + kOldFamilies[i]).ok());
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  REQUIRE(db->Close().ok());
}

TEST_CASE("a store written when the store named the RAG tables reopens with their data") {
  freshd::testing::TempDir dir;
  WriteOldStore(dir / "state");
  store::StoreOptions options;
  DeclareTables(options);
  auto store = Ok(store::StateStore::Open(dir / "state", options));
  const Tables tables = Ok(FindTables(*store));
  CHECK(Ok(store->Get(tables.chunk_manifests, "key")) == "old rag_manifests");
  CHECK(Ok(store->Get(tables.vectors, "key")) == "old rag_vectors");
  CHECK(Ok(store->Get(tables.sink_chunks, "key")) == "old rag_sink_chunks");
  CHECK(Ok(store->Get(tables.search_chunks, "key")) == "old search_chunks");
  CHECK(Ok(store->Get(tables.search_terms, "key")) == "old search_terms");
  CHECK(Ok(store->Get(tables.dead_letters, "key")) == "old rag_dead_letters");
  const std::vector<store::OutboxEntry> outbox = Ok(store->ReadOutbox(10));
  REQUIRE(outbox.size() == 1);
  CHECK(outbox[0].sequence == 7);
  CHECK(outbox[0].operation == "old rag_outbox");
}

TEST_CASE("a store opened without the RAG tables says so when they are looked for") {
  freshd::testing::TempDir dir;
  auto store = Ok(store::StateStore::Open(dir / "state", {}));
  CHECK(FindTables(*store).status().IsNotFound());
  const Tables none = TablesOf(*store);
  CHECK(store->Get(none.chunk_manifests, "key").status().IsInvalidArgument());
}

}  // namespace
}  // namespace freshd::rag
