// How the chroma sink sets Chroma up, against a real Chroma server (npm chromadb 3.0.6): the
// collection's distance and embedding function, an older collection's configuration, a
// missing tenant and database, and a Chroma behind a proxy that demands a token.
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rag/http_call.h"
#include "rag/sink.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/chroma_server.h"
#include "tests/support/fault_server.h"

namespace freshd::rag {
namespace {

using nlohmann::json;
using testing::ChromaServer;
using testing::FaultServer;

constexpr std::chrono::milliseconds kTimeout{10000};
constexpr char kDefaultDatabase[] = "/api/v2/tenants/default_tenant/databases/default_database";

json Call(const std::string& method, const std::string& url, const json& body = nullptr) {
  const Result<HttpAnswer> answer =
      HttpCall(method, url, body.is_null() ? "" : body.dump(), {}, kTimeout);
  INFO(method << " " << url << ": " << Describe(answer));
  REQUIRE(answer.ok());
  REQUIRE(answer->Ok());
  return json::parse(answer->body);
}

// The collection as Chroma describes it: {"id", "configuration_json", ...}.
json Collection(const ChromaServer& server, const std::string& name = "knowledge",
                const std::string& database = kDefaultDatabase) {
  return Call("GET", server.Url() + database + "/collections/" + name);
}

ChromaOptions OptionsFor(const std::string& url) {
  ChromaOptions options;
  options.url = url;
  options.timeout = std::chrono::seconds(5);
  return options;
}

EmbedderInfo OpenAiEmbedder(std::string model = "text-embedding-3-small") {
  EmbedderInfo embedder;
  embedder.kind = "openai";
  embedder.model = std::move(model);
  embedder.base_url = "http://127.0.0.1:9/v1";
  return embedder;
}

void RequirePrepared(Sink& sink) {
  const Status prepared = sink.Prepare();
  INFO(prepared.message());
  REQUIRE(prepared.ok());
}

bool AnyContains(const std::vector<std::string>& lines, const std::string& part) {
  for (const std::string& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("chroma sink makes its collection with the distance asked for", "[sink][chroma]") {
  ChromaServer server;
  ChromaOptions options = OptionsFor(server.Url());
  options.embedder = OpenAiEmbedder();
  RequirePrepared(*MakeChromaSink(options));  // cosine by default
  CHECK(Collection(server)["configuration_json"]["hnsw"]["space"] == "cosine");

  for (const std::string distance : {"l2", "ip"}) {
    options.collection = "knowledge-" + distance;
    options.distance = distance;
    auto sink = MakeChromaSink(options);
    RequirePrepared(*sink);
    CHECK(Collection(server, options.collection)["configuration_json"]["hnsw"]["space"] ==
          distance);
    CHECK(sink->Warnings().empty());
  }
}

TEST_CASE("chroma sink records an openai embedder as the official clients do", "[sink][chroma]") {
  ChromaServer server;
  ChromaOptions options = OptionsFor(server.Url());
  options.embedder = OpenAiEmbedder();
  auto sink = MakeChromaSink(options);
  RequirePrepared(*sink);
  CHECK(Collection(server)["configuration_json"]["embedding_function"] ==
        json{{"type", "known"},
             {"name", "openai"},
             {"config",
              {{"model_name", "text-embedding-3-small"},
               {"api_key_env_var", "OPENAI_API_KEY"},  // the key came from a file, or none
               {"api_base", "http://127.0.0.1:9/v1"}}}});
  CHECK(sink->Warnings().empty());

  options.collection = "named-key";
  options.embedder.api_key_env = "FRESHD_EMBEDDING_KEY";
  RequirePrepared(*MakeChromaSink(options));
  CHECK(Collection(
            server,
            "named-key")["configuration_json"]["embedding_function"]["config"]["api_key_env_var"] ==
        "FRESHD_EMBEDDING_KEY");
}

TEST_CASE("chroma sink with the hashing embedder records no embedding function and warns",
          "[sink][chroma]") {
  ChromaServer server;
  auto sink = MakeChromaSink(OptionsFor(server.Url()));  // the hashing embedder by default
  RequirePrepared(*sink);
  CHECK(Collection(server)["configuration_json"]["embedding_function"] == json{{"type", "legacy"}});
  const std::vector<std::string> warnings = sink->Warnings();
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("hashing embedder") &&
                              Catch::Contains("cannot reproduce") &&
                              Catch::Contains("query_embeddings"));
}

TEST_CASE(
    "chroma sink records its embedder in a collection made without one, and names the "
    "distance it cannot change",
    "[sink][chroma]") {
  ChromaServer server;
  // As an older freshd made it: no configuration, so Chroma's defaults (l2, no function).
  Call("POST", server.Url() + kDefaultDatabase + "/collections",
       {{"name", "knowledge"}, {"get_or_create", true}});
  ChromaOptions options = OptionsFor(server.Url());
  options.embedder = OpenAiEmbedder();
  auto sink = MakeChromaSink(options);
  RequirePrepared(*sink);

  const json configuration = Collection(server)["configuration_json"];
  CHECK(configuration["embedding_function"]["name"] == "openai");
  CHECK(configuration["embedding_function"]["config"]["model_name"] == "text-embedding-3-small");
  CHECK(configuration["hnsw"]["space"] == "l2");  // unchanged: Chroma cannot change it
  const std::vector<std::string> warnings = sink->Warnings();
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("distance 'l2', not the configured 'cosine'"));
  CHECK(sink->Apply({Upsert("r1", "Refunds take 14 days.", kRefunds, {1.0f, 0.0f})}).ok());
}

TEST_CASE("chroma sink leaves another embedding function in place and says so", "[sink][chroma]") {
  ChromaServer server;
  ChromaOptions options = OptionsFor(server.Url());
  options.embedder = OpenAiEmbedder("text-embedding-3-large");
  RequirePrepared(*MakeChromaSink(options));

  options.embedder = OpenAiEmbedder("text-embedding-3-small");
  auto sink = MakeChromaSink(options);
  RequirePrepared(*sink);
  CHECK(Collection(server)["configuration_json"]["embedding_function"]["config"]["model_name"] ==
        "text-embedding-3-large");
  const std::vector<std::string> warnings = sink->Warnings();
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("openai (model text-embedding-3-large)") &&
                              Catch::Contains("freshd embeds with openai (model "
                                              "text-embedding-3-small)"));

