// The indexer with located chunks: pages from section markers reach the outbox and the
// manifest, and a store written before locations existed upgrades without re-embedding.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/indexer.h"
#include "rag/operations.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/rag/rag_test_util.h"
#include "tests/store/status_testing.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;
using testing::Fetched;
using testing::Queued;

std::string Paged(const std::vector<std::string>& pages) {
  std::string text;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    text += "\x1epage=" + std::to_string(i + 1) + "\n\n" + pages[i] + "\n\n";
  }
  return text;
}

std::vector<IndexOperation> QueuedSince(const store::StateStore& store, std::size_t first) {
  std::vector<IndexOperation> all = Queued(store);
  all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(first));
  return all;
}

TEST_CASE("a paged document queues each chunk with its own page, kept in its manifest") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey key{"policies", "https://example.com/refund-policy.pdf"};
  const std::string text = Paged({"Refunds are paid within 14 days.",
                                  "Gift cards are not refunded.", "Ask for a refund by mail."});
  REQUIRE(indexer.Record(key, "support", Fetched(1000, text), text).ok());

  const std::vector<IndexOperation> queued = Queued(*store);
  REQUIRE(queued.size() == 3);
  for (std::size_t i = 0; i < queued.size(); ++i) {
    CHECK(queued[i].page == i + 1);
    CHECK(queued[i].text.find('\x1e') == std::string::npos);
  }
  CHECK(queued[1].text == "Gift cards are not refunded.");

  // The manifest has them too: a re-embedding queues every chunk with its page again.
  CHECK(Ok(indexer.QueueResendAll(2000)) == 3);
  const std::vector<IndexOperation> again = QueuedSince(*store, 3);
  REQUIRE(again.size() == 3);
  for (std::size_t i = 0; i < again.size(); ++i) {
    CHECK(again[i].chunk_id == queued[i].chunk_id);
    CHECK(again[i].page == i + 1);
  }
}

TEST_CASE("a paragraph moved to another page is upserted again with its new page") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey key{"policies", "https://example.com/refund-policy.pdf"};
  const std::string moving = "Gift cards are not refunded.";
  const std::string before = Paged({"Refunds are paid within 14 days.", moving});
  const std::string after = Paged({"Refunds are paid within 14 days.", "A new page.", moving});
  REQUIRE(indexer.Record(key, "support", Fetched(1000, before), before).ok());
  REQUIRE(indexer.Record(key, "support", Fetched(2000, after), after).ok());

  const std::vector<IndexOperation> edit = QueuedSince(*store, 2);
  REQUIRE(edit.size() == 3);  // page 2's new text, the moved paragraph, the old one's delete
  CHECK(edit[0].kind == IndexOperation::Kind::kUpsert);
  CHECK(edit[0].page == 2);
  CHECK(edit[1].kind == IndexOperation::Kind::kUpsert);
  CHECK(edit[1].text == moving);
  CHECK(edit[1].page == 3);
  CHECK(edit[2].kind == IndexOperation::Kind::kDelete);
}

TEST_CASE("a manifest of format 1 is compared with the new chunks, not re-embedded") {
  freshd::testing::TempDir dir;
  auto store = testing::OpenStore(dir);
  Indexer indexer(*store, {});
  const store::DocumentKey key{"handbook", "file:///srv/handbook/leave.md"};
  const std::string text = testing::Document(8, 0);
  REQUIRE(indexer.Record(key, "hr", Fetched(1000, text), text).ok());
  const std::size_t first = Queued(*store).size();

  // Rewrite the manifest as a freshd of format 1 left it.
  const std::string manifest_key = DocumentChunksKey(key.source, key.uri);
  const DocumentChunks current =
      *DecodeDocumentChunks(Ok(store->Get(Ok(FindTables(*store)).chunk_manifests, manifest_key)));
  nlohmann::json chunks = nlohmann::json::array();
  for (const Chunk& chunk : current.chunks) chunks.push_back({chunk.id, chunk.text});
  const nlohmann::json v1 = {
      1,
      {current.metadata.workload, current.metadata.source, current.metadata.uri,
       current.metadata.fetched_ms, current.metadata.content_hash},
      chunks};
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_msgpack(v1);
  store::WriteSet writes;
  writes.Put(Ok(FindTables(*store)).chunk_manifests, manifest_key,
             std::string(bytes.begin(), bytes.end()));
  REQUIRE(store->Apply(writes).ok());

  // One paragraph more: only its chunk (and at most its neighbour's) is queued.
  const std::string longer = text + "\n\n" + testing::Document(1, 9);
  REQUIRE(indexer.Record(key, "hr", Fetched(2000, longer), longer).ok());
  const std::vector<IndexOperation> edit = QueuedSince(*store, first);
  CHECK(edit.size() >= 1);
  CHECK(edit.size() <= 3);
}

}  // namespace
}  // namespace freshd::rag
