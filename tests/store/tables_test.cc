// Clients' tables and the outbox: written with a check in one batch, or alone.
#include <catch2/catch.hpp>

#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;

using testing::Fetched;
using testing::NotModified;

// Two tables of a client of the store's own making: the store knows no client's names.
StoreOptions WithTables() {
  StoreOptions options;
  options.tables = {{"notes", false}, {"terms", true}};
  return options;
}

std::unique_ptr<StateStore> OpenStore(const freshd::testing::TempDir& dir) {
  return freshd::testing::Ok(StateStore::Open(dir / "state", WithTables()));
}

std::string Key(std::string_view term, std::string_view id) {
  return std::string(term) + '\0' + std::string(id);
}

std::vector<std::string> Operations(const StateStore& store) {
  std::vector<std::string> operations;
  for (const OutboxEntry& entry : Ok(store.ReadOutbox(1000))) operations.push_back(entry.operation);
  return operations;
}

TEST_CASE("writes added to a check are stored with it, after the outcome is decided") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "https://example.org/a"};
  const TableId notes = Ok(store->FindTable("notes"));
  std::vector<CheckOutcome> seen_outcomes;
  auto record = [&](const Observation& seen) {
    DocumentTransaction transaction = Ok(store->Begin(key, seen));
    const RecordResult& decided = transaction.decided();
    seen_outcomes.push_back(decided.outcome);
    if (decided.outcome != CheckOutcome::kNotModified) {
      transaction.writes().Put(notes, Key("s", "a"), "manifest-" + decided.document.content_hash);
      transaction.writes().AppendToOutbox("upsert " + decided.document.content_hash);
    }
    return Ok(store->Commit(std::move(transaction)));
  };
  const RecordResult first = record(Fetched(1000, "h1"));
  const RecordResult not_modified = record(NotModified(2000));
  record(Fetched(3000, "h2"));
  // The commit says what it queued: a reader of OutboxSize() could miss it when a
  // delivery removes operations at the same time.
  CHECK(first.operations_queued == 1);
  CHECK(not_modified.operations_queued == 0);

  CHECK(seen_outcomes ==
        std::vector{CheckOutcome::kNew, CheckOutcome::kNotModified, CheckOutcome::kChanged});
  CHECK(Ok(store->Get(notes, Key("s", "a"))) == "manifest-h2");
  CHECK(Operations(*store) == std::vector<std::string>{"upsert h1", "upsert h2"});
  CHECK(store->OutboxSize() == 2);
}

TEST_CASE("a transaction dropped without its commit writes nothing and frees the document") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  const DocumentKey key{"s", "https://example.org/a"};
  {
    DocumentTransaction abandoned = Ok(store->Begin(key, Fetched(1000, "h1")));
    CHECK(abandoned.decided().outcome == CheckOutcome::kNew);
    abandoned.writes().AppendToOutbox("upsert h1");
  }
  CHECK(store->Get(key).status().IsNotFound());
  CHECK(Ok(store->History(key, 10)).empty());
  CHECK(store->OutboxSize() == 0);
  // The document's lock was released: the next check of it goes through.
  CHECK(Ok(store->Record(key, Fetched(2000, "h1"))).outcome == CheckOutcome::kNew);
}

TEST_CASE("the outbox keeps its order and its size across a reopen: removals acknowledge") {
  freshd::testing::TempDir dir;
  {
    auto store = OpenStore(dir);
    WriteSet writes;
    for (int i = 0; i < 300; ++i) writes.AppendToOutbox("op" + std::to_string(i));
    REQUIRE(store->Apply(writes).ok());
    CHECK(store->OutboxSize() == 300);
    std::vector<OutboxEntry> first = Ok(store->ReadOutbox(2));
    REQUIRE(first.size() == 2);
    CHECK(first[0].operation == "op0");
    CHECK(first[0].sequence < first[1].sequence);
    WriteSet acknowledged;
    acknowledged.RemoveFromOutbox(first[0].sequence);
    acknowledged.RemoveFromOutbox(first[1].sequence);
    REQUIRE(store->Apply(acknowledged).ok());
  }
  auto store = OpenStore(dir);
  CHECK(store->OutboxSize() == 298);
  std::vector<OutboxEntry> rest = Ok(store->ReadOutbox(1000));
  REQUIRE(rest.size() == 298);
  CHECK(rest.front().operation == "op2");
  CHECK(rest.back().operation == "op299");
  WriteSet more;
  more.AppendToOutbox("after reopen");
  REQUIRE(store->Apply(more).ok());
  std::vector<OutboxEntry> all = Ok(store->ReadOutbox(1000));
  CHECK(all.back().operation == "after reopen");
  CHECK(all.back().sequence > rest.back().sequence);  // never reuses a number
}

