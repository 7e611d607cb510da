// Volatile masks of a document, and the store's small named values.
#include <catch2/catch.hpp>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

using namespace freshd::store;
using freshd::testing::TempDir;

namespace {

using freshd::testing::Ok;

std::unique_ptr<StateStore> OpenStore(const TempDir& dir) {
  return Ok(StateStore::Open(dir / "state", {}));
}

}  // namespace

TEST_CASE("volatile masks replace the hash without a check, and survive a reopen") {
  TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "http://x/a"};
  CHECK(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb").IsNotFound());  // not there
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(1000, "aa")).ok());
  REQUIRE(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb").ok());
  store.reset();
  store = OpenStore(dir);
  auto record = store->Get(key);
  REQUIRE(record.ok());
  CHECK(record->volatile_masks == std::vector<std::string>{"^Now: .*$"});
  CHECK(record->content_hash == "bb");
  CHECK(record->checks == 1);
  CHECK(Ok(store->History(key, 10)).size() == 1);
  // A later check with the masked hash is unchanged, and the masks stay.
  auto next = Ok(store->Record(key, freshd::store::testing::Fetched(2000, "bb")));
  CHECK(next.outcome == CheckOutcome::kUnchanged);
  CHECK(next.document.volatile_masks.size() == 1);
}

TEST_CASE("named values persist, and schema keys are reserved") {
  TempDir dir;
  auto store = OpenStore(dir);
  REQUIRE(store->PutValue("advisor/x", "{\"a\":1}").ok());
  CHECK(store->PutValue("schema_version", "9").IsInvalidArgument());
  CHECK(store->GetValue("missing").status().IsNotFound());
  store.reset();
  store = OpenStore(dir);
  CHECK(Ok(store->GetValue("advisor/x")) == std::string("{\"a\":1}"));
}

TEST_CASE("masks learned on an older text leave a newer hash alone") {
  TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "http://x/a"};
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(1000, "aa")).ok());
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(2000, "cc")).ok());  // an edit since
  REQUIRE(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb").ok());
  auto record = store->Get(key);
  CHECK(record->content_hash == "cc");
  CHECK(record->volatile_masks.size() == 1);
}
