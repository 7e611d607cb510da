// The OpenAI embedder is tested against a FaultServer Handler playing the part of the paid
// OpenAI API (a test double: same request and answer shapes, no network, no key needed).
#include "rag/embedder.h"

#define XXH_INLINE_ALL  // the hashing layout is checked against xxHash itself
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/embedding_api.h"
#include "tests/support/fault_server.h"

namespace freshd::rag {
namespace {

using Vectors = std::vector<Vector>;

using freshd::testing::FaultServer;
using nlohmann::json;
using namespace std::chrono_literals;

double Dot(const Vector& a, const Vector& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double{a[i]} * b[i];
  return sum;
}

std::vector<std::string> NumberedTexts(int count) {
  std::vector<std::string> texts;
  for (int i = 0; i < count; ++i) texts.push_back("text " + std::to_string(i));
  return texts;
}

// The number in "text N", which the fake API puts first in that text's vector.
float NumberIn(const std::string& text) { return std::stof(text.substr(text.find(' ') + 1)); }

// What the fake API answers for a request: for each input "text N", the vector [N, 1, 2],
// listed last to first when `reversed`.
FaultServer::Plain EmbeddingsAnswer(const FaultServer::Request& request, bool reversed) {
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.contains("input")) {
    return FaultServer::Plain().Status(400).Body(R"({"error":"bad request"})");
  }
  json data = json::array();
  const json& inputs = body["input"];
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    data.push_back({{"object", "embedding"},
                    {"index", i},
                    {"embedding", {NumberIn(inputs[i].get<std::string>()), 1.0, 2.0}}});
  }
  if (reversed) std::reverse(data.begin(), data.end());
  const json answer = {{"object", "list"}, {"data", data}, {"model", body.value("model", "")}};
  return FaultServer::Plain().Header("Content-Type", "application/json").Body(answer.dump());
}

FaultServer::Handler FakeApi(bool reversed = false) {
  return {[reversed](const FaultServer::Request& request) {
    return EmbeddingsAnswer(request, reversed);
  }};
}

OpenAiOptions OptionsFor(const FaultServer& server) {
  return {.base_url = server.Url("/v1"),
          .model = "text-embedding-3-small",
          .api_key = "sk-test",
          .dims = 0,
          .batch_size = 64,
          .max_attempts = 3,
          .first_backoff = 5ms,
          .timeout = 5000ms};
}

TEST_CASE("the none embedder gives an empty vector per text", "[embedder]") {
  const auto embedder = MakeNoEmbedder();
  CHECK(embedder->kind() == "none");
  CHECK(embedder->dims() == 0);
  const Result<Vectors> result = embedder->Embed({"one", "two", "three"});
  CHECK(result.ok());
  REQUIRE(result.value().size() == 3);
  for (const Vector& vector : result.value()) CHECK(vector.empty());
}

TEST_CASE("hashing embeds words and word pairs at their hashed, signed places", "[embedder]") {
  constexpr int kDims = 4096;
  const auto embedder = MakeHashingEmbedder(kDims);
  CHECK(embedder->kind() == "hashing");
  CHECK(embedder->dims() == kDims);
  const Result<Vectors> result = embedder->Embed({"Alpha, alpha BETA!"});
  REQUIRE(result.ok());
  REQUIRE(result.value().size() == 1);

  // Words: alpha alpha beta. Weights 1 + ln(count): alpha 2 times, the rest once.
  std::vector<double> expected(kDims, 0.0);
  const std::vector<std::pair<std::string, int>> features = {
      {"alpha", 2}, {"beta", 1}, {"alpha alpha", 1}, {"alpha beta", 1}};
  for (const auto& [feature, count] : features) {
    const XXH64_hash_t hash = XXH3_64bits(feature.data(), feature.size());
    const double weight = 1 + std::log(double(count));
    expected[hash % kDims] += (hash >> 63) ? -weight : weight;
  }
  double norm = 0;
  for (const double value : expected) norm += value * value;
  norm = std::sqrt(norm);
  const Vector& vector = result.value()[0];
  REQUIRE(vector.size() == kDims);
  for (int i = 0; i < kDims; ++i) CHECK(vector[i] == Approx(expected[i] / norm).margin(1e-6));
}

