// Opening: persistence, the schema version, and folders that are not freshd stores.
#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;

using freshd::testing::WriteFile;
using testing::Failed;
using testing::Fetched;

std::unique_ptr<StateStore> OpenStore(const std::string& dir, const StoreOptions& options = {}) {
  return freshd::testing::Ok(StateStore::Open(dir, options));
}

std::string RefusalOf(const std::string& dir) {
  Result<std::unique_ptr<StateStore>> store = StateStore::Open(dir, {});
  CHECK_FALSE(store.ok());
  CHECK_FALSE(store.status().message().empty());
  return store.status().message();
}

void SetSchemaVersion(const std::string& dir, const std::string& value) {
  testing::WithRawDb(dir, [&](rocksdb::DB& db, testing::Families& families) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("default"), "schema_version", value).ok());
  });
}

TEST_CASE("everything recorded is there after reopening") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "nested/state";  // parents are created
  const DocumentKey key{"s", "https://example.org/a"};
  {
    auto store = OpenStore(path);
    Ok(store->Record(key, Fetched(100, "h1", "\"e\"", 50)));
    Ok(store->Record(key, Failed(200, "timeout", "slow")));
    Ok(store->Record({"t", "file:///x"}, Fetched(300, "h2")));
    CHECK(store->SyncWal().ok());
  }
  auto store = OpenStore(path);
  Result<DocumentRecord> doc = store->Get(key);
  REQUIRE(doc.ok());
  CHECK(doc->content_hash == "h1");
  CHECK(doc->etag == "\"e\"");
  CHECK(doc->modified_ms == 50);
  CHECK(doc->checks == 2);
  CHECK(doc->errors == 1);
  CHECK(doc->consecutive_errors == 1);
  CHECK(doc->last_error == "timeout: slow");
  CHECK(doc->first_seen_ms == 100);
  CHECK(doc->last_check_ms == 200);
  std::vector<CheckRecord> history = Ok(store->History(key, 10));
  REQUIRE(history.size() == 2);
  CHECK(history[0].outcome == CheckOutcome::kError);
  CHECK(history[0].error_reason == "timeout");
  CHECK(history[1].outcome == CheckOutcome::kNew);
  CHECK(history[1].content_hash == "h1");
  CHECK(store->Get({"t", "file:///x"})->content_hash == "h2");
  CHECK(Ok(store->Record(key, Fetched(400, "h1"))).outcome == CheckOutcome::kUnchanged);
}

TEST_CASE("a store of another schema version is refused") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  Ok(OpenStore(path)->Record({"s", "u"}, Fetched(1, "h")));

  SECTION("a newer version") {
    SetSchemaVersion(path, "2");
    std::string error = RefusalOf(path);
    CHECK_THAT(error, Catch::Contains("schema version 2"));
    CHECK_THAT(error, Catch::Contains(path));
  }
  SECTION("garbage") {
    SetSchemaVersion(path, std::string("\x01zz", 3));
    CHECK_THAT(RefusalOf(path), Catch::Contains("unreadable schema version"));
  }
  SECTION("an empty value") {
    SetSchemaVersion(path, "");
    CHECK_THAT(RefusalOf(path), Catch::Contains("unreadable schema version"));
  }
  SECTION("the version is left as it was") {
    SetSchemaVersion(path, "7");
    RefusalOf(path);
    testing::WithRawDb(path, [](rocksdb::DB& db, testing::Families& families) {
      std::string value;
      REQUIRE(
          db.Get(rocksdb::ReadOptions(), families.at("default"), "schema_version", &value).ok());
      CHECK(value == "7");
    });
  }
}

TEST_CASE("a new store records its schema version") {
  freshd::testing::TempDir dir;
  OpenStore(dir / "state");
  testing::WithRawDb(dir / "state", [](rocksdb::DB& db, testing::Families& families) {
    CHECK(families.count("documents") == 1);
    CHECK(families.count("history") == 1);
    std::string value;
    REQUIRE(db.Get(rocksdb::ReadOptions(), families.at("default"), "schema_version", &value).ok());
    CHECK(value == std::to_string(StateStore::kSchemaVersion));
  });
}

