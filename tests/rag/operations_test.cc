#include "rag/operations.h"

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace freshd::rag {
namespace {

using Kind = IndexOperation::Kind;
using namespace std::string_literals;

ChunkMetadata SampleMetadata() {
  return {.workload = "docs",
          .source = "web",
          .uri = "https://example.org/guide",
          .fetched_ms = 1'700'000'000'123,
          .content_hash = "9f86d081884c7d65"};
}

DocumentChunks Document(const std::vector<std::pair<std::string, std::string>>& chunks) {
  DocumentChunks document{.metadata = SampleMetadata(), .chunks = {}};
  for (const auto& [id, text] : chunks) document.chunks.push_back({id, text});
  return document;
}

void CheckSame(const IndexOperation& a, const IndexOperation& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.chunk_id == b.chunk_id);
  CHECK(a.text == b.text);
  CHECK(a.metadata.workload == b.metadata.workload);
  CHECK(a.metadata.source == b.metadata.source);
  CHECK(a.metadata.uri == b.metadata.uri);
  CHECK(a.metadata.fetched_ms == b.metadata.fetched_ms);
  CHECK(a.metadata.content_hash == b.metadata.content_hash);
  CHECK(a.detected_ms == b.detected_ms);
}

std::vector<std::string> IdsOf(const std::vector<IndexOperation>& operations, Kind kind) {
  std::vector<std::string> ids;
  for (const IndexOperation& operation : operations) {
    if (operation.kind == kind) ids.push_back(operation.chunk_id);
  }
  return ids;
}

TEST_CASE("kinds have names", "[operations]") {
  CHECK(ToString(Kind::kUpsert) == "upsert");
  CHECK(ToString(Kind::kDelete) == "delete");
}

TEST_CASE("an operation survives encoding", "[operations]") {
  const IndexOperation upsert{.kind = Kind::kUpsert,
                              .chunk_id = "0123456789abcdef0123456789abcdef",
                              .text = "Grüße, \0 and a NUL."s,
                              .metadata = SampleMetadata(),
                              .detected_ms = 1'700'000'000'999};
  const IndexOperation removal{.kind = Kind::kDelete,
                               .chunk_id = "fedcba9876543210fedcba9876543210",
                               .text = "",
                               .metadata = {.workload = "",
                                            .source = "files",
                                            .uri = "/srv/a.txt",
                                            .fetched_ms = 0,
                                            .content_hash = ""},
                               .detected_ms = -5};
  for (const IndexOperation& operation : {upsert, removal}) {
    const std::string bytes = EncodeOperation(operation);
    const std::optional<IndexOperation> decoded = DecodeOperation(bytes);
    REQUIRE(decoded);
    CheckSame(*decoded, operation);
  }
}

TEST_CASE("an operation's encoding is compact", "[operations]") {
  const IndexOperation upsert{.kind = Kind::kUpsert,
                              .chunk_id = "0123456789abcdef0123456789abcdef",
                              .text = std::string(1000, 'x'),
                              .metadata = SampleMetadata(),
                              .detected_ms = 1'700'000'000'999};
  const std::size_t payload = upsert.chunk_id.size() + upsert.text.size() +
                              upsert.metadata.workload.size() + upsert.metadata.source.size() +
                              upsert.metadata.uri.size() + upsert.metadata.content_hash.size();
  CHECK(EncodeOperation(upsert).size() <= payload + 40);
}

TEST_CASE("a document's chunks survive encoding", "[operations]") {
  for (const DocumentChunks& document :
       {Document({}), Document({{"a1", "First chunk."}, {"b2", "Zweiter Abschnitt, äöü."}})}) {
    const std::optional<DocumentChunks> decoded =
        DecodeDocumentChunks(EncodeDocumentChunks(document));
    REQUIRE(decoded);
    CHECK(decoded->metadata.workload == document.metadata.workload);
    CHECK(decoded->metadata.source == document.metadata.source);
    CHECK(decoded->metadata.uri == document.metadata.uri);
    CHECK(decoded->metadata.fetched_ms == document.metadata.fetched_ms);
    CHECK(decoded->metadata.content_hash == document.metadata.content_hash);
    REQUIRE(decoded->chunks.size() == document.chunks.size());
    for (std::size_t i = 0; i < document.chunks.size(); ++i) {
      CHECK(decoded->chunks[i].id == document.chunks[i].id);
      CHECK(decoded->chunks[i].text == document.chunks[i].text);
    }
  }
}

TEST_CASE("garbage decodes to nothing, without throwing", "[operations]") {
  const std::string operation = EncodeOperation(
      {.kind = Kind::kUpsert, .chunk_id = "id", .text = "text", .metadata = SampleMetadata()});
  const std::string document = EncodeDocumentChunks(Document({{"id", "text"}}));

  std::vector<std::string> garbage = {"", "\xc1", "not msgpack at all", std::string(64, '\xff')};
  for (std::size_t size = 0; size < operation.size(); ++size) {
    garbage.push_back(operation.substr(0, size));
  }
  for (std::size_t size = 0; size < document.size(); ++size) {
    garbage.push_back(document.substr(0, size));
  }
  std::mt19937 rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes = i % 2 ? operation : document;
    bytes[rng() % bytes.size()] = static_cast<char>(rng());  // one corrupted byte
    garbage.push_back(bytes);
    std::string random(rng() % 64, '\0');
    for (char& c : random) c = static_cast<char>(rng());
    garbage.push_back(random);
  }
  for (const std::string& bytes : garbage) {
    CHECK_NOTHROW(DecodeOperation(bytes));
    CHECK_NOTHROW(DecodeDocumentChunks(bytes));
  }
  for (std::size_t i = 0; i < 4 + operation.size() + document.size(); ++i) {
    CHECK_FALSE(DecodeOperation(garbage[i]));
    CHECK_FALSE(DecodeDocumentChunks(garbage[i]));
  }
  // Each encoding is refused as the other.
  CHECK_FALSE(DecodeOperation(document));
  CHECK_FALSE(DecodeDocumentChunks(operation));
}

