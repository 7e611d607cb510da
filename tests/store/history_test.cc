// The bounded history, pruning by age, visiting and deleting sources.
#include <catch2/catch.hpp>
#include <vector>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;

using testing::Fetched;

std::unique_ptr<StateStore> OpenStore(const std::string& dir, const StoreOptions& options) {
  return Ok(StateStore::Open(dir, options));
}

std::vector<std::int64_t> Times(const std::vector<CheckRecord>& history) {
  std::vector<std::int64_t> times;
  for (const CheckRecord& check : history) times.push_back(check.time_ms);
  return times;
}

void RecordAt(StateStore& store, const DocumentKey& key, std::int64_t time_ms) {
  REQUIRE(store.Record(key, Fetched(time_ms, "h" + std::to_string(time_ms))).ok());
}

TEST_CASE("history is newest first and bounded by the number of checks") {
  freshd::testing::TempDir dir;
  StoreOptions options;
  options.history_max_checks = 5;
  const DocumentKey key{"s", "u"};
  const DocumentKey other{"s", "u2"};
  {
    auto store = OpenStore(dir / "state", options);
    for (int i = 1; i <= 12; ++i) RecordAt(*store, key, i * 100);
    RecordAt(*store, other, 50);

    CHECK(Times(Ok(store->History(key, 100))) ==
          std::vector<std::int64_t>{1200, 1100, 1000, 900, 800});
    CHECK(Times(Ok(store->History(key, 2))) == std::vector<std::int64_t>{1200, 1100});
    CHECK(Ok(store->History(key, 0)).empty());
    CHECK(Times(Ok(store->History(other, 100))) == std::vector<std::int64_t>{50});
    CHECK(Ok(store->History({"s", "nothing"}, 100)).empty());
    Result<DocumentRecord> doc = store->Get(key);
    CHECK(doc->checks == 12);
    CHECK(doc->history_next_seq == 12);
    CHECK(doc->history_oldest_seq == 7);
  }
  CHECK(testing::RawHistoryCount(dir / "state", key) == 5);

  options.history_max_checks = 3;  // a tighter bound applies at the next check
  auto store = OpenStore(dir / "state", options);
  RecordAt(*store, key, 1300);
  CHECK(Times(Ok(store->History(key, 100))) == std::vector<std::int64_t>{1300, 1200, 1100});
  store.reset();
  CHECK(testing::RawHistoryCount(dir / "state", key) == 3);
}

TEST_CASE("PruneHistory deletes the checks older than the maximum age") {
  freshd::testing::TempDir dir;
  StoreOptions options;
  options.history_max_age_ms = 1000;
  auto store = OpenStore(dir / "state", options);
  const DocumentKey old_doc{"s", "old"};
  const DocumentKey mixed{"s", "mixed"};
  const DocumentKey fresh{"t", "fresh"};
  for (std::int64_t t : {100, 200, 300}) RecordAt(*store, old_doc, t);
  for (std::int64_t t : {500, 1500, 2500, 3500}) RecordAt(*store, mixed, t);
  RecordAt(*store, fresh, 4000);

  CHECK(Ok(store->PruneHistory(4000)) == 6);  // cutoff 3000: 3 of old_doc, 3 of mixed
  CHECK(Ok(store->History(old_doc, 10)).empty());
  CHECK(Times(Ok(store->History(mixed, 10))) == std::vector<std::int64_t>{3500});
  CHECK(Times(Ok(store->History(fresh, 10))) == std::vector<std::int64_t>{4000});
  Result<DocumentRecord> doc = store->Get(mixed);
  CHECK(doc->history_oldest_seq == 3);
  CHECK(doc->history_next_seq == 4);
  CHECK(doc->checks == 4);  // the counts are not history
  CHECK(store->Get(old_doc)->history_oldest_seq == store->Get(old_doc)->history_next_seq);
  CHECK(Ok(store->PruneHistory(4000)) == 0);

  RecordAt(*store, old_doc, 5000);  // the sequence goes on after a full prune
  CHECK(Times(Ok(store->History(old_doc, 10))) == std::vector<std::int64_t>{5000});
  CHECK(store->Get(old_doc)->history_oldest_seq == 3);

  options.history_max_age_ms = 0;  // no age limit
  store.reset();
  store = OpenStore(dir / "state", options);
  CHECK(Ok(store->PruneHistory(1'000'000'000)) == 0);
}

std::vector<std::string> Visit(const StateStore& store, std::string_view source,
                               std::size_t stop_after = 1000) {
  std::vector<std::string> seen;
  Ok(store.ForEachDocument(source, [&](const DocumentKey& key, const DocumentRecord& doc) {
    CHECK(doc.checks == 1);
    seen.push_back(key.source + "|" + key.uri);
    return seen.size() < stop_after;
  }));
  return seen;
}

TEST_CASE("ForEachDocument by source") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir / "state", {});
  // "a" is a prefix of "ab": a source's range must not reach into the other.
  for (const DocumentKey& key : std::vector<DocumentKey>{
           {"b", "u1"}, {"a", "u2"}, {"ab", "u1"}, {"a", "u1"}, {"a", "u1/x"}}) {
    RecordAt(*store, key, 100);
  }
  using Names = std::vector<std::string>;
  CHECK(Visit(*store, "a") == Names{"a|u1", "a|u1/x", "a|u2"});
  CHECK(Visit(*store, "ab") == Names{"ab|u1"});
  CHECK(Visit(*store, "zz").empty());
  CHECK(Visit(*store, "") == Names{"a|u1", "a|u1/x", "a|u2", "ab|u1", "b|u1"});
  CHECK(Visit(*store, "", 2) == Names{"a|u1", "a|u1/x"});
}

}  // namespace
}  // namespace freshd::store