TEST_CASE("folders that are not freshd stores are refused with a clear error") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";

  SECTION("a folder of other files") {
    WriteFile(dir.path() / "state" / "notes.txt", "hello");
    std::string error = RefusalOf(path);
    CHECK_THAT(error, Catch::Contains(path));
    CHECK_THAT(error, Catch::Contains("notes.txt"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "state" / "CURRENT"));
  }
  SECTION("a file") {
    WriteFile(dir.path() / "state", "hello");
    CHECK_THAT(RefusalOf(path), Catch::Contains("not a folder"));
  }
  SECTION("a broken CURRENT file") {
    WriteFile(dir.path() / "state" / "CURRENT", "garbage\n");
    std::string error = RefusalOf(path);
    CHECK_THAT(error, Catch::Contains(path));
  }
  SECTION("a corrupt CURRENT file in a real store") {
    OpenStore(path);
    WriteFile(dir.path() / "state" / "CURRENT", "MANIFEST-0000");  // no newline
    std::string error = RefusalOf(path);
    CHECK_THAT(error, Catch::Contains("corrupt"));
    CHECK_THAT(error, Catch::Contains(path));
  }
  SECTION("a corrupt MANIFEST") {
    Ok(OpenStore(path)->Record({"s", "u"}, Fetched(1, "h")));
    for (const auto& entry : std::filesystem::directory_iterator(path)) {
      if (entry.path().filename().string().starts_with("MANIFEST-")) {
        WriteFile(entry.path(), std::string(200, '\x5a'));
      }
    }
    std::string error = RefusalOf(path);
    CHECK_THAT(error, Catch::Contains(path));
  }
  SECTION("another program's RocksDB") {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, path, &raw).ok());
    std::unique_ptr<rocksdb::DB> theirs(raw);
    REQUIRE(theirs->Put(rocksdb::WriteOptions(), "their", "data").ok());
    theirs.reset();
    CHECK_THAT(RefusalOf(path), Catch::Contains("not written by freshd"));
  }
  SECTION("a store already open") {
    auto store = OpenStore(path);
    CHECK_THAT(RefusalOf(path), Catch::Contains("another freshd"));
  }
}

TEST_CASE("an interrupted first start leaves a folder that opens") {
  freshd::testing::TempDir dir;
  WriteFile(dir.path() / "state" / "LOCK", "");
  WriteFile(dir.path() / "state" / "LOG", "");
  OpenStore(dir / "state");
  OpenStore(dir / "state");
}

TEST_CASE("a corrupt record is skipped or started afresh, never fatal") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  const DocumentKey bad{"s", "bad"};
  const DocumentKey good{"s", "good"};
  {
    auto store = OpenStore(path);
    for (int i = 0; i < 3; ++i) Ok(store->Record(bad, Fetched(i, "h" + std::to_string(i))));
    Ok(store->Record(good, Fetched(1, "h")));
  }
  testing::WithRawDb(path, [&](rocksdb::DB& db, testing::Families& families) {
    std::string key = bad.source + '\0' + bad.uri;
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("documents"), key, "\xc1garbage").ok());
  });
  std::vector<std::string> reports;
  StoreOptions options;
  options.on_corrupt_record = [&](const std::string& message) { reports.push_back(message); };
  auto store = OpenStore(path, options);

  CHECK(store->Get(bad).status().IsCorruption());  // not NotFound: it is there
  REQUIRE(reports.size() == 1);
  CHECK_THAT(reports[0], Catch::Contains("bad"));
  std::vector<std::string> visited;
  Ok(store->ForEachDocument("s", [&](const DocumentKey& key, const DocumentRecord&) {
    visited.push_back(key.uri);
    return true;
  }));
  CHECK(visited == std::vector<std::string>{"good"});
  CHECK(reports.size() == 2);

  RecordResult result = Ok(store->Record(bad, Fetched(10, "h2")));
  REQUIRE(reports.size() == 3);  // the corrupt record, started afresh, is reported
  CHECK_THAT(reports[2], Catch::Contains("started afresh"));
  CHECK(result.outcome == CheckOutcome::kNew);
  CHECK(result.document.checks == 1);
  CHECK(result.document.history_oldest_seq == 0);  // the old checks are still counted
  CHECK(result.document.history_next_seq == 4);
  CHECK(Ok(store->History(bad, 10)).size() == 4);
  CHECK(store->Record(bad, Fetched(11, "h2")).ok());
  CHECK(reports.size() == 3);
}

}  // namespace
}  // namespace freshd::store
