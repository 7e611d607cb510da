// The embedded sink against a real store in a temporary folder: BM25 over the postings,
// re-ranking by vectors, idempotent upserts and deletes, and what survives a reopen.
#include "rag/embedded_index.h"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "rag/embedded_records.h"
#include "rag/embedder.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;
using store::StateStore;
using store::TableId;

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
  Ok(store.Scan(
      Ok(FindTables(store)).search_terms, "", "", [&](std::string_view key, std::string_view) {
        const std::size_t separator = key.find('\0');
        if (separator != std::string_view::npos && key.substr(separator + 1) == chunk_id) {
          terms.emplace_back(key.substr(0, separator));
        }
        return true;
      }));
  return terms;
}

std::size_t EntriesIn(const StateStore& store, TableId table) {
  std::size_t entries = 0;
  Ok(store.Scan(table, "", "", [&](std::string_view, std::string_view) {
    ++entries;
    return true;
  }));
  return entries;
}

class IndexFixture {
 public:
  explicit IndexFixture(EmbeddedIndexOptions options = {}) : options_(options) { Open(); }

  void Reopen() {
    index_.reset();
    store_.reset();
    Open();
  }

  void Apply(const std::vector<SinkOperation>& batch) {
    const Status status = index_->Apply(batch);
    INFO(status.message());
    REQUIRE(status.ok());
  }

  StateStore& store() { return *store_; }
  EmbeddedIndex& index() { return *index_; }
  std::vector<SearchHit> Search(std::string_view query, const Vector& vector, std::size_t k) {
    return Ok(index_->Search(query, vector, k));
  }

 private:
  void Open() {
    store::StoreOptions options;
    DeclareTables(options);
    store_ = Ok(StateStore::Open(dir_ / "state", options));
    index_ = std::make_unique<EmbeddedIndex>(*store_, options_);
  }

  EmbeddedIndexOptions options_;
  testing::TempDir dir_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<EmbeddedIndex> index_;
};

TEST_CASE("the chunk that matches a query best comes first, with its text and metadata") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  CHECK(fixture.index().ChunkCount() == 6);

  const auto hits = fixture.Search("compaction of sorted tables", {}, 3);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].chunk_id == "rocksdb-1");
  CHECK(hits[0].text == "RocksDB compaction merges sorted string tables in the background.");
  CHECK(hits[0].metadata.uri == "https://example.com/rocksdb-1");
  CHECK(hits[0].metadata.source == "docs");
  CHECK(hits[0].metadata.workload == "support");
  CHECK(hits[0].metadata.fetched_ms == 1700000000000);
  CHECK(hits[0].metadata.content_hash == "hash-rocksdb-1");
  CHECK(hits[0].lexical > 0);
  CHECK(hits[0].vector == 0);
  // The best BM25, but the words not as written: half the score.
  CHECK_FALSE(hits[0].phrase);
  CHECK(hits[0].score == Approx(0.5));
  const auto as_written = fixture.Search("Sorted string tables", {}, 3);
  REQUIRE(as_written.size() == 1);
  CHECK(as_written[0].phrase);
  CHECK(as_written[0].score == Approx(1.0));

  // Both Kubernetes chunks mention pods; only the first also has containers.
  CHECK(IdsOf(fixture.Search("Pod containers", {}, 5)) ==
        std::vector<std::string>{"k8s-1", "k8s-2"});
}

TEST_CASE("BM25 weighs rare terms above common ones, and short chunks above long ones") {
  IndexFixture fixture;
  fixture.Apply({Upsert("c1", "apple banana"), Upsert("c2", "apple cherry"),
                 Upsert("c3", "apple date"), Upsert("c4", "apple elderberry")});
  const auto rare = fixture.Search("apple cherry", {}, 4);
  REQUIRE(rare.size() == 4);
  CHECK(rare[0].chunk_id == "c2");
  CHECK(rare[0].lexical > 2 * rare[1].lexical);

  fixture.Apply({Upsert("long", "kiwi grows on vines in warm climates with long summers"),
                 Upsert("short", "kiwi fruit")});
  CHECK(IdsOf(fixture.Search("kiwi", {}, 2)) == std::vector<std::string>{"short", "long"});
}

