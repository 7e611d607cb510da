// The store on a disk that fails: a failed read is never taken for "nothing there". Reads of
// chosen column families' table files fail (or return flipped bytes) through FaultFs, after
// the store has opened on its data.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "rag/delivery.h"
#include "rag/embedded_index.h"
#include "rag/embedder.h"
#include "rag/indexer.h"
#include "rag/operations.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/rag/rag_test_util.h"
#include "tests/store/fault_fs.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"

namespace freshd::store {
namespace {

using freshd::testing::Ok;
using rag::testing::Document;
using rag::testing::Fetched;
using testing::FaultFs;
using testing::TableFilesOf;

std::int64_t Now() { return 5000; }

// A store in `dir` that holds two indexed documents, every operation delivered or not.
void Populate(const std::string& dir, bool deliver) {
  StoreOptions options;
  rag::DeclareTables(options);
  auto store = Ok(StateStore::Open(dir, options));
  rag::Indexer indexer(*store, {});
  for (int i = 0; i < 2; ++i) {
    const DocumentKey key{"s", "https://example.com/" + std::to_string(i)};
    const std::string text = Document(6, i);
    Ok(indexer.Record(key, "w", Fetched(1000, text), text));
  }
  if (!deliver) return;
  rag::EmbeddedIndex index(*store);
  auto embedder = rag::MakeHashingEmbedder(16);
  rag::Delivery delivery(*store, index, *embedder, indexer, Now);
  REQUIRE(delivery.DeliverAll().ok());
}

struct Reopened {
  testing::FaultEnv fault = testing::MakeFaultEnv();
  std::vector<std::string> corrupt_reports;
  std::unique_ptr<StateStore> store;

  explicit Reopened(const std::string& dir) {
    StoreOptions options;
    rag::DeclareTables(options);
    options.env = fault.env.get();
    options.block_cache_bytes = 0;  // every read goes to the (failing) disk
    options.on_corrupt_record = [this](const std::string& message) {
      corrupt_reports.push_back(message);
    };
    store = Ok(StateStore::Open(dir, options));
  }
};

std::vector<rag::IndexOperation> Queued(const StateStore& store) {
  return rag::testing::Queued(store);
}

TEST_CASE("a reconcile whose manifest scan fails deletes nothing") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  Populate(path, /*deliver=*/true);
  const std::set<std::string> manifests = TableFilesOf(path, "rag_manifests");
  REQUIRE_FALSE(manifests.empty());
  Reopened reopened(path);
  StateStore& store = *reopened.store;
  rag::EmbeddedIndex index(store);
  std::vector<std::string> held = index.ListChunkIds().value();
  REQUIRE_FALSE(held.empty());
  held.push_back("ffffffffffffffffffffffffffffffff");  // held by the sink, in no manifest
  rag::Indexer indexer(store, {});

  reopened.fault.fs->Break(FaultFs::Mode::kFail, manifests);
  Result<rag::Indexer::ReconcilePlan> failed = indexer.PlanReconcile(held, Now());
  CHECK(failed.status().IsIOError());
  CHECK(reopened.fault.fs->faults() > 0);
  CHECK(store.OutboxSize() == 0);
  CHECK(Queued(store).empty());

  // The same reconcile on a working disk deletes the extra chunk, and only it.
  reopened.fault.fs->Heal();
  rag::Indexer::ReconcilePlan plan = Ok(indexer.PlanReconcile(held, Now()));
  CHECK(plan.extra == 1);
  CHECK(plan.missing == 0);
  const std::vector<rag::IndexOperation> queued = Queued(store);
  REQUIRE(queued.size() == 1);
  CHECK(queued[0].kind == rag::IndexOperation::Kind::kDelete);
  CHECK(queued[0].chunk_id == held.back());
}

TEST_CASE("a delivery whose manifest read fails keeps its operations queued") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  Populate(path, /*deliver=*/false);
  const std::set<std::string> manifests = TableFilesOf(path, "rag_manifests");
  REQUIRE_FALSE(manifests.empty());
  Reopened reopened(path);
  StateStore& store = *reopened.store;
  rag::EmbeddedIndex index(store);
  rag::Indexer indexer(store, {});
  auto embedder = rag::MakeHashingEmbedder(16);
  rag::Delivery delivery(store, index, *embedder, indexer, Now);
  const std::uint64_t queued = store.OutboxSize();
  REQUIRE(queued > 0);