TEST_CASE("hashing is deterministic and gives unit vectors", "[embedder]") {
  const std::vector<std::string> texts = {"The cat sat on the mat.", "Prices rose by 3% in May.",
                                          "Über die Brücke gehen."};
  const Result<Vectors> first = MakeHashingEmbedder(256)->Embed(texts);
  const Result<Vectors> second = MakeHashingEmbedder(256)->Embed(texts);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first.value() == second.value());
  for (const Vector& vector : first.value()) CHECK(Dot(vector, vector) == Approx(1.0));
  CHECK(first.value()[0] != first.value()[1]);
}

TEST_CASE("hashing leaves a text without words at zero", "[embedder]") {
  const Result<Vectors> result = MakeHashingEmbedder(64)->Embed({"", " -- !! "});
  REQUIRE(result.ok());
  REQUIRE(result.value().size() == 2);
  for (const Vector& vector : result.value()) {
    CHECK(vector.size() == 64);
    CHECK(std::all_of(vector.begin(), vector.end(), [](float value) { return value == 0; }));
  }
}

TEST_CASE("hashing puts similar texts closer than unrelated ones", "[embedder]") {
  const Result<Vectors> result = MakeHashingEmbedder(512)->Embed({
      "The train to Berlin leaves from platform seven at nine in the morning.",
      "The train to Berlin now leaves from platform eight at nine in the morning.",
      "Add two cups of flour and a pinch of salt, then knead the dough.",
  });
  REQUIRE(result.ok());
  const double similar = Dot(result.value()[0], result.value()[1]);
  const double unrelated = Dot(result.value()[0], result.value()[2]);
  CHECK(similar > 0.5);
  CHECK(similar > unrelated + 0.3);
}

TEST_CASE("hashing respects dims", "[embedder]") {
  for (const int dims : {1, 7, 384, 1536}) {
    const Result<Vectors> result = MakeHashingEmbedder(dims)->Embed({"a few words here", "more"});
    REQUIRE(result.ok());
    for (const Vector& vector : result.value()) CHECK(vector.size() == std::size_t(dims));
  }
  const Result<Vectors> refused = MakeHashingEmbedder(0)->Embed({"text"});
  CHECK_FALSE(refused.ok());
  CHECK(refused.status().message().find("dims") != std::string::npos);
}

TEST_CASE("openai: texts go in batches, vectors come back in order", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FakeApi());
  const auto embedder = MakeOpenAiEmbedder(OptionsFor(server));
  CHECK(embedder->kind() == "openai");
  CHECK(embedder->dims() == 0);

  const Result<Vectors> result = embedder->Embed(NumberedTexts(150));
  REQUIRE(result.ok());
  REQUIRE(result.value().size() == 150);
  for (int i = 0; i < 150; ++i) CHECK(result.value()[i] == Vector{float(i), 1, 2});
  CHECK(embedder->dims() == 3);

  const auto requests = server.Requests("/v1/embeddings");
  REQUIRE(requests.size() == 3);
  std::vector<std::size_t> batch_sizes;
  for (const auto& request : requests) {
    CHECK(request.method == "POST");
    const json body = json::parse(request.body, nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["model"] == "text-embedding-3-small");
    CHECK_FALSE(body.contains("dimensions"));
    batch_sizes.push_back(body["input"].size());
  }
  CHECK(batch_sizes == std::vector<std::size_t>{64, 64, 22});
}

TEST_CASE("openai: the key goes in an Authorization header", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FakeApi());
  REQUIRE(MakeOpenAiEmbedder(OptionsFor(server))->Embed({"text 1"}).ok());

  OpenAiOptions keyless = OptionsFor(server);
  keyless.api_key.clear();
  REQUIRE(MakeOpenAiEmbedder(keyless)->Embed({"text 2"}).ok());

  const auto requests = server.Requests("/v1/embeddings");
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].Header("authorization") == "Bearer sk-test");
  CHECK(requests[0].Header("content-type") == "application/json");
  CHECK(requests[1].Header("authorization").empty());
}

