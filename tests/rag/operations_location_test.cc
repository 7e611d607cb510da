// Chunk locations (page, heading) in operations and manifests, and the records of format 1,
// written before chunks had one.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/operations.h"

namespace freshd::rag {
namespace {

using Kind = IndexOperation::Kind;
using nlohmann::json;

ChunkMetadata SampleMetadata() {
  return {.workload = "policies",
          .source = "web",
          .uri = "https://example.org/refund-policy.pdf",
          .fetched_ms = 1'700'000'000'123,
          .content_hash = "9f86d081884c7d65"};
}

std::string Msgpack(const json& value) {
  const std::vector<std::uint8_t> bytes = json::to_msgpack(value);
  return std::string(bytes.begin(), bytes.end());
}

json MetadataArray() {
  return json::array(
      {"policies", "web", "https://example.org/refund-policy.pdf", 1'700'000'000'123, "9f86d0"});
}

TEST_CASE("an upsert keeps its chunk's page and heading through encoding",
          "[operations][location]") {
  IndexOperation upsert{.kind = Kind::kUpsert,
                        .chunk_id = "0123456789abcdef0123456789abcdef",
                        .text = "Refunds are paid within 5 days.",
                        .metadata = SampleMetadata(),
                        .detected_ms = 1'700'000'000'999,
                        .page = 4,
                        .heading = "Refunds > Window"};
  for (const std::uint32_t page : {0u, 4u, 4294967295u}) {
    upsert.page = page;
    const std::optional<IndexOperation> decoded = DecodeOperation(EncodeOperation(upsert));
    REQUIRE(decoded);
    CHECK(decoded->page == page);
    CHECK(decoded->heading == "Refunds > Window");
    CHECK(decoded->text == upsert.text);
    CHECK(decoded->metadata.uri == upsert.metadata.uri);
    CHECK(decoded->detected_ms == upsert.detected_ms);
  }
}

TEST_CASE("a manifest keeps each chunk's own location", "[operations][location]") {
  const DocumentChunks document{
      .metadata = SampleMetadata(),
      .chunks = {{.id = "a1", .text = "Before any page."},
                 {.id = "b2", .text = "On page 2.", .page = 2},
                 {.id = "c3", .text = "Under a heading.", .heading = "Refunds"},
                 {.id = "d4", .text = "Both.", .page = 7, .heading = "Refunds > Window"}}};
  const std::optional<DocumentChunks> decoded =
      DecodeDocumentChunks(EncodeDocumentChunks(document));
  REQUIRE(decoded);
  REQUIRE(decoded->chunks.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(decoded->chunks[i].id == document.chunks[i].id);
    CHECK(decoded->chunks[i].text == document.chunks[i].text);
    CHECK(decoded->chunks[i].page == document.chunks[i].page);
    CHECK(decoded->chunks[i].heading == document.chunks[i].heading);
  }
}

TEST_CASE("upserts carry their own chunk's location, not the document's",
          "[operations][location]") {
  const DocumentChunks before{.metadata = SampleMetadata(),
                              .chunks = {{.id = "kept", .text = "Kept.", .page = 1}}};
  const DocumentChunks after{.metadata = SampleMetadata(),
                             .chunks = {{.id = "kept", .text = "Kept.", .page = 1},
                                        {.id = "p2", .text = "Two.", .page = 2},
                                        {.id = "h", .text = "H.", .heading = "A > B"}}};
  const std::vector<IndexOperation> operations = DiffChunks(&before, &after, 5);
  REQUIRE(operations.size() == 2);
  CHECK(operations[0].chunk_id == "p2");
  CHECK(operations[0].page == 2);
  CHECK(operations[0].heading.empty());
  CHECK(operations[1].chunk_id == "h");
  CHECK(operations[1].page == 0);
  CHECK(operations[1].heading == "A > B");
}

TEST_CASE("operations and manifests of format 1 still decode, without a location",
          "[operations][location]") {
  // Exactly what format 1 wrote: a store upgraded with operations pending loses none.
  const std::string upsert =
      Msgpack(json::array({1, 0u, "0123456789abcdef0123456789abcdef", "Old text.", MetadataArray(),
                           1'700'000'000'999}));
  const std::string removal = Msgpack(json::array({1, 1u, "fedcba9876543210fedcba9876543210", "",
                                                   json::array({"", "web", "/a.txt", 0, ""}), -5}));
  const std::string manifest = Msgpack(
      json::array({1, MetadataArray(),
                   json::array({json::array({"a1", "First."}), json::array({"b2", "Second."})})}));

  const std::optional<IndexOperation> decoded_upsert = DecodeOperation(upsert);
  REQUIRE(decoded_upsert);
  CHECK(decoded_upsert->kind == Kind::kUpsert);
  CHECK(decoded_upsert->chunk_id == "0123456789abcdef0123456789abcdef");
  CHECK(decoded_upsert->text == "Old text.");
  CHECK(decoded_upsert->metadata.uri == "https://example.org/refund-policy.pdf");
  CHECK(decoded_upsert->metadata.fetched_ms == 1'700'000'000'123);
  CHECK(decoded_upsert->detected_ms == 1'700'000'000'999);
  CHECK(decoded_upsert->page == 0);
  CHECK(decoded_upsert->heading.empty());

  const std::optional<IndexOperation> decoded_removal = DecodeOperation(removal);
  REQUIRE(decoded_removal);
  CHECK(decoded_removal->kind == Kind::kDelete);
  CHECK(decoded_removal->metadata.uri == "/a.txt");
  CHECK(decoded_removal->detected_ms == -5);

  const std::optional<DocumentChunks> decoded_manifest = DecodeDocumentChunks(manifest);
  REQUIRE(decoded_manifest);
  REQUIRE(decoded_manifest->chunks.size() == 2);
  CHECK(decoded_manifest->chunks[1].id == "b2");
  CHECK(decoded_manifest->chunks[1].text == "Second.");
  CHECK(decoded_manifest->chunks[1].page == 0);
  CHECK(decoded_manifest->chunks[1].heading.empty());
}

TEST_CASE("a git document's revision path and link go with its chunks through encoding",
          "[operations][location]") {
  ChunkMetadata metadata = SampleMetadata();
  metadata.revision = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
  metadata.path = "docs/refund.md";
  metadata.link = "https://github.com/acme/runbooks/blob/4b825dc6/docs/refund.md";
  const IndexOperation upsert{.kind = Kind::kUpsert,
                              .chunk_id = "0123456789abcdef0123456789abcdef",
                              .text = "Refunds are paid within 5 days.",
                              .metadata = metadata,
                              .detected_ms = 1};
  const std::optional<IndexOperation> decoded = DecodeOperation(EncodeOperation(upsert));
  REQUIRE(decoded.has_value());
  CHECK(decoded->metadata.revision == metadata.revision);
  CHECK(decoded->metadata.path == metadata.path);
  CHECK(decoded->metadata.link == metadata.link);
  const DocumentChunks manifest{metadata, {Chunk{"id", "text"}}};
  const std::optional<DocumentChunks> read = DecodeDocumentChunks(EncodeDocumentChunks(manifest));
  REQUIRE(read.has_value());
  CHECK(read->metadata.link == metadata.link);
  // Metadata without them keeps its five fields, as format 1 wrote it.
  IndexOperation plain = upsert;
  plain.metadata = SampleMetadata();
  CHECK(DecodeOperation(EncodeOperation(plain))->metadata.revision.empty());
}

TEST_CASE("records of an unknown format or a wrong shape are refused", "[operations][location]") {
  const json metadata = MetadataArray();
  for (const json& operation : {
           json::array({3, 0u, "id", "t", metadata, 1, 0u, ""}),  // a future format
           json::array({0, 0u, "id", "t", metadata, 1}),          // no such format
           json::array({2, 0u, "id", "t", metadata, 1}),          // format 2 without location
           json::array({1, 0u, "id", "t", metadata, 1, 0u, ""}),  // format 1 with one
           json::array({2, 0u, "id", "t", metadata, 1, -1, ""}),  // a negative page
           json::array({2, 0u, "id", "t", metadata, 1, 4294967296u, ""}),  // past uint32
           json::array({2, 0u, "id", "t", metadata, 1, 4u, 7}),            // a heading not a string
       }) {
    INFO(operation.dump());
    CHECK_FALSE(DecodeOperation(Msgpack(operation)));
  }
  for (const json& chunk : {json::array({"id", "t", 2u, "h"})}) {
    CHECK_FALSE(DecodeDocumentChunks(Msgpack(json::array({1, metadata, json::array({chunk})}))));
    CHECK(DecodeDocumentChunks(Msgpack(json::array({2, metadata, json::array({chunk})}))));
  }
  CHECK_FALSE(DecodeDocumentChunks(
      Msgpack(json::array({2, metadata, json::array({json::array({"id", "t", 2u})})}))));
}

}  // namespace
}  // namespace freshd::rag
