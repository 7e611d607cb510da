// The chroma sink against a real Chroma server (npm chromadb 3.0.6) on loopback; what it
// wrote is read back through Chroma's own API.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/http_call.h"
#include "rag/sink.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/chroma_server.h"

namespace freshd::rag {
namespace {

using nlohmann::json;
using testing::ChromaServer;

constexpr char kCollection[] = "knowledge";

// Two documents: three chunks of the refund policy, one of the shipping policy.
std::vector<SinkOperation> FirstVersion() {
  return {Upsert("r1", "Refunds are paid within 14 days.", kRefunds, {0.5f, -0.25f, 1.0f}),
          Upsert("r2", "Ask for a refund by mail.", kRefunds, {0.125f, 0.0f, -1.0f}),
          Upsert("r3", "Gift cards are not refunded.", kRefunds, {1.0f, 1.0f, 0.75f}),
          Upsert("s1", "We ship worldwide.", kShipping, {-0.5f, 0.5f, 0.0f})};
}

// The refund policy's second version: r2 is gone, r4 is new.
std::vector<SinkOperation> Edit() {
  return {Upsert("r4", "Ask for a refund in the app.", kRefunds, {0.25f, 0.5f, -0.5f}),
          Delete("r2", kRefunds)};
}

struct Record {
  std::string document;
  json metadata;
  std::vector<float> embedding;
  bool operator==(const Record&) const = default;
};

// Chroma's own view of the collection, through POST .../get.
class ChromaReader {
 public:
  explicit ChromaReader(const std::string& url)
      : database_url_(url + "/api/v2/tenants/default_tenant/databases/default_database") {}

  std::map<std::string, Record> Records() {
    const json answer = Post(
        "/collections/" + CollectionId() + "/get",
        {{"include", {"documents", "metadatas", "embeddings"}}, {"limit", 10000}, {"offset", 0}});
    std::map<std::string, Record> records;
    for (std::size_t i = 0; i < answer["ids"].size(); ++i) {
      const std::string id = answer["ids"][i];
      INFO("duplicate id " << id);
      CHECK(records.count(id) == 0);
      records[id] = {answer["documents"][i], answer["metadatas"][i],
                     answer["embeddings"][i].get<std::vector<float>>()};
    }
    return records;
  }

  void DeleteCollection() {
    const Result<HttpAnswer> result =
        HttpCall("DELETE", database_url_ + "/collections/" + kCollection, "", {}, kTimeout);
    REQUIRE(result.ok());
    REQUIRE(result->Ok());
  }

 private:
  static constexpr std::chrono::milliseconds kTimeout{10000};

  std::string CollectionId() {
    return Post("/collections", {{"name", kCollection}, {"get_or_create", true}})["id"];
  }

  json Post(const std::string& path, const json& body) {
    const Result<HttpAnswer> result =
        HttpCall("POST", database_url_ + path, body.dump(), {}, kTimeout);
    INFO(Describe(result));
    REQUIRE(result.ok());
    REQUIRE(result->Ok());
    return json::parse(result->body);
  }

  std::string database_url_;
};

std::unique_ptr<Sink> SinkFor(const ChromaServer& server) {
  ChromaOptions options;
  options.url = server.Url() + "/";
  options.collection = kCollection;
  return MakeChromaSink(options);
}

// A sink on the default collection that gives up a request after 5 s.
std::unique_ptr<Sink> PatientSinkFor(const ChromaServer& server) {
  ChromaOptions options;
  options.url = server.Url();
  options.timeout = std::chrono::seconds(5);
  return MakeChromaSink(options);
}

std::vector<std::string> Ids(Sink& sink) {
  Result<std::vector<std::string>> list = sink.ListChunkIds();
  INFO(list.status().message());
  REQUIRE(list.ok());
  return list.value();
}

void RequireApplied(Sink& sink, const std::vector<SinkOperation>& batch) {
  const Status status = sink.Apply(batch);
  INFO(status.message());
  REQUIRE(status.ok());
}

TEST_CASE("chroma sink upserts chunks with their text, metadata and vector", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  CHECK(sink->kind() == "chroma");
  RequireApplied(*sink, FirstVersion());

  const auto records = ChromaReader(server.Url()).Records();
  REQUIRE(records.size() == 4);
  const Record& r1 = records.at("r1");
  CHECK(r1.document == "Refunds are paid within 14 days.");
  CHECK(r1.metadata == json{{"source", kRefunds},
                            {"freshd_source", "policy-pages"},
                            {"workload", "support-policies"},
                            {"fetched_at", "2026-01-01T00:00:00.123Z"},
                            {"content_hash", "hash-" + kRefunds}});
  CHECK(r1.embedding == std::vector<float>{0.5f, -0.25f, 1.0f});
  CHECK(records.at("s1").document == "We ship worldwide.");
  CHECK(records.at("s1").metadata["source"] == kShipping);
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r2", "r3", "s1"});
}

TEST_CASE("chroma sink stores a chunk's page and heading in its metadata, only when set",
          "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  RequireApplied(
      *sink, {Located(Upsert("p", "Page four.", kRefunds, {1.0f, 0.0f, 0.0f}), 4, ""),
              Located(Upsert("h", "Window.", kRefunds, {0.0f, 1.0f, 0.0f}), 0, "Refunds > Window"),
              Located(Upsert("b", "Both.", kRefunds, {0.0f, 0.0f, 1.0f}), 2, "Scope"),
              Upsert("n", "Neither.", kShipping, {1.0f, 1.0f, 1.0f})});