TEST_CASE("openai: vectors are placed by index, whatever the answer's order",
          "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FakeApi(/*reversed=*/true));
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed(NumberedTexts(10));
  REQUIRE(result.ok());
  REQUIRE(result.value().size() == 10);
  for (int i = 0; i < 10; ++i) CHECK(result.value()[i][0] == float(i));
}

TEST_CASE("openai: configured dims are sent and checked", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FakeApi());  // always answers 3 dimensions
  OpenAiOptions options = OptionsFor(server);
  options.dims = 3;
  const auto embedder = MakeOpenAiEmbedder(options);
  CHECK(embedder->dims() == 3);
  CHECK(embedder->Embed({"text 1"}).ok());

  options.dims = 4;
  const Result<Vectors> wrong = MakeOpenAiEmbedder(options)->Embed({"text 1"});
  CHECK_FALSE(wrong.ok());
  CHECK(wrong.status().message().find("dimensions") != std::string::npos);

  const auto requests = server.Requests("/v1/embeddings");
  REQUIRE(requests.size() == 2);
  CHECK(json::parse(requests[0].body)["dimensions"] == 3);
  CHECK(json::parse(requests[1].body)["dimensions"] == 4);
}

TEST_CASE("openai: a batch is retried after 503s", "[embedder][openai]") {
  FaultServer server;
  std::atomic<int> calls = 0;
  server.Route("/v1/embeddings", FaultServer::Handler{[&](const FaultServer::Request& request) {
                 if (++calls <= 2) return FaultServer::Plain().Status(503).Body("busy");
                 return EmbeddingsAnswer(request, false);
               }});
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed(NumberedTexts(5));
  CHECK(result.ok());
  CHECK(result.value().size() == 5);
  CHECK(server.RequestCount("/v1/embeddings") == 3);
}

TEST_CASE("openai: failing 5xx and 429 end after max_attempts, with growing waits",
          "[embedder][openai]") {
  for (const int status : {500, 429}) {
    FaultServer server;
    server.Route("/v1/embeddings", FaultServer::Plain().Status(status).Body("try later"));
    OpenAiOptions options = OptionsFor(server);
    options.max_attempts = 4;
    options.first_backoff = 10ms;
    const auto started = std::chrono::steady_clock::now();
    const Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed({"text 1"});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    CHECK_FALSE(result.ok());
    CHECK(result.status().message().find("HTTP " + std::to_string(status)) != std::string::npos);
    CHECK(server.RequestCount("/v1/embeddings") == 4);
    CHECK(elapsed >= 70ms);  // 10 + 20 + 40
  }
}

// A stop (RagService::Stop) cancels from another thread while the delivery thread waits.
Result<Vectors> EmbedCancelledAfter(OpenAiOptions options, std::chrono::milliseconds delay) {
  std::stop_source stop;
  options.stop = stop.get_token();
  std::thread stopper([&] {
    std::this_thread::sleep_for(delay);
    stop.request_stop();
  });
  Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed({"text 1"});
  stopper.join();
  return result;
}

TEST_CASE("openai: a stop ends a request under way and a backoff wait", "[embedder][openai]") {
  SECTION("a request the API never answers (its timeout is an hour)") {
    FaultServer server;
    server.Route("/v1/embeddings", FaultServer::Stall{});
    OpenAiOptions options = OptionsFor(server);
    options.timeout = std::chrono::hours(1);
    const Result<Vectors> result = EmbedCancelledAfter(options, 200ms);
    CHECK_FALSE(result.ok());
    CHECK(result.status().IsCancelled());
    CHECK(result.status().message().find("cancelled") != std::string::npos);
    CHECK(server.RequestCount("/v1/embeddings") == 1);
  }
  SECTION("the wait before a retry (an hour)") {
    FaultServer server;
    server.Route("/v1/embeddings", FaultServer::Plain().Status(503).Body("busy"));
    OpenAiOptions options = OptionsFor(server);
    options.first_backoff = std::chrono::hours(1);
    const Result<Vectors> result = EmbedCancelledAfter(options, 200ms);
    CHECK(result.status().IsCancelled());
    CHECK(result.status().message().find("cancelled") != std::string::npos);
    CHECK(server.RequestCount("/v1/embeddings") == 1);
  }
}

