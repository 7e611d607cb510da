// The embedded sink against a real store in a temporary folder: BM25 over the postings,
// re-ranking by vectors, idempotent upserts and deletes, and what survives a reopen.
#include "rag/embedded_index.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rag/embedded_records.h"
#include "store/state_store.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using store::StateStore;
using store::Table;

SinkOperation Upsert(const std::string& id, const std::string& text, Vector vector = {}) {
  SinkOperation upsert;
  upsert.operation.kind = IndexOperation::Kind::kUpsert;
  upsert.operation.chunk_id = id;
  upsert.operation.text = text;
  upsert.operation.metadata = {.workload = "support",
                               .source = "docs",
                               .uri = "https://example.com/" + id,
                               .fetched_ms = 1700000000000,
                               .content_hash = "hash-" + id};
  upsert.vector = std::move(vector);
  return upsert;
}

SinkOperation Delete(const std::string& id) {
  SinkOperation remove;
  remove.operation.kind = IndexOperation::Kind::kDelete;
  remove.operation.chunk_id = id;
  remove.operation.metadata.source = "docs";
  remove.operation.metadata.uri = "https://example.com/" + id;
  return remove;
}

// Three documents of two chunks each.
std::vector<SinkOperation> Corpus() {
  return {
      Upsert("rocksdb-1", "RocksDB compaction merges sorted string tables in the background."),
      Upsert("rocksdb-2", "The write-ahead log makes every write durable before it returns."),
      Upsert("k8s-1", "A Kubernetes pod runs one or more containers on a node."),
      Upsert("k8s-2", "Deployments roll out new pod versions gradually."),
      Upsert("bread-1", "Sourdough bread rises slowly with a wild yeast starter."),
      Upsert("bread-2", "Bake the loaf in a hot Dutch oven for a crisp crust."),
  };
}

std::vector<std::string> IdsOf(const std::vector<SearchHit>& hits) {
  std::vector<std::string> ids;
  for (const SearchHit& hit : hits) ids.push_back(hit.chunk_id);
  return ids;
}

// The terms the chunk has postings under, read from the table itself.
std::vector<std::string> PostingTermsOf(const StateStore& store, const std::string& chunk_id) {
  std::vector<std::string> terms;
  store.Scan(Table::kSearchTerms, "", "", [&](std::string_view key, std::string_view) {
    const std::size_t separator = key.find('\0');
    if (separator != std::string_view::npos && key.substr(separator + 1) == chunk_id) {
      terms.emplace_back(key.substr(0, separator));
    }
    return true;
  });
  return terms;
}

std::size_t EntriesIn(const StateStore& store, Table table) {
  std::size_t entries = 0;
  store.Scan(table, "", "", [&](std::string_view, std::string_view) {
    ++entries;
    return true;
  });
  return entries;
}

class IndexFixture {
 public:
  IndexFixture() { Open(); }

  void Reopen() {
    index_.reset();
    store_.reset();
    Open();
  }

  void Apply(const std::vector<SinkOperation>& batch) {
    const SinkStatus status = index_->Apply(batch);
    INFO(status.error);
    REQUIRE(status.ok);
  }

  StateStore& store() { return *store_; }
  EmbeddedIndex& index() { return *index_; }

 private:
  void Open() {
    std::string error;
    store_ = StateStore::Open(dir_ / "state", {}, &error);
    INFO(error);
    REQUIRE(store_);
    index_ = std::make_unique<EmbeddedIndex>(*store_);
  }

  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<EmbeddedIndex> index_;
};