  const auto records = ChromaReader(server.Url()).Records();
  REQUIRE(records.size() == 4);
  const json& page = records.at("p").metadata;
  CHECK(page["page"] == 4);
  CHECK_FALSE(page.contains("heading"));
  CHECK(page["source"] == kRefunds);  // the other keys are all still there
  CHECK(page["content_hash"] == "hash-" + kRefunds);
  const json& heading = records.at("h").metadata;
  CHECK(heading["heading"] == "Refunds > Window");
  CHECK_FALSE(heading.contains("page"));
  CHECK(records.at("b").metadata["page"] == 2);
  CHECK(records.at("b").metadata["heading"] == "Scope");
  CHECK_FALSE(records.at("n").metadata.contains("page"));
  CHECK_FALSE(records.at("n").metadata.contains("heading"));
}

TEST_CASE("chroma sink applies an edit and a document's removal exactly", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  ChromaReader reader(server.Url());
  RequireApplied(*sink, FirstVersion());
  const auto before = reader.Records();

  RequireApplied(*sink, Edit());
  auto after = reader.Records();
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
  CHECK(after.at("r4").document == "Ask for a refund in the app.");
  CHECK(after.at("r4").embedding == std::vector<float>{0.25f, 0.5f, -0.5f});
  for (const std::string id : {"r1", "r3", "s1"}) CHECK(after.at(id) == before.at(id));

  RequireApplied(*sink, {Delete("r1", kRefunds), Delete("r3", kRefunds), Delete("r4", kRefunds)});
  after = reader.Records();
  REQUIRE(after.size() == 1);
  CHECK(after.at("s1") == before.at("s1"));
}

TEST_CASE("chroma sink: a batch applied twice leaves the state of one", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  ChromaReader reader(server.Url());

  RequireApplied(*sink, FirstVersion());
  const auto once = reader.Records();
  RequireApplied(*sink, FirstVersion());
  CHECK(reader.Records() == once);

  RequireApplied(*sink, Edit());
  const auto edited = reader.Records();
  RequireApplied(*sink, Edit());  // r2 is already gone: deleting it again is no error
  CHECK(reader.Records() == edited);
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("chroma sink reports a stopped server, then delivers once it is back", "[sink][chroma]") {
  ChromaServer server;
  auto sink = PatientSinkFor(server);
  RequireApplied(*sink, FirstVersion());

  server.Stop();
  const auto started = std::chrono::steady_clock::now();
  const Status down = sink->Apply(Edit());
  CHECK_FALSE(down.ok());
  CHECK_FALSE(IsRefusal(down));
  CHECK_THAT(down.message(), Catch::Contains("chroma upsert"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  const Result<std::vector<std::string>> unlisted = sink->ListChunkIds();
  CHECK_FALSE(unlisted.ok());
  CHECK_FALSE(unlisted.status().message().empty());

  server.Start();
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("chroma sink refuses an upsert without a vector", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  std::vector<SinkOperation> batch = FirstVersion();
  batch[2].vector.clear();

  const Status status = sink->Apply(batch);
  CHECK_FALSE(status.ok());
  CHECK_THAT(status.message(), Catch::Contains("r3") && Catch::Contains("no vector"));
  CHECK(IsRefusal(status));   // the same batch is refused however often it comes
  CHECK(Ids(*sink).empty());  // nothing of the batch was sent
}

TEST_CASE("chroma sink: a vector of the wrong size is permanent, a stopped server is not",
          "[sink][chroma]") {
  ChromaServer server;
  auto sink = PatientSinkFor(server);
  RequireApplied(*sink, FirstVersion());  // the collection now holds vectors of 3 values

  std::vector<SinkOperation> poisoned = Edit();
  poisoned[0].vector = {0.25f, 0.5f, -0.5f, 1.0f};
  const Status refused = sink->Apply(poisoned);
  INFO(refused.message());
  CHECK_FALSE(refused.ok());
  CHECK(IsRefusal(refused));
  CHECK_THAT(refused.message(), Catch::Contains("chroma upsert: HTTP 4"));
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r2", "r3", "s1"});

  server.Stop();
  const Status down = sink->Apply(Edit());
  CHECK_FALSE(down.ok());
  CHECK_FALSE(IsRefusal(down));

  server.Start();
  const Status applied = sink->Apply(Edit());
  CHECK(applied.ok());
  CHECK_FALSE(IsRefusal(applied));
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("chroma sink finds its collection again after it was deleted", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());

  ChromaReader(server.Url()).DeleteCollection();
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r4"});
  CHECK(ChromaReader(server.Url()).Records().at("r4").document == "Ask for a refund in the app.");
}

TEST_CASE("chroma sink sends and lists more chunks than one request holds", "[sink][chroma]") {
  ChromaServer server;
  auto sink = SinkFor(server);
  std::vector<SinkOperation> batch;
  std::vector<std::string> expected;
  for (int i = 0; i < 2345; ++i) {
    const std::string id = "chunk-" + std::to_string(100000 + i);
    batch.push_back(
        Upsert(id, "text " + std::to_string(i), kRefunds, {static_cast<float>(i), 1.0f, -1.0f}));
    expected.push_back(id);
  }
  RequireApplied(*sink, batch);
  CHECK(Ids(*sink) == expected);
}

}  // namespace
}  // namespace freshd::rag