TEST_CASE("applying the same batch again changes nothing") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  const auto before = fixture.Search("pod write bread", {}, 10);
  const std::size_t postings_before =
      EntriesIn(fixture.store(), Ok(FindTables(fixture.store())).search_terms);

  fixture.Apply(Corpus());
  CHECK(fixture.index().ChunkCount() == 6);
  CHECK(EntriesIn(fixture.store(), Ok(FindTables(fixture.store())).search_terms) ==
        postings_before);
  const auto after = fixture.Search("pod write bread", {}, 10);
  REQUIRE(IdsOf(after) == IdsOf(before));
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].score == before[i].score);
}

TEST_CASE("a deleted chunk is never found again, and its postings are gone") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  REQUIRE_FALSE(PostingTermsOf(fixture.store(), "k8s-1").empty());

  fixture.Apply({Delete("k8s-1")});
  CHECK(fixture.index().ChunkCount() == 5);
  CHECK(IdsOf(fixture.Search("kubernetes pod containers node", {}, 10)) ==
        std::vector<std::string>{"k8s-2"});
  CHECK(fixture.Search("kubernetes containers", {}, 10).empty());
  CHECK(PostingTermsOf(fixture.store(), "k8s-1").empty());
  CHECK(fixture.store()
            .Get(Ok(FindTables(fixture.store())).search_chunks, "k8s-1")
            .status()
            .IsNotFound());

  // Deleting it again, or an id never stored, is fine and changes nothing.
  fixture.Apply({Delete("k8s-1"), Delete("never-stored")});
  CHECK(fixture.index().ChunkCount() == 5);
}

TEST_CASE("new text under the same id replaces the old words") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  fixture.Apply({Upsert("bread-1", "Rye bread needs a long proof.")});

  CHECK(fixture.index().ChunkCount() == 6);
  CHECK(fixture.Search("sourdough yeast starter", {}, 5).empty());
  const auto hits = fixture.Search("rye proof", {}, 5);
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

  const auto lexical = fixture.Search("harbour tide", {}, 5);
  REQUIRE(IdsOf(lexical) == std::vector<std::string>{"a", "b"});
  CHECK(lexical[0].lexical == lexical[1].lexical);

  const auto towards_b = fixture.Search("harbour tide", {2.0f, 0.0f}, 5);
  REQUIRE(IdsOf(towards_b) == std::vector<std::string>{"b", "a"});
  CHECK(towards_b[0].vector == Approx(1.0));
  CHECK(towards_b[0].score == Approx(0.5));  // (0 for the phrase + (1 + 1) / 2) / 2
  CHECK(towards_b[1].vector == Approx(0.0).margin(1e-9));
  CHECK(towards_b[1].score == Approx(0.25));

  // A vector only re-ranks: "c" matches the query vector but none of its words.
  CHECK(IdsOf(fixture.Search("harbour tide", {0.0f, 3.0f}, 5)) ==
        std::vector<std::string>{"a", "b"});
}

TEST_CASE("a negative cosine counts as none") {
  IndexFixture fixture;
  fixture.Apply({Upsert("against", "lighthouse keeper", {-1.0f, 0.0f}),
                 Upsert("without", "lighthouse keeper")});
  const auto hits = fixture.Search("lighthouse", {1.0f, 0.0f}, 5);
  REQUIRE(hits.size() == 2);
  for (const SearchHit& hit : hits) CHECK(hit.score == Approx(0.75));  // (1 + (1 + 0) / 2) / 2
  CHECK(hits[0].chunk_id == "against");  // the tie falls to the chunk id
  CHECK(hits[0].vector == Approx(-1.0));
  CHECK(hits[1].vector == 0);
}

