// What each observation means given the stored record, and the counts it leaves.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;

using testing::Failed;
using testing::Fetched;
using testing::Gone;
using testing::NotModified;

std::unique_ptr<StateStore> OpenStore(const freshd::testing::TempDir& dir,
                                      const StoreOptions& options = {}) {
  return freshd::testing::Ok(StateStore::Open(dir / "state", options));
}

CheckOutcome Record(StateStore& store, const DocumentKey& key, const Observation& seen) {
  RecordResult result = Ok(store.Record(key, seen));
  return result.outcome;
}

TEST_CASE("a document's life: new, unchanged, changed, errors, gone and back") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"policies", "https://example.org/leave"};

  CHECK(store->Get(key).status().IsNotFound());
  RecordResult first = Ok(store->Record(key, Fetched(1000, "h1", "\"e1\"", 900)));
  CHECK(first.outcome == CheckOutcome::kNew);
  CHECK_FALSE(first.previous.has_value());
  CHECK(first.document.checks == 1);
  CHECK(first.document.changes == 0);
  CHECK(first.document.first_seen_ms == 1000);
  CHECK(first.document.last_check_ms == 1000);
  CHECK(first.document.last_change_ms == 1000);
  CHECK(first.document.content_hash == "h1");
  CHECK(first.document.etag == "\"e1\"");
  CHECK(first.document.modified_ms == 900);

  CHECK(Record(*store, key, Fetched(2000, "h1", "\"e1\"", 900)) == CheckOutcome::kUnchanged);
  RecordResult changed = Ok(store->Record(key, Fetched(3000, "h2", "\"e2\"", 2500)));
  CHECK(changed.outcome == CheckOutcome::kChanged);
  REQUIRE(changed.previous.has_value());
  CHECK(changed.previous->content_hash == "h1");
  CHECK(changed.document.changes == 1);
  CHECK(changed.document.last_change_ms == 3000);

  CHECK(Record(*store, key, NotModified(4000)) == CheckOutcome::kNotModified);
  CHECK(Record(*store, key, Failed(5000, "timeout", "no answer in 30s")) == CheckOutcome::kError);
  RecordResult second_error = Ok(store->Record(key, Failed(6000, "http_status", "503")));
  CHECK(second_error.outcome == CheckOutcome::kError);
  const DocumentRecord& failing = second_error.document;
  CHECK(failing.errors == 2);
  CHECK(failing.consecutive_errors == 2);
  CHECK(failing.last_error == "http_status: 503");
  CHECK(failing.content_hash == "h2");  // errors keep what was known
  CHECK(failing.etag == "\"e2\"");
  CHECK(failing.modified_ms == 2500);
  CHECK(failing.last_change_ms == 3000);

  RecordResult recovered = Ok(store->Record(key, Fetched(7000, "h3", "\"e3\"")));
  CHECK(recovered.outcome == CheckOutcome::kChanged);
  CHECK(recovered.document.consecutive_errors == 0);
  CHECK(recovered.document.last_error.empty());
  CHECK(recovered.document.errors == 2);
  CHECK(recovered.document.changes == 2);

  // Gone once is only missing: a glitch of the server must not delete the document.
  RecordResult missing = Ok(store->Record(key, Gone(8000)));
  CHECK(missing.outcome == CheckOutcome::kMissing);
  CHECK_FALSE(missing.document.removed);
  CHECK(missing.document.consecutive_misses == 1);
  CHECK(missing.document.changes == 2);
  CHECK(missing.document.content_hash == "h3");

  RecordResult gone = Ok(store->Record(key, Gone(9000)));
  CHECK(gone.outcome == CheckOutcome::kRemoved);
  CHECK(gone.document.removed);
  CHECK(gone.document.changes == 3);
  CHECK(gone.document.last_change_ms == 9000);
  CHECK(gone.document.etag.empty());  // so that its return is fetched in full

  RecordResult back = Ok(store->Record(key, Fetched(10000, "h3", "\"e4\"")));
  CHECK(back.outcome == CheckOutcome::kNew);  // same content, but it had gone
  const DocumentRecord& doc = back.document;
  CHECK_FALSE(doc.removed);
  CHECK(doc.checks == 10);
  CHECK(doc.changes == 3);
  CHECK(doc.errors == 2);
  CHECK(doc.first_seen_ms == 1000);
  CHECK(doc.last_check_ms == 10000);
  CHECK(doc.last_change_ms == 10000);
  CHECK(doc.modified_ms == 0);  // this fetch reported none

  Result<DocumentRecord> stored = store->Get(key);
  REQUIRE(stored.ok());
  CHECK(stored->checks == 10);
  CHECK(stored->etag == "\"e4\"");

  std::vector<CheckRecord> history = Ok(store->History(key, 100));
  REQUIRE(history.size() == 10);
  const std::vector<CheckOutcome> expected = {CheckOutcome::kNew,         CheckOutcome::kRemoved,
                                              CheckOutcome::kMissing,     CheckOutcome::kChanged,
                                              CheckOutcome::kError,       CheckOutcome::kError,
                                              CheckOutcome::kNotModified, CheckOutcome::kChanged,
                                              CheckOutcome::kUnchanged,   CheckOutcome::kNew};
  for (std::size_t i = 0; i < history.size(); ++i) {
    INFO("entry " << i);
    CHECK(history[i].outcome == expected[i]);
    CHECK(history[i].time_ms == static_cast<std::int64_t>(10000 - 1000 * i));
  }
  CHECK(history[0].content_hash == "h3");
  CHECK(history[1].content_hash.empty());
  CHECK(history[2].content_hash == "h3");
  CHECK(history[4].error_reason == "http_status");
  CHECK(history[4].content_hash.empty());
  CHECK(history[6].content_hash == "h2");
  CHECK(history[6].modified_ms == 2500);
}