TEST_CASE("the chunk that matches a query best comes first, with its text and metadata") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  CHECK(fixture.index().ChunkCount() == 6);

  const auto hits = fixture.index().Search("compaction of sorted tables", {}, 3);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].chunk_id == "rocksdb-1");
  CHECK(hits[0].text == "RocksDB compaction merges sorted string tables in the background.");
  CHECK(hits[0].metadata.uri == "https://example.com/rocksdb-1");
  CHECK(hits[0].metadata.source == "docs");
  CHECK(hits[0].metadata.workload == "support");
  CHECK(hits[0].metadata.fetched_ms == 1700000000000);
  CHECK(hits[0].metadata.content_hash == "hash-rocksdb-1");
  CHECK(hits[0].lexical > 0);
  CHECK(hits[0].score == Approx(1.0));
  CHECK(hits[0].vector == 0);

  // Both Kubernetes chunks mention pods; only the first also has containers.
  CHECK(IdsOf(fixture.index().Search("Pod containers", {}, 5)) ==
        std::vector<std::string>{"k8s-1", "k8s-2"});
}

TEST_CASE("BM25 weighs rare terms above common ones, and short chunks above long ones") {
  IndexFixture fixture;
  fixture.Apply({Upsert("c1", "apple banana"), Upsert("c2", "apple cherry"),
                 Upsert("c3", "apple date"), Upsert("c4", "apple elderberry")});
  const auto rare = fixture.index().Search("apple cherry", {}, 4);
  REQUIRE(rare.size() == 4);
  CHECK(rare[0].chunk_id == "c2");
  CHECK(rare[0].lexical > 2 * rare[1].lexical);

  fixture.Apply({Upsert("long", "kiwi grows on vines in warm climates with long summers"),
                 Upsert("short", "kiwi fruit")});
  CHECK(IdsOf(fixture.index().Search("kiwi", {}, 2)) == std::vector<std::string>{"short", "long"});
}

TEST_CASE("applying the same batch again changes nothing") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  const auto before = fixture.index().Search("pod write bread", {}, 10);
  const std::size_t postings_before = EntriesIn(fixture.store(), Table::kSearchTerms);

  fixture.Apply(Corpus());
  CHECK(fixture.index().ChunkCount() == 6);
  CHECK(EntriesIn(fixture.store(), Table::kSearchTerms) == postings_before);
  const auto after = fixture.index().Search("pod write bread", {}, 10);
  REQUIRE(IdsOf(after) == IdsOf(before));
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].score == before[i].score);
}

TEST_CASE("a deleted chunk is never found again, and its postings are gone") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  REQUIRE_FALSE(PostingTermsOf(fixture.store(), "k8s-1").empty());

  fixture.Apply({Delete("k8s-1")});
  CHECK(fixture.index().ChunkCount() == 5);
  CHECK(IdsOf(fixture.index().Search("kubernetes pod containers node", {}, 10)) ==
        std::vector<std::string>{"k8s-2"});
  CHECK(fixture.index().Search("kubernetes containers", {}, 10).empty());
  CHECK(PostingTermsOf(fixture.store(), "k8s-1").empty());
  CHECK_FALSE(fixture.store().Get(Table::kSearchChunks, "k8s-1").has_value());

  // Deleting it again, or an id never stored, is fine and changes nothing.
  fixture.Apply({Delete("k8s-1"), Delete("never-stored")});
  CHECK(fixture.index().ChunkCount() == 5);
}

TEST_CASE("new text under the same id replaces the old words") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  fixture.Apply({Upsert("bread-1", "Rye bread needs a long proof.")});

  CHECK(fixture.index().ChunkCount() == 6);
  CHECK(fixture.index().Search("sourdough yeast starter", {}, 5).empty());
  const auto hits = fixture.index().Search("rye proof", {}, 5);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].chunk_id == "bread-1");
  CHECK(hits[0].text == "Rye bread needs a long proof.");
  // "a" is a stop word: not indexed.
  CHECK(PostingTermsOf(fixture.store(), "bread-1") ==
        std::vector<std::string>{"bread", "long", "needs", "proof", "rye"});
}