TEST_CASE("the index survives reopening the store") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  fixture.Apply({Delete("rocksdb-2")});
  const auto before = fixture.Search("pod compaction bread", {}, 10);
  REQUIRE(before.size() == 4);

  fixture.Reopen();
  CHECK(fixture.index().ChunkCount() == 5);
  const auto after = fixture.Search("pod compaction bread", {}, 10);
  REQUIRE(IdsOf(after) == IdsOf(before));
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i].score == before[i].score);
}

TEST_CASE("ListChunkIds lists every chunk held, sorted") {
  IndexFixture fixture;
  CHECK(fixture.index().ListChunkIds().ok());
  CHECK(fixture.index().ListChunkIds().value().empty());

  fixture.Apply(Corpus());
  fixture.Apply({Upsert("zz", "last"), Upsert("aa", "first"), Delete("bread-2")});
  const Result<std::vector<std::string>> list = fixture.index().ListChunkIds();
  REQUIRE(list.ok());
  CHECK(list.value() == std::vector<std::string>{"aa", "bread-1", "k8s-1", "k8s-2", "rocksdb-1",
                                                 "rocksdb-2", "zz"});
  CHECK(fixture.index().ChunkCount() == list.value().size());
}

TEST_CASE("no more than k hits are returned") {
  IndexFixture fixture;
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 80; ++i) {
    batch.push_back(Upsert("chunk-" + std::to_string(i), "alpha chunk " + std::to_string(i)));
  }
  fixture.Apply(batch);
  CHECK(fixture.Search("alpha", {}, 3).size() == 3);
  CHECK(fixture.Search("alpha", {}, 1).size() == 1);
  CHECK(fixture.Search("alpha", {}, 0).empty());
  CHECK(fixture.Search("alpha", {}, 200).size() == 80);
  // One chunk's own number ranks it first among the 80.
  const auto hits = fixture.Search("alpha 42", {}, 3);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0].chunk_id == "chunk-42");
}

// The first `n` hits of `hits`.
std::vector<std::string> FirstIds(const std::vector<SearchHit>& hits, std::size_t n) {
  std::vector<std::string> ids = IdsOf(hits);
  ids.resize(std::min(n, ids.size()));
  return ids;
}

TEST_CASE("the first n hits are the same for every k from n up to the candidate count") {
  IndexFixture fixture;
  // The longer a chunk, the lower its BM25 for "alpha", and the closer its vector to the
  // query's: the best hybrid score is the longest chunk's, the worst by BM25.
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 300; ++i) {
    std::string text = "alpha beta";
    for (int filler = 0; filler < i; ++filler) text += " filler";
    batch.push_back(Upsert("chunk-" + std::to_string(1000 + i), text,
                           {static_cast<float>(i), static_cast<float>(300 - i)}));
  }
  fixture.Apply(batch);
  const Vector query_vector = {1.0f, 0.0f};
  const std::size_t candidates = EmbeddedIndexOptions{}.candidates;
  const auto all = fixture.Search("alpha", query_vector, candidates);
  REQUIRE(all.size() == candidates);
  // More than 50 chunks have a better BM25 than the first hit.
  CHECK(std::ranges::count_if(
            all, [&](const SearchHit& hit) { return hit.lexical > all[0].lexical; }) > 50);
  for (const std::size_t k : {1, 5, 20, 50, 100, 199}) {
    INFO("k = " << k);
    const auto hits = fixture.Search("alpha", query_vector, k);
    CHECK(IdsOf(hits) == FirstIds(all, k));
    for (std::size_t i = 0; i < hits.size(); ++i) CHECK(hits[i].score == all[i].score);
  }
}

TEST_CASE("past the candidate count, k candidates are ranked") {
  IndexFixture fixture({.candidates = 3});
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 10; ++i) batch.push_back(Upsert("c" + std::to_string(i), "gamma delta"));
  fixture.Apply(batch);
  CHECK(fixture.Search("gamma", {}, 2).size() == 2);
  CHECK(fixture.Search("gamma", {}, 5).size() == 5);
  CHECK(fixture.Search("gamma", {}, 20).size() == 10);
}