TEST_CASE("first observations other than a fetch") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);

  SECTION("an error first, then a fetch: new") {
    const DocumentKey key{"s", "u"};
    RecordResult error = Ok(store->Record(key, Failed(100, "dns", "")));
    CHECK(error.outcome == CheckOutcome::kError);
    CHECK(error.document.first_seen_ms == 100);
    CHECK(error.document.last_error == "dns");
    CHECK(error.document.last_change_ms == 0);
    CHECK(Record(*store, key, Fetched(200, "h")) == CheckOutcome::kNew);
    CHECK(store->Get(key)->changes == 0);
  }
  SECTION("not modified without a stored version is recorded as such") {
    const DocumentKey key{"s", "u"};
    CHECK(Record(*store, key, NotModified(100)) == CheckOutcome::kNotModified);
    CHECK(store->Get(key)->content_hash.empty());
    CHECK(Record(*store, key, Fetched(200, "h")) == CheckOutcome::kNew);
  }
  SECTION("missing once, then back: no change, and the misses start again") {
    const DocumentKey key{"s", "u"};
    Record(*store, key, Fetched(100, "h"));
    CHECK(Record(*store, key, Gone(200)) == CheckOutcome::kMissing);
    RecordResult back = Ok(store->Record(key, Fetched(300, "h")));
    CHECK(back.outcome == CheckOutcome::kUnchanged);
    CHECK(back.document.consecutive_misses == 0);
    CHECK(back.document.changes == 0);
    CHECK(Record(*store, key, Gone(400)) == CheckOutcome::kMissing);
  }
  SECTION("gone before ever seen: removed, but no change") {
    const DocumentKey key{"s", "u"};
    RecordResult gone = Ok(store->Record(key, Gone(100)));
    CHECK(gone.outcome == CheckOutcome::kRemoved);
    CHECK(gone.document.removed);
    CHECK(gone.document.changes == 0);
    CHECK(gone.document.last_change_ms == 0);
  }
  SECTION("not modified after removal keeps it removed") {
    const DocumentKey key{"s", "u"};
    Record(*store, key, Fetched(100, "h"));
    Record(*store, key, Gone(200));
    Record(*store, key, Gone(250));
    CHECK(Record(*store, key, NotModified(300)) == CheckOutcome::kNotModified);
    CHECK(store->Get(key)->removed);
    CHECK(Record(*store, key, Fetched(400, "h")) == CheckOutcome::kNew);
  }
}

TEST_CASE("observations the store refuses") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  CHECK_FALSE(store->Record({"", "u"}, Fetched(1, "h")).ok());
  CHECK_FALSE(store->Record({"s", ""}, Fetched(1, "h")).ok());
  CHECK_FALSE(store->Record({std::string("a\0b", 3), "u"}, Fetched(1, "h")).ok());
  Result<RecordResult> no_hash = store->Record({"s", "u"}, Fetched(1, ""));
  CHECK(no_hash.status().IsInvalidArgument());
  CHECK_THAT(no_hash.status().message(), Catch::Contains("content hash"));
  CHECK(store->Get({"s", "u"}).status().IsNotFound());
}

TEST_CASE("documents recorded from several threads at once") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  constexpr int kThreads = 4;
  constexpr int kChecks = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};  // counted here: Catch's assertions are for the test's thread
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, &failed, t] {
      for (int i = 0; i < kChecks; ++i) {
        DocumentKey key{"s", "doc" + std::to_string(t) + "-" + std::to_string(i % 10)};
        if (!store->Record(key, Fetched(i, "h" + std::to_string(i))).ok()) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failed == 0);
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  Ok(store->ForEachDocument("", [&](const DocumentKey&, const DocumentRecord& doc) {
    checks += doc.checks;
    changes += doc.changes;
    return true;
  }));
  CHECK(checks == kThreads * kChecks);
  CHECK(changes == kThreads * (kChecks - 10));  // the first check of each is new
}

TEST_CASE("outcome names") {
  CHECK(ToString(CheckOutcome::kNew) == "new");
  CHECK(ToString(CheckOutcome::kChanged) == "changed");
  CHECK(ToString(CheckOutcome::kUnchanged) == "unchanged");
  CHECK(ToString(CheckOutcome::kNotModified) == "not_modified");
  CHECK(ToString(CheckOutcome::kError) == "error");
  CHECK(ToString(CheckOutcome::kRemoved) == "removed");
}

}  // namespace
}  // namespace freshd::store
