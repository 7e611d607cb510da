// The indexer: the operations a check writes into the outbox, in the check's own batch.
#include "rag/indexer.h"

#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "rag/operations.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/rag/rag_test_util.h"
#include "tests/store/status_testing.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;
using store::CheckOutcome;
using testing::Document;
using testing::Fetched;
using testing::Gone;
using testing::Queued;

TEST_CASE("a new document queues an upsert per chunk, and nothing else") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {.max_chars = 400});
  const store::DocumentKey key{"handbook", "file:///srv/handbook/leave.md"};
  const std::string text = Document(12, 0);

  auto recorded = indexer.Record(key, "hr", Fetched(1000, text), text);
  REQUIRE(recorded.ok());
  const std::vector<IndexOperation> queued = Queued(*store);
  const std::vector<Chunk> chunks =
      ChunkText(DocumentChunksKey(key.source, key.uri), text, {.max_chars = 400});
  REQUIRE(queued.size() == chunks.size());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    CHECK(queued[i].kind == IndexOperation::Kind::kUpsert);
    CHECK(queued[i].chunk_id == chunks[i].id);
    CHECK(queued[i].text == chunks[i].text);
    CHECK(queued[i].metadata.workload == "hr");
    CHECK(queued[i].metadata.uri == key.uri);
    CHECK(queued[i].metadata.fetched_ms == 1000);
    CHECK(queued[i].detected_ms == 1000);
  }
}

TEST_CASE("an edit of one paragraph queues its chunks' upserts before their deletes") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {.max_chars = 1200});
  const store::DocumentKey key{"handbook", "file:///srv/handbook/leave.md"};
  const std::string before = Document(20, 0);
  const std::string after = Document(20, 0, /*edited_paragraph=*/7);
  REQUIRE(indexer.Record(key, "hr", Fetched(1000, before), before).ok());
  const std::size_t first = Queued(*store).size();

  REQUIRE(indexer.Record(key, "hr", Fetched(2000, after), after).ok());
  std::vector<IndexOperation> edit = Queued(*store);
  edit.erase(edit.begin(), edit.begin() + static_cast<std::ptrdiff_t>(first));

  const std::string id = DocumentChunksKey(key.source, key.uri);
  std::set<std::string> old_ids, new_ids;
  for (const Chunk& chunk : ChunkText(id, before, {})) old_ids.insert(chunk.id);
  for (const Chunk& chunk : ChunkText(id, after, {})) new_ids.insert(chunk.id);
  std::size_t upserts = 0, deletes = 0;
  bool delete_seen = false;
  for (const IndexOperation& operation : edit) {
    if (operation.kind == IndexOperation::Kind::kUpsert) {
      CHECK_FALSE(delete_seen);  // every upsert before any delete
      CHECK(new_ids.contains(operation.chunk_id));
      CHECK_FALSE(old_ids.contains(operation.chunk_id));
      ++upserts;
    } else {
      delete_seen = true;
      CHECK(old_ids.contains(operation.chunk_id));
      CHECK_FALSE(new_ids.contains(operation.chunk_id));
      ++deletes;
    }
  }
  CHECK(upserts >= 1);
  CHECK(upserts <= 2);
  CHECK(deletes >= 1);
  CHECK(deletes <= 2);
  CHECK(upserts + deletes < new_ids.size());  // the rest stay as they were
}

TEST_CASE("unchanged and not-modified checks queue nothing: a miss neither, a removal deletes") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey key{"pages", "https://example.com/a"};
  const std::string text = Document(5, 0);
  auto record = [&](const store::Observation& seen, std::string_view body) {
    auto result = Ok(indexer.Record(key, "w", seen, body));
    return result.outcome;
  };
  record(Fetched(1000, text), text);
  const std::size_t chunks = Queued(*store).size();
  CHECK(record(Fetched(2000, text), text) == CheckOutcome::kUnchanged);
  store::Observation not_modified;
  not_modified.kind = store::Observation::Kind::kNotModified;
  not_modified.time_ms = 3000;
  CHECK(record(not_modified, "") == CheckOutcome::kNotModified);
  CHECK(record(Gone(4000), "") == CheckOutcome::kMissing);
  CHECK(Queued(*store).size() == chunks);

  CHECK(record(Gone(5000), "") == CheckOutcome::kRemoved);
  const std::vector<IndexOperation> all = Queued(*store);
  REQUIRE(all.size() == 2 * chunks);
  for (std::size_t i = chunks; i < all.size(); ++i) {
    CHECK(all[i].kind == IndexOperation::Kind::kDelete);
    CHECK(all[i].chunk_id == all[i - chunks].chunk_id);
  }
  CHECK(store->Get(Ok(FindTables(*store)).chunk_manifests, DocumentChunksKey(key.source, key.uri))
            .status()
            .IsNotFound());
  CHECK(record(Gone(6000), "") == CheckOutcome::kRemoved);  // still gone: nothing more
  CHECK(Queued(*store).size() == 2 * chunks);
}