TEST_CASE("openai: connection errors are retried too", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings",
               FaultServer::LieAboutLength{.body = "{\"da", .declared_length = 100});
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed({"text 1"});
  CHECK_FALSE(result.ok());
  CHECK(server.RequestCount("/v1/embeddings") == 3);
}

TEST_CASE("openai: a 401 fails at once, without the key in the error", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings",
               FaultServer::Plain().Status(401).Body(
                   R"({"error":{"message":"Incorrect API key provided: sk-secret-123"}})"));
  OpenAiOptions options = OptionsFor(server);
  options.api_key = "sk-secret-123";
  const Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed({"text 1"});
  CHECK_FALSE(result.ok());
  CHECK(server.RequestCount("/v1/embeddings") == 1);
  CHECK(result.status().message().find("401") != std::string::npos);
  CHECK(result.status().message().find("Incorrect API key") != std::string::npos);
  CHECK(result.status().message().find("sk-secret-123") == std::string::npos);
}

TEST_CASE("openai: errors after retries do not carry the key either", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FaultServer::Handler{[](const FaultServer::Request& request) {
                 // A proxy that echoes the request's headers in its error page.
                 return FaultServer::Plain().Status(502).Body("bad gateway for " +
                                                              request.Header("authorization"));
               }});
  OpenAiOptions options = OptionsFor(server);
  options.api_key = "sk-secret-123";
  const Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed({"text 1"});
  CHECK_FALSE(result.ok());
  CHECK(server.RequestCount("/v1/embeddings") == 3);
  CHECK(result.status().message().find("bad gateway for Bearer") != std::string::npos);
  CHECK(result.status().message().find("sk-secret-123") == std::string::npos);
}

TEST_CASE("openai: a long error body loses no part of the key to shortening",
          "[embedder][openai]") {
  FaultServer server;
  // The key straddles the 200 bytes of body an error message keeps.
  server.Route("/v1/embeddings",
               FaultServer::Plain().Status(403).Body(std::string(190, '.') + "sk-secret-123"));
  OpenAiOptions options = OptionsFor(server);
  options.api_key = "sk-secret-123";
  const Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed({"text 1"});
  CHECK_FALSE(result.ok());
  CHECK(result.status().message().find("HTTP 403") != std::string::npos);
  CHECK(result.status().message().find("sk-sec") == std::string::npos);
}

TEST_CASE("openai: an answer with the wrong count of vectors is an error", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FaultServer::Handler{[](const FaultServer::Request& request) {
                 FaultServer::Plain answer = EmbeddingsAnswer(request, false);
                 json body = json::parse(answer.body);
                 body["data"].erase(body["data"].size() - 1);
                 return answer.Body(body.dump());
               }});
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed(NumberedTexts(4));
  CHECK_FALSE(result.ok());
  CHECK(result.status().message().find("3 vectors for 4 texts") != std::string::npos);
}

TEST_CASE("openai: an answer that is not JSON is an error", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FaultServer::Plain().Body("<html>maintenance</html>"));
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed({"text 1"});
  CHECK_FALSE(result.ok());
  CHECK_FALSE(result.status().message().empty());
}

TEST_CASE("openai: a 4xx other than 408 and 429 is permanent, the rest is not",
          "[embedder][openai]") {
  for (const int status : {400, 401, 403, 404, 413, 422}) {
    FaultServer server;
    server.Route("/v1/embeddings",
                 FaultServer::Plain().Status(status).Body(R"({"error":{"message":"refused"}})"));
    const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed(NumberedTexts(3));
    INFO(status);
    CHECK_FALSE(result.ok());
    CHECK(IsRefusal(result.status()));
    CHECK(server.RequestCount("/v1/embeddings") == 1);  // no retry either
  }
  for (const int status : {408, 429, 500, 503, 302}) {
    FaultServer server;
    server.Route("/v1/embeddings", FaultServer::Plain().Status(status).Body("try later"));
    const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed(NumberedTexts(3));
    INFO(status);
    CHECK_FALSE(result.ok());
    CHECK_FALSE(IsRefusal(result.status()));
  }
}