TEST_CASE("vectors re-rank chunks that tie lexically") {
  IndexFixture fixture;
  fixture.Apply({Upsert("a", "tide tables for the harbour", {0.0f, 1.0f}),
                 Upsert("b", "tide tables for the harbour", {1.0f, 0.0f}),
                 Upsert("c", "opening hours of the museum", {1.0f, 0.0f})});

  const auto lexical = fixture.index().Search("harbour tide", {}, 5);
  REQUIRE(IdsOf(lexical) == std::vector<std::string>{"a", "b"});
  CHECK(lexical[0].lexical == lexical[1].lexical);

  const auto towards_b = fixture.index().Search("harbour tide", {2.0f, 0.0f}, 5);
  REQUIRE(IdsOf(towards_b) == std::vector<std::string>{"b", "a"});
  CHECK(towards_b[0].vector == Approx(1.0));
  CHECK(towards_b[0].score == Approx(1.0));
  CHECK(towards_b[1].vector == Approx(0.0).margin(1e-9));
  CHECK(towards_b[1].score == Approx(0.5));

  // A vector only re-ranks: "c" matches the query vector but none of its words.
  CHECK(IdsOf(fixture.index().Search("harbour tide", {0.0f, 3.0f}, 5)) ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("a negative cosine counts as none") {
  IndexFixture fixture;
  fixture.Apply({Upsert("against", "lighthouse keeper", {-1.0f, 0.0f}),
                 Upsert("without", "lighthouse keeper")});
  const auto hits = fixture.index().Search("lighthouse", {1.0f, 0.0f}, 5);
  REQUIRE(hits.size() == 2);
  for (const SearchHit& hit : hits) CHECK(hit.score == Approx(0.5));
  CHECK(hits[0].chunk_id == "against");  // the tie falls to the chunk id
  CHECK(hits[0].vector == Approx(-1.0));
  CHECK(hits[1].vector == 0);
}

TEST_CASE("the index survives reopening the store") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  fixture.Apply({Delete("rocksdb-2")});
  const auto before = fixture.index().Search("pod compaction bread", {}, 10);
  REQUIRE(before.size() == 4);

  fixture.Reopen();
  CHECK(fixture.index().ChunkCount() == 5);
  const auto after = fixture.index().Search("pod compaction bread", {}, 10);
  REQUIRE(IdsOf(after) == IdsOf(before));
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].score == before[i].score);
}

TEST_CASE("ListChunkIds lists every chunk held, sorted") {
  IndexFixture fixture;
  CHECK(fixture.index().ListChunkIds().ok);
  CHECK(fixture.index().ListChunkIds().ids.empty());

  fixture.Apply(Corpus());
  fixture.Apply({Upsert("zz", "last"), Upsert("aa", "first"), Delete("bread-2")});
  const ChunkIdList list = fixture.index().ListChunkIds();
  REQUIRE(list.ok);
  CHECK(list.ids == std::vector<std::string>{"aa", "bread-1", "k8s-1", "k8s-2", "rocksdb-1",
                                             "rocksdb-2", "zz"});
  CHECK(fixture.index().ChunkCount() == list.ids.size());
}

TEST_CASE("no more than k hits are returned") {
  IndexFixture fixture;
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 80; ++i) {
    batch.push_back(Upsert("chunk-" + std::to_string(i), "alpha chunk " + std::to_string(i)));
  }
  fixture.Apply(batch);
  CHECK(fixture.index().Search("alpha", {}, 3).size() == 3);
  CHECK(fixture.index().Search("alpha", {}, 1).size() == 1);
  CHECK(fixture.index().Search("alpha", {}, 0).empty());
  CHECK(fixture.index().Search("alpha", {}, 200).size() == 80);
  // One chunk's own number ranks it first among the 80.
  const auto hits = fixture.index().Search("alpha 42", {}, 3);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0].chunk_id == "chunk-42");
}

TEST_CASE("stop words, unknown words and empty queries find nothing") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  CHECK(fixture.index().Search("the and of it", {}, 5).empty());
  CHECK(fixture.index().Search("zyzzyva", {}, 5).empty());
  CHECK(fixture.index().Search("", {}, 5).empty());
  CHECK(fixture.index().Search(" ,.!? ", {1.0f}, 5).empty());
}