  reopened.fault.fs->Break(FaultFs::Mode::kFail, manifests);
  const rag::BatchResult failed = delivery.DeliverBatch();
  CHECK_FALSE(failed.ok());
  CHECK_THAT(failed.status.message(), Catch::Contains("injected read failure"));
  CHECK(reopened.fault.fs->faults() > 0);
  CHECK(store.OutboxSize() == queued);
  CHECK(Queued(store).size() == queued);
  CHECK(index.ChunkCount() == 0);  // nothing was dropped as "no longer wanted" either

  reopened.fault.fs->Heal();
  REQUIRE(delivery.DeliverAll().ok());
  CHECK(store.OutboxSize() == 0);
  CHECK(index.ChunkCount() == queued);  // every upsert arrived
}

TEST_CASE("document reads that fail say so: not absent and nothing written") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  Populate(path, /*deliver=*/false);
  const std::set<std::string> documents = TableFilesOf(path, "documents");
  REQUIRE_FALSE(documents.empty());
  Reopened reopened(path);
  StateStore& store = *reopened.store;
  const DocumentKey key{"s", "https://example.com/0"};
  const DocumentRecord before = Ok(store.Get(key));

  SECTION("an IO error") {
    reopened.fault.fs->Break(FaultFs::Mode::kFail, documents);
    CHECK(store.Get(key).status().IsIOError());
    CHECK(store.Record(key, Fetched(2000, "changed")).status().IsIOError());
    CHECK(store.ForEachDocument("s", [](const DocumentKey&, const DocumentRecord&) { return true; })
              .IsIOError());
    CHECK(store.MarkUnindexed("s").IsIOError());
  }
  SECTION("bytes that fail their checksum") {
    reopened.fault.fs->Break(FaultFs::Mode::kCorrupt, documents);
    CHECK(store.Get(key).status().IsCorruption());
    CHECK(store.Record(key, Fetched(2000, "changed")).status().IsCorruption());
    std::size_t visited = 0;
    CHECK(store
              .ForEachDocument("s",
                               [&](const DocumentKey&, const DocumentRecord&) {
                                 ++visited;
                                 return true;
                               })
              .IsCorruption());
    CHECK(visited == 0);
    // Returned to the caller, which counts it; not set aside as an undecodable record.
    CHECK(reopened.corrupt_reports.empty());
  }
  CHECK(reopened.fault.fs->faults() > 0);
  reopened.fault.fs->Heal();
  const DocumentRecord after = Ok(store.Get(key));
  CHECK(after.checks == before.checks);  // the failed check wrote nothing
  CHECK(after.content_hash == before.content_hash);
  CHECK(after.indexed);
  CHECK(Ok(store.History(key, 10)).size() == 1);
}

TEST_CASE("an undecodable chunk manifest is reported and replaced, never fatal") {
  freshd::testing::TempDir dir;
  const std::string path = dir / "state";
  Populate(path, /*deliver=*/false);
  const DocumentKey key{"s", "https://example.com/1"};
  testing::WithRawDb(path, [&](rocksdb::DB& db, testing::Families& families) {
    REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("rag_manifests"),
                   rag::DocumentChunksKey(key.source, key.uri), "\xc1garbage")
                .ok());
  });
  Reopened reopened(path);
  StateStore& store = *reopened.store;
  rag::Indexer indexer(store, {});
  const std::size_t queued_before = Queued(store).size();
  const std::string text = Document(6, 7);
  const RecordResult recorded = Ok(indexer.Record(key, "w", Fetched(2000, text), text));
  CHECK(recorded.outcome == CheckOutcome::kChanged);
  REQUIRE(reopened.corrupt_reports.size() == 1);
  CHECK_THAT(reopened.corrupt_reports[0], Catch::Contains("manifest"));
  // Every chunk of the new text is upserted: what the old manifest held is unknown.
  const std::size_t chunks =
      rag::ChunkText(rag::DocumentChunksKey(key.source, key.uri), text, {}).size();
  CHECK(recorded.operations_queued == chunks);
  CHECK(Queued(store).size() == queued_before + chunks);
  CHECK(Ok(store.Get(key)).indexed);
}

}  // namespace
}  // namespace freshd::store