TEST_CASE("tables: get, delete and scans by prefix, resumed after a key") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  const TableId terms = Ok(store->FindTable("terms"));
  const TableId notes = Ok(store->FindTable("notes"));
  WriteSet writes;
  for (const std::string& key :
       {Key("apple", "1"), Key("apple", "2"), Key("apricot", "1"), Key("banana", "1")}) {
    writes.Put(terms, key, "v:" + key);
  }
  writes.Put(notes, Key("apple", "1"), "other table");
  REQUIRE(store->Apply(writes).ok());

  auto scan = [&](std::string_view prefix, std::string_view after) {
    std::vector<std::string> keys;
    Ok(store->Scan(terms, prefix, after, [&](std::string_view key, std::string_view) {
      keys.emplace_back(key);
      return true;
    }));
    return keys;
  };
  CHECK(scan("ap", "").size() == 3);
  CHECK(scan(Key("apple", ""), "") ==
        std::vector<std::string>{Key("apple", "1"), Key("apple", "2")});
  CHECK(scan("ap", Key("apple", "1")) ==
        std::vector<std::string>{Key("apple", "2"), Key("apricot", "1")});
  CHECK(scan("", "").size() == 4);
  CHECK(Ok(store->Get(notes, Key("apple", "1"))) == "other table");

  WriteSet removal;
  removal.Delete(terms, Key("apple", "1"));
  REQUIRE(store->Apply(removal).ok());
  CHECK(store->Get(terms, Key("apple", "1")).status().IsNotFound());
  CHECK(scan("ap", "").size() == 2);
}

TEST_CASE("a table not declared is an error value: finding it or writing to it") {
  freshd::testing::TempDir dir;
  auto store = OpenStore(dir);
  CHECK(store->FindTable("vectors").status().IsNotFound());
  CHECK(store->FindTable("documents").status().IsNotFound());  // the store's own: not a table

  const TableId none;
  CHECK_FALSE(none.valid());
  CHECK(store->Get(none, "k").status().IsInvalidArgument());
  CHECK(store->Has(none, "k").status().IsInvalidArgument());
  CHECK(store->Scan(none, "", "", [](auto, auto) { return true; }).IsInvalidArgument());

  // A set with one bad write writes nothing, not even its good ones or its appends.
  WriteSet writes;
  writes.Put(Ok(store->FindTable("notes")), "k", "v");
  writes.AppendToOutbox("op");
  writes.Delete(none, "k");
  CHECK(store->Apply(writes).IsInvalidArgument());
  CHECK(store->Get(Ok(store->FindTable("notes")), "k").status().IsNotFound());
  CHECK(store->OutboxSize() == 0);
  WriteSet next;
  next.AppendToOutbox("after");
  REQUIRE(store->Apply(next).ok());
  CHECK(Ok(store->ReadOutbox(10)).front().sequence == 1);  // the refused append took no number
}

TEST_CASE("declaring one of the store's families or a table twice is refused at open") {
  freshd::testing::TempDir dir;
  for (const char* own : {"default", "documents", "history", "rag_outbox"}) {
    StoreOptions options;
    options.tables = {{own, false}};
    CHECK(StateStore::Open(dir / "state", options).status().IsInvalidArgument());
  }
  StoreOptions twice;
  twice.tables = {{"notes", false}, {"notes", true}};
  CHECK(StateStore::Open(dir / "state", twice).status().IsInvalidArgument());
  StoreOptions unnamed;
  unnamed.tables = {{"", false}};
  CHECK(StateStore::Open(dir / "state", unnamed).status().IsInvalidArgument());
}

TEST_CASE("a table on disk that is not declared is kept and comes back when declared again") {
  freshd::testing::TempDir dir;
  {
    auto store = OpenStore(dir);
    WriteSet writes;
    writes.Put(Ok(store->FindTable("terms")), "apple", "3");
    REQUIRE(store->Apply(writes).ok());
  }
  {
    auto bare = Ok(StateStore::Open(dir / "state", {}));
    CHECK(bare->FindTable("terms").status().IsNotFound());
  }
  auto store = OpenStore(dir);
  CHECK(Ok(store->Get(Ok(store->FindTable("terms")), "apple")) == "3");
}

}  // namespace
}  // namespace freshd::store