// Chunks "c00" to "c39" all say "common"; "c10" and "c30" also say "zebra", "c30" twice.
std::vector<SinkOperation> CommonAndRare() {
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 40; ++i) {
    std::string text = "common words in chunk " + std::to_string(i);
    if (i == 10) text += ", with a zebra";
    if (i == 30) text += ", with a zebra and another zebra, and common again";
    batch.push_back(Upsert((i < 10 ? "c0" : "c") + std::to_string(i), text));
  }
  return batch;
}

TEST_CASE("a term in more chunks than the cap does not choose the candidates, and counts exactly") {
  IndexFixture fixture({.max_postings_per_term = 4});
  fixture.Apply(CommonAndRare());
  const EmbeddedIndex uncapped(fixture.store());

  // "common" and "chunk" are in 40 chunks, more than the 4 postings read: the candidates are
  // the chunks with a rare term, not the first by id ("c00" to "c03"). The common terms' BM25
  // is in the candidates' scores, exactly (these ids are not the chunker's hashes, so the
  // chunks with the term are counted: see the next test). Without the cap, the chunks with
  // common terms only come after them.
  const std::vector<std::pair<std::string, std::vector<std::string>>> queries = {
      {"zebra common", {"c30", "c10"}},
      {"zebra common chunk 30", {"c30", "c10"}},
      {"common 12", {"c12"}}};
  for (const auto& [query, expected] : queries) {
    INFO(query);
    const auto capped_hits = fixture.Search(query, {}, 10);
    const auto exact_hits = Ok(uncapped.Search(query, {}, 10));
    REQUIRE(IdsOf(capped_hits) == expected);
    REQUIRE(FirstIds(exact_hits, expected.size()) == expected);
    for (std::size_t i = 0; i < capped_hits.size(); ++i) {
      CHECK(capped_hits[i].lexical == Approx(exact_hits[i].lexical).epsilon(1e-12));
      CHECK(capped_hits[i].score == Approx(exact_hits[i].score).epsilon(1e-12));
    }
  }
}

// 32 hex digits, as the chunker's ids.
std::string HexId(std::uint64_t number) {
  std::uint64_t z = number * 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(z ^ (z >> 31)),
                static_cast<unsigned long long>(number));
  return hex;
}

TEST_CASE("how many chunks a common term is in is estimated from where its reading stops") {
  constexpr std::size_t kCap = 1100;
  IndexFixture fixture({.max_postings_per_term = kCap});
  // Of 6,000 chunks: "frequent" in 5,000, "half" in 3,000, "third" in 2,000, "marker" in 15.
  std::vector<SinkOperation> batch;
  for (int i = 0; i < 6000; ++i) {
    std::string text = "chunk " + std::to_string(i);
    if (i % 6 != 0) text += " frequent";
    if (i % 2 == 0) text += " half";
    if (i % 3 == 0) text += " third";
    if (i % 400 == 0) text += " marker";
    batch.push_back(Upsert(HexId(i), text));
  }
  fixture.Apply(batch);
  const EmbeddedIndex uncapped(fixture.store());

  for (const std::string query : {"marker frequent", "marker half", "marker third"}) {
    INFO(query);
    const auto estimated = fixture.Search(query, {}, 20);
    const auto exact = Ok(uncapped.Search(query, {}, 20));
    REQUIRE(estimated.size() == 15);  // the chunks with "marker" (see the test before)
    REQUIRE(IdsOf(estimated) == FirstIds(exact, 15));
    for (std::size_t i = 0; i < estimated.size(); ++i) {
      CHECK(estimated[i].lexical == Approx(exact[i].lexical).epsilon(0.02));
    }
  }
  // Alone, a common term is searched in the chunks before where its reading stopped: at the
  // cap, or, for a term in far more chunks than the cap, sooner.
  CHECK(fixture.Search("third", {}, 6000).size() == kCap);
  CHECK(fixture.Search("half", {}, 6000).size() < kCap);
  CHECK(fixture.Search("frequent", {}, 6000).size() < kCap);
}