  options.embedder = EmbedderInfo{};  // now hashing: the collection still says openai
  auto hashing = MakeChromaSink(options);
  RequirePrepared(*hashing);
  CHECK(AnyContains(hashing->Warnings(), "but freshd embeds with hashing"));
  CHECK(AnyContains(hashing->Warnings(), "cannot reproduce"));
}

TEST_CASE("chroma sink makes a missing tenant and database", "[sink][chroma]") {
  ChromaServer server;
  ChromaOptions options = OptionsFor(server.Url());
  options.tenant = "acme";
  options.database = "support docs";  // percent-encoded in the path
  auto sink = MakeChromaSink(options);
  RequirePrepared(*sink);
  CHECK(Call("GET", server.Url() + "/api/v2/tenants/acme")["name"] == "acme");
  CHECK(Call("GET", server.Url() + "/api/v2/tenants/acme/databases/support%20docs")["name"] ==
        "support docs");

  REQUIRE(sink->Apply({Upsert("r1", "Refunds take 14 days.", kRefunds, {1.0f, 0.0f})}).ok());
  const std::string id =
      Collection(server, "knowledge", "/api/v2/tenants/acme/databases/support%20docs")["id"];
  const json got = Call(
      "POST",
      server.Url() + "/api/v2/tenants/acme/databases/support%20docs/collections/" + id + "/get",
      {{"include", {"documents"}}});
  CHECK(got["ids"] == json{"r1"});

  RequirePrepared(*MakeChromaSink(options));  // both exist now: no error
}

TEST_CASE("chroma sink: Prepare fails while Chroma is down, and succeeds once it is up",
          "[sink][chroma]") {
  ChromaServer server;
  auto sink = MakeChromaSink(OptionsFor(server.Url()));
  server.Stop();
  const Status down = sink->Prepare();
  CHECK_FALSE(down.ok());
  CHECK_THAT(down.message(), Catch::Contains("chroma tenant"));
  server.Start();
  RequirePrepared(*sink);
  CHECK(Collection(server)["name"] == "knowledge");
}

}  // namespace
}  // namespace freshd::rag