TEST_CASE("an empty index finds nothing and counts nothing") {
  IndexFixture fixture;
  CHECK(fixture.index().ChunkCount() == 0);
  CHECK(fixture.index().Search("anything", {}, 5).empty());
  fixture.Apply({});
  CHECK(fixture.index().ChunkCount() == 0);
}

TEST_CASE("an id repeated in a batch counts once, its last operation winning") {
  IndexFixture fixture;
  fixture.Apply({Upsert("x", "first words"), Upsert("x", "second words")});
  CHECK(fixture.index().ChunkCount() == 1);
  CHECK(fixture.index().Search("first", {}, 5).empty());
  CHECK(PostingTermsOf(fixture.store(), "x") == std::vector<std::string>{"second", "words"});

  fixture.Apply({Upsert("y", "third words"), Delete("y")});
  CHECK(fixture.index().ChunkCount() == 1);
  CHECK(PostingTermsOf(fixture.store(), "y").empty());
}

TEST_CASE("searching while batches are applied is safe") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  std::atomic<bool> done{false};
  std::atomic<int> searches{0};
  std::atomic<int> hits_without_text{0};  // Catch2 assertions are for the main thread only
  std::thread searcher([&] {
    while (!done.load()) {
      for (const SearchHit& hit : fixture.index().Search("pod churn", {1.0f, 0.0f}, 5)) {
        if (hit.text.empty()) hits_without_text.fetch_add(1);
      }
      searches.fetch_add(1);
    }
  });
  while (searches.load() == 0) std::this_thread::yield();  // so that the two overlap
  for (int round = 0; round < 200; ++round) {
    const std::string id = "churn-" + std::to_string(round % 7);
    fixture.Apply({Upsert(id, "pod churn round " + std::to_string(round), {1.0f, 0.0f})});
    if (round % 3 == 0) fixture.Apply({Delete(id)});
  }
  done.store(true);
  searcher.join();
  CHECK(searches.load() > 1);
  CHECK(hits_without_text.load() == 0);
  CHECK(fixture.index().ChunkCount() == fixture.index().ListChunkIds().ids.size());
}

TEST_CASE("records decode what they encoded, and refuse damaged bytes") {
  embedded::ChunkRecord chunk;
  chunk.text = std::string("text with a \0 byte", 18);
  chunk.metadata = {
      .workload = "w", .source = "s", .uri = "u", .fetched_ms = -5, .content_hash = "h"};
  chunk.words = 300;
  chunk.terms = {"byte", "text"};
  chunk.vector = {0.25f, -1.5f, 1e-30f};
  const std::string bytes = embedded::EncodeChunk(chunk);

  const auto decoded = embedded::DecodeChunk(bytes);
  REQUIRE(decoded);
  CHECK(decoded->text == chunk.text);
  CHECK(decoded->metadata.fetched_ms == -5);
  CHECK(decoded->metadata.content_hash == "h");
  CHECK(decoded->words == 300);
  CHECK(decoded->terms == chunk.terms);
  CHECK(decoded->vector == chunk.vector);

  for (std::size_t size = 0; size < bytes.size(); ++size) {
    INFO(size);
    CHECK_FALSE(embedded::DecodeChunk(bytes.substr(0, size)));
  }
  CHECK_FALSE(embedded::DecodeChunk(bytes + "x"));
  std::string other_version = bytes;
  other_version[0] = 9;
  CHECK_FALSE(embedded::DecodeChunk(other_version));

  const auto stats = embedded::DecodeStats(embedded::EncodeStats({.chunks = 7, .words = 1u << 20}));
  REQUIRE(stats);
  CHECK(stats->chunks == 7);
  CHECK(stats->words == 1u << 20);
  const auto posting =
      embedded::DecodePosting(embedded::EncodePosting({.term_frequency = 3, .chunk_words = 200}));
  REQUIRE(posting);
  CHECK(posting->term_frequency == 3);
  CHECK(posting->chunk_words == 200);
}

}  // namespace
}  // namespace freshd::rag