TEST_CASE("when every term is common, the hits come from a sample of the store, whatever k") {
  IndexFixture fixture({.max_postings_per_term = 4});
  fixture.Apply(CommonAndRare());
  // The sample: the chunks before the fifth id of the term's postings, "c00" to "c03".
  const auto all = fixture.Search("common", {}, 40);
  CHECK(IdsOf(all) == std::vector<std::string>{"c00", "c01", "c02", "c03"});
  for (const std::size_t k : {1, 2, 3}) {
    CHECK(IdsOf(fixture.Search("common", {}, k)) == FirstIds(all, k));
  }
  const auto two_terms = fixture.Search("common words", {}, 40);
  CHECK(IdsOf(two_terms) == std::vector<std::string>{"c00", "c01", "c02", "c03"});
  // A word in no chunk changes nothing.
  CHECK(IdsOf(fixture.Search("common zyzzyva", {}, 40)) == IdsOf(all));
}

TEST_CASE("a chunk holding the query as written comes before a shorter near-copy") {
  IndexFixture fixture;
  const auto embedder = MakeHashingEmbedder(384);
  const std::vector<std::string> texts = {
      "Refunds are paid within 30 days of purchase. Gift cards are not refundable once "
      "redeemed, and the shipping costs are kept.",
      "Refunds are paid within 14 days of purchase."};
  const Result<std::vector<Vector>> vectors = embedder->Embed(texts);
  REQUIRE(vectors.ok());
  fixture.Apply({Upsert("holds-it", texts[0], vectors.value()[0]),
                 Upsert("near-copy", texts[1], vectors.value()[1]),
                 Upsert("other", "Shipping takes 5 days.", {})});

  const std::string query = "Refunds are paid within 30 days of purchase.";
  const auto hits = fixture.Search(query, embedder->Embed({query}).value()[0], 5);
  REQUIRE(IdsOf(hits) == std::vector<std::string>{"holds-it", "near-copy", "other"});
  CHECK(hits[0].phrase);
  CHECK_FALSE(hits[1].phrase);
  CHECK(hits[1].vector > hits[0].vector);  // the near-copy is more alike, as a whole
}

TEST_CASE("stop words, unknown words and empty queries find nothing") {
  IndexFixture fixture;
  fixture.Apply(Corpus());
  CHECK(fixture.Search("the and of it", {}, 5).empty());
  CHECK(fixture.Search("zyzzyva", {}, 5).empty());
  CHECK(fixture.Search("", {}, 5).empty());
  CHECK(fixture.Search(" ,.!? ", {1.0f}, 5).empty());
}

TEST_CASE("an empty index finds nothing and counts nothing") {
  IndexFixture fixture;
  CHECK(fixture.index().ChunkCount() == 0);
  CHECK(fixture.Search("anything", {}, 5).empty());
  fixture.Apply({});
  CHECK(fixture.index().ChunkCount() == 0);
}

TEST_CASE("an id repeated in a batch counts once, its last operation winning") {
  IndexFixture fixture;
  fixture.Apply({Upsert("x", "first words"), Upsert("x", "second words")});
  CHECK(fixture.index().ChunkCount() == 1);
  CHECK(fixture.Search("first", {}, 5).empty());
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
  std::atomic<int> failed_searches{0};
  std::thread searcher([&] {
    while (!done.load()) {
      Result<std::vector<SearchHit>> hits = fixture.index().Search("pod churn", {1.0f, 0.0f}, 5);
      if (!hits.ok()) failed_searches.fetch_add(1);
      for (const SearchHit& hit : hits.value_or({})) {
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
  CHECK(failed_searches.load() == 0);
  CHECK(fixture.index().ChunkCount() == fixture.index().ListChunkIds().value().size());
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