TEST_CASE("a document recorded before indexing existed is indexed on its next full fetch") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  const store::DocumentKey key{"pages", "https://example.com/a"};
  const std::string text = Document(3, 0);
  REQUIRE(store->Record(key, Fetched(1000, text)).ok());  // no indexer then
  Indexer indexer(*store, {});
  auto result = Ok(indexer.Record(key, "w", Fetched(2000, text), text));
  CHECK(result.outcome == CheckOutcome::kUnchanged);
  CHECK_FALSE(Queued(*store).empty());
}

TEST_CASE("a source that left the configuration has all its chunks deleted, and no other") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey gone{"old-source", "https://example.com/a"};
  const store::DocumentKey kept{"other", "https://example.com/b"};
  for (const auto& key : {gone, kept}) {
    const std::string text = Document(6, static_cast<int>(key.source.size()));
    REQUIRE(indexer.Record(key, "w", Fetched(1000, text), text).ok());
  }
  const std::size_t before = Queued(*store).size();
  const std::uint64_t deletes = Ok(indexer.ForgetSource("old-source", 2000));
  const std::vector<IndexOperation> all = Queued(*store);
  REQUIRE(all.size() == before + deletes);
  CHECK(deletes > 0);
  for (std::size_t i = before; i < all.size(); ++i) {
    CHECK(all[i].kind == IndexOperation::Kind::kDelete);
    CHECK(all[i].metadata.source == "old-source");
  }
  CHECK_FALSE(Ok(store->Has(Ok(FindTables(*store)).chunk_manifests,
                            DocumentChunksKey(gone.source, gone.uri))));
  CHECK(Ok(store->Has(Ok(FindTables(*store)).chunk_manifests,
                      DocumentChunksKey(kept.source, kept.uri))));
  CHECK_FALSE(Ok(store->Get(gone)).indexed);  // re-added, its documents are fetched in full
  CHECK(Ok(store->Get(kept)).indexed);
}

TEST_CASE("a new embedder gets every chunk again") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  std::size_t chunks = 0;
  for (int i = 0; i < 3; ++i) {
    const store::DocumentKey key{"s", "https://example.com/" + std::to_string(i)};
    const std::string text = Document(5, i);
    REQUIRE(indexer.Record(key, "w", Fetched(1000, text), text).ok());
    chunks += ChunkText(DocumentChunksKey(key.source, key.uri), text, {}).size();
  }
  CHECK(Ok(indexer.QueueResendAll(2000)) == chunks);
  const std::vector<IndexOperation> all = Queued(*store);
  REQUIRE(all.size() == 2 * chunks);
  for (std::size_t i = chunks; i < all.size(); ++i) {
    CHECK(all[i].kind == IndexOperation::Kind::kUpsert);
    CHECK_FALSE(all[i].text.empty());
  }
}

TEST_CASE("reconciliation waits while operations are pending") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey key{"s", "https://example.com/a"};
  const std::string text = Document(5, 1);
  REQUIRE(indexer.Record(key, "w", Fetched(1000, text), text).ok());
  Result<Indexer::ReconcilePlan> plan = indexer.PlanReconcile({}, 2000);
  CHECK(plan.status().IsUnavailable());
  CHECK_THAT(plan.status().message(), Catch::Contains("pending"));
  CHECK(Queued(*store).size() ==
        ChunkText(DocumentChunksKey(key.source, key.uri), text, {}).size());
}

}  // namespace
}  // namespace freshd::rag