TEST_CASE("openai: a refusal of a later batch is permanent too", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FaultServer::Handler{[](const FaultServer::Request& request) {
                 if (request.body.find("too long") != std::string::npos) {
                   return FaultServer::Plain().Status(400).Body("input too long");
                 }
                 return EmbeddingsAnswer(request, false);
               }});
  OpenAiOptions options = OptionsFor(server);
  options.batch_size = 2;
  std::vector<std::string> texts = NumberedTexts(4);
  texts[3] = "text too long";
  const Result<Vectors> result = MakeOpenAiEmbedder(options)->Embed(texts);
  CHECK_FALSE(result.ok());
  CHECK(IsRefusal(result.status()));
  CHECK(result.status().message().find("texts 2 to 3") != std::string::npos);
}

TEST_CASE("openai: connection errors and malformed answers are not permanent",
          "[embedder][openai]") {
  FaultServer broken;
  broken.Route("/v1/embeddings",
               FaultServer::LieAboutLength{.body = "{\"da", .declared_length = 100});
  const Result<Vectors> cut = MakeOpenAiEmbedder(OptionsFor(broken))->Embed({"text 1"});
  CHECK_FALSE(cut.ok());
  CHECK_FALSE(IsRefusal(cut.status()));

  FaultServer short_answer;  // one vector short, as a proxy in trouble might answer
  short_answer.Route("/v1/embeddings",
                     FaultServer::Handler{[](const FaultServer::Request& request) {
                       FaultServer::Plain answer = EmbeddingsAnswer(request, false);
                       json body = json::parse(answer.body);
                       body["data"].erase(body["data"].size() - 1);
                       return answer.Body(body.dump());
                     }});
  const Result<Vectors> counted =
      MakeOpenAiEmbedder(OptionsFor(short_answer))->Embed(NumberedTexts(4));
  CHECK_FALSE(counted.ok());
  CHECK_FALSE(IsRefusal(counted.status()));

  OpenAiOptions four_dims = OptionsFor(short_answer);
  four_dims.dims = 4;
  short_answer.Route("/v1/embeddings", FakeApi());  // answers 3 dimensions
  const Result<Vectors> sized = MakeOpenAiEmbedder(four_dims)->Embed({"text 1"});
  CHECK_FALSE(sized.ok());
  CHECK(sized.status().message().find("dimensions") != std::string::npos);
  CHECK_FALSE(IsRefusal(sized.status()));

  FaultServer not_json;
  not_json.Route("/v1/embeddings", FaultServer::Plain().Body("<html>maintenance</html>"));
  const Result<Vectors> html = MakeOpenAiEmbedder(OptionsFor(not_json))->Embed({"text 1"});
  CHECK_FALSE(html.ok());
  CHECK_FALSE(IsRefusal(html.status()));
}

TEST_CASE("openai: nothing to embed sends nothing", "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", FakeApi());
  const Result<Vectors> result = MakeOpenAiEmbedder(OptionsFor(server))->Embed({});
  CHECK(result.ok());
  CHECK(result.value().empty());
  CHECK(server.RequestCount("/v1/embeddings") == 0);
}

}  // namespace
}  // namespace freshd::rag

namespace freshd::rag {
namespace {

// The stand-in for the paid API that the client tests share (tests/support/embedding_api.h):
// freshd's embedder reads it as the real API, and it places a question near its answer.
TEST_CASE("openai: the shared embedding API double embeds like EmbedLikeTheApi",
          "[embedder][openai]") {
  FaultServer server;
  server.Route("/v1/embeddings", testing::EmbeddingApi());
  const auto embedder = MakeOpenAiEmbedder(OptionsFor(server));
  const std::vector<std::string> texts = {"Refunds are paid within 14 days.", "We ship worldwide.",
                                          "How long do refunds take?"};
  const Result<std::vector<Vector>> vectors = embedder->Embed(texts);
  REQUIRE(vectors.ok());
  REQUIRE(vectors->size() == 3);
  CHECK((*vectors)[0] == testing::EmbedLikeTheApi(texts[0]));
  CHECK((*vectors)[0].size() == static_cast<std::size_t>(testing::kEmbeddingApiDims));
  CHECK(Dot((*vectors)[2], (*vectors)[0]) > Dot((*vectors)[2], (*vectors)[1]));
}

}  // namespace
}  // namespace freshd::rag
