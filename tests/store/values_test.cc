// Volatile masks of a document, and the store's small named values.
#include <catch2/catch.hpp>

#include "store/state_store.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

using namespace freshd::store;
using freshd::testing::TempDir;

namespace {

std::unique_ptr<StateStore> OpenStore(const TempDir& dir) {
  std::string error;
  auto store = StateStore::Open(dir / "state", {}, &error);
  REQUIRE(store);
  return store;
}

}  // namespace

TEST_CASE("volatile masks replace the hash without a check, and survive a reopen") {
  TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "http://x/a"};
  std::string error;
  CHECK_FALSE(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb", &error));  // not there
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(1000, "aa")).ok);
  REQUIRE(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb", &error));
  store.reset();
  store = OpenStore(dir);
  auto record = store->Get(key);
  REQUIRE(record);
  CHECK(record->volatile_masks == std::vector<std::string>{"^Now: .*$"});
  CHECK(record->content_hash == "bb");
  CHECK(record->checks == 1);
  CHECK(store->History(key, 10).size() == 1);
  // A later check with the masked hash is unchanged, and the masks stay.
  auto next = store->Record(key, freshd::store::testing::Fetched(2000, "bb"));
  CHECK(next.outcome == CheckOutcome::kUnchanged);
  CHECK(next.document.volatile_masks.size() == 1);
}

TEST_CASE("named values persist, and schema keys are reserved") {
  TempDir dir;
  auto store = OpenStore(dir);
  std::string error;
  REQUIRE(store->PutValue("advisor/x", "{\"a\":1}", &error));
  CHECK_FALSE(store->PutValue("schema_version", "9", &error));
  CHECK_FALSE(store->GetValue("missing").has_value());
  store.reset();
  store = OpenStore(dir);
  CHECK(store->GetValue("advisor/x") == std::optional<std::string>("{\"a\":1}"));
}

TEST_CASE("masks learned on an older text leave a newer hash alone") {
  TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "http://x/a"};
  std::string error;
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(1000, "aa")).ok);
  REQUIRE(store->Record(key, freshd::store::testing::Fetched(2000, "cc")).ok);  // an edit since
  REQUIRE(store->SetVolatileMasks(key, {"^Now: .*$"}, "aa", "bb", &error));
  auto record = store->Get(key);
  CHECK(record->content_hash == "cc");
  CHECK(record->volatile_masks.size() == 1);
}
