// The embedded sink keeps each chunk's page and heading, returns them with its search
// results, and still reads the chunk records written before chunks had a location.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "rag/embedded_index.h"
#include "rag/embedded_records.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/store/status_testing.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using freshd::testing::Ok;

SinkOperation Upsert(const std::string& id, const std::string& text, std::uint32_t page,
                     const std::string& heading) {
  SinkOperation upsert;
  upsert.operation = {.kind = IndexOperation::Kind::kUpsert,
                      .chunk_id = id,
                      .text = text,
                      .metadata = {.workload = "policies",
                                   .source = "docs",
                                   .uri = "https://example.com/refund-policy.pdf",
                                   .fetched_ms = 1700000000000,
                                   .content_hash = "hash"},
                      .detected_ms = 1700000000000,
                      .page = page,
                      .heading = heading};
  return upsert;
}

struct Fixture {
  Fixture() {
    store::StoreOptions options;
    DeclareTables(options);
    store = Ok(store::StateStore::Open(dir / "state", options));
    index = std::make_unique<EmbeddedIndex>(*store);
  }
  testing::TempDir dir;
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<EmbeddedIndex> index;
};

// A chunk record as version 1 wrote it: no page, no heading.
std::string VersionOneRecord(const std::string& text, std::uint64_t words,
                             const std::vector<std::string>& terms) {
  std::string bytes(1, '\x01');
  const auto varint = [&](std::uint64_t value) {
    while (value >= 0x80) {
      bytes.push_back(static_cast<char>((value & 0x7f) | 0x80));
      value >>= 7;
    }
    bytes.push_back(static_cast<char>(value));
  };
  const auto string = [&](const std::string& value) {
    varint(value.size());
    bytes += value;
  };
  string(text);
  for (const char* field : {"policies", "docs", "https://example.com/old.pdf"}) string(field);
  varint(2 * 1700000000000);  // zigzag of a positive fetched_ms
  string("old-hash");
  varint(words);
  varint(terms.size());
  for (const std::string& term : terms) string(term);
  varint(0);  // no vector
  return bytes;
}

TEST_CASE("search results carry their chunk's page and heading", "[embedded][location]") {
  Fixture fixture;
  REQUIRE(fixture.index
              ->Apply({Upsert("p4", "A refund is paid within five business days.", 4, ""),
                       Upsert("h", "The refund window opens on delivery.", 0, "Refunds > Window"),
                       Upsert("none", "Refund requests go to the support desk.", 0, "")})
              .ok());
  const std::vector<SearchHit> hits = Ok(fixture.index->Search("refund", {}, 10));
  REQUIRE(hits.size() == 3);
  int seen = 0;
  for (const SearchHit& hit : hits) {
    INFO(hit.chunk_id);
    if (hit.chunk_id == "p4") {
      CHECK(hit.page == 4);
      CHECK(hit.heading.empty());
      ++seen;
    } else if (hit.chunk_id == "h") {
      CHECK(hit.page == 0);
      CHECK(hit.heading == "Refunds > Window");
      ++seen;
    } else if (hit.chunk_id == "none") {
      CHECK(hit.page == 0);
      CHECK(hit.heading.empty());
      ++seen;
    }
  }
  CHECK(seen == 3);
}

TEST_CASE("chunk records keep the page and heading", "[embedded][location]") {
  embedded::ChunkRecord chunk;
  chunk.text = "Refunds.";
  chunk.page = 4294967295u;
  chunk.heading = "Refunds > Window";
  chunk.words = 1;
  chunk.terms = {"refunds"};
  const std::string bytes = embedded::EncodeChunk(chunk);
  for (const bool with_terms : {true, false}) {
    const auto decoded = embedded::DecodeChunk(bytes, with_terms);
    REQUIRE(decoded);
    CHECK(decoded->page == 4294967295u);
    CHECK(decoded->heading == "Refunds > Window");
    CHECK(decoded->text == "Refunds.");
  }
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CHECK_FALSE(embedded::DecodeChunk(bytes.substr(0, size)));
  }
}

TEST_CASE("a chunk record of version 1 is still found, without a location",
          "[embedded][location]") {
  Fixture fixture;
  REQUIRE(fixture.index->Apply({Upsert("old", "Refunds of old.", 3, "Old")}).ok());
  // Rewrite it as an older freshd left it; its postings stay as they are.
  const std::string old_record = VersionOneRecord("Refunds of old.", 2, {"old", "refunds"});
  const auto decoded = embedded::DecodeChunk(old_record);
  REQUIRE(decoded);
  CHECK(decoded->metadata.uri == "https://example.com/old.pdf");
  CHECK(decoded->metadata.fetched_ms == 1700000000000);
  CHECK(decoded->terms == std::vector<std::string>{"old", "refunds"});
  store::WriteSet writes;
  writes.Put(Ok(FindTables(*fixture.store)).search_chunks, "old", old_record);
  REQUIRE(fixture.store->Apply(writes).ok());

  const std::vector<SearchHit> hits = Ok(fixture.index->Search("refunds", {}, 5));
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].chunk_id == "old");
  CHECK(hits[0].metadata.uri == "https://example.com/old.pdf");
  CHECK(hits[0].page == 0);
  CHECK(hits[0].heading.empty());
  // And it can be replaced or deleted as any other.
  REQUIRE(fixture.index->Apply({Upsert("old", "Refunds of new.", 5, "")}).ok());
  const std::vector<SearchHit> replaced = Ok(fixture.index->Search("refunds", {}, 5));
  REQUIRE(replaced.size() == 1);
  CHECK(replaced[0].page == 5);
}

}  // namespace
}  // namespace freshd::rag