TEST_CASE("a new document is all upserts, in its order", "[operations]") {
  const DocumentChunks after = Document({{"c", "Three."}, {"a", "One."}, {"b", "Two."}});
  const auto operations = DiffChunks(nullptr, &after, 42);
  REQUIRE(operations.size() == 3);
  CHECK(IdsOf(operations, Kind::kUpsert) == std::vector<std::string>{"c", "a", "b"});
  for (std::size_t i = 0; i < operations.size(); ++i) {
    CHECK(operations[i].text == after.chunks[i].text);
    CHECK(operations[i].metadata.workload == "docs");
    CHECK(operations[i].metadata.uri == after.metadata.uri);
    CHECK(operations[i].metadata.content_hash == after.metadata.content_hash);
    CHECK(operations[i].metadata.fetched_ms == after.metadata.fetched_ms);
    CHECK(operations[i].detected_ms == 42);
  }
}

TEST_CASE("a removed document is all deletes, naming its source and URI", "[operations]") {
  const DocumentChunks before = Document({{"a", "One."}, {"b", "Two."}});
  const auto operations = DiffChunks(&before, nullptr, 77);
  REQUIRE(operations.size() == 2);
  CHECK(IdsOf(operations, Kind::kDelete) == std::vector<std::string>{"a", "b"});
  for (const IndexOperation& operation : operations) {
    CHECK(operation.metadata.source == "web");
    CHECK(operation.metadata.uri == "https://example.org/guide");
    CHECK(operation.text.empty());
    CHECK(operation.detected_ms == 77);
  }
  CHECK(DiffChunks(nullptr, nullptr, 1).empty());
}

TEST_CASE("an edited paragraph upserts its chunk before deleting the old one", "[operations]") {
  std::vector<std::string> paragraphs;
  for (int i = 0; i < 12; ++i) {
    paragraphs.push_back("Paragraph " + std::to_string(i) + " says something. " +
                         std::string(300 + 20 * i, 'a' + i) + '.');
  }
  const auto join = [&] {
    std::string text;
    for (const std::string& paragraph : paragraphs) text += paragraph + "\n\n";
    return text;
  };
  DocumentChunks before{.metadata = SampleMetadata(), .chunks = ChunkText("doc", join(), {})};
  paragraphs[5] = "Paragraph five now says something else entirely.";
  DocumentChunks after{.metadata = SampleMetadata(), .chunks = ChunkText("doc", join(), {})};
  after.metadata.content_hash = "new-hash";

  const auto operations = DiffChunks(&before, &after, 1000);
  const auto upserts = IdsOf(operations, Kind::kUpsert);
  const auto deletes = IdsOf(operations, Kind::kDelete);
  CHECK(!upserts.empty());
  CHECK(upserts.size() <= 2);
  CHECK(!deletes.empty());
  CHECK(deletes.size() <= 2);
  REQUIRE(operations.size() == upserts.size() + deletes.size());
  for (std::size_t i = 0; i < upserts.size(); ++i) CHECK(operations[i].kind == Kind::kUpsert);
  int upserts_with_the_edit = 0;
  for (const IndexOperation& operation : operations) {
    if (operation.kind != Kind::kUpsert) continue;
    if (operation.text.find("five now says") != std::string::npos) ++upserts_with_the_edit;
    CHECK(operation.metadata.content_hash == "new-hash");
    CHECK(operation.detected_ms == 1000);
  }
  CHECK(upserts_with_the_edit == 1);
  // What is left alone is exactly what both versions share.
  std::set<std::string> kept;
  for (const Chunk& chunk : before.chunks) kept.insert(chunk.id);
  for (const std::string& id : deletes) kept.erase(id);
  for (const std::string& id : upserts) kept.insert(id);
  std::set<std::string> wanted;
  for (const Chunk& chunk : after.chunks) wanted.insert(chunk.id);
  CHECK(kept == wanted);
}

TEST_CASE("chunks that only moved are left alone", "[operations]") {
  const DocumentChunks before = Document({{"a", "One."}, {"b", "Two."}, {"c", "Three."}});
  const DocumentChunks after = Document({{"c", "Three."}, {"a", "One."}, {"b", "Two."}});
  CHECK(DiffChunks(&before, &after, 5).empty());
}

TEST_CASE("a manifest key is the source, a NUL, and the URI", "[operations]") {
  CHECK(DocumentChunksKey("web", "https://a/") == std::string("web\0https://a/", 14));
  // A source's documents sort together, before any source that extends its name.
  CHECK(DocumentChunksKey("web", "\xff\xff") < DocumentChunksKey("web-2", ""));
  CHECK(DocumentChunksKey("web", "zzz") > DocumentChunksKey("web", "aaa"));
}

}  // namespace
}  // namespace freshd::rag
