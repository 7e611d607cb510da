// The chroma sink and a Chroma behind authentication: a proxy on loopback (a FaultServer)
// that forwards to a real Chroma only the requests that carry the expected token, as a
// reverse proxy or Chroma's own token auth would. Open-source `chroma run` 1.x has no token
// authentication of its own to configure.
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

constexpr char kToken[] = "s3cret-t0ken";
constexpr char kDatabase[] = "/api/v2/tenants/default_tenant/databases/default_database";
constexpr std::chrono::milliseconds kTimeout{10000};

// Forwards a request to `chroma` when it carries "Authorization: Bearer kToken"; else 401.
FaultServer::Handler Guard(std::string chroma) {
  return {[chroma](const FaultServer::Request& request) {
    if (request.Header("authorization") != std::string("Bearer ") + kToken) {
      return FaultServer::Plain().Status(401).Body(R"({"error":"AuthError"})");
    }
    const Result<HttpAnswer> answer =
        HttpCall(request.method, chroma + request.target, request.body, {}, kTimeout);
    if (!answer.ok()) return FaultServer::Plain().Status(502).Body(answer.status().message());
    return FaultServer::Plain()
        .Status(static_cast<int>(answer->status))
        .Header("Content-Type", "application/json")
        .Body(answer->body);
  }};
}

// A proxy in front of `server` for every path the sink calls. The FaultServer routes exact
// paths, so the collection is made first (as the sink would make it) to learn its id.
class AuthProxy {
 public:
  explicit AuthProxy(const ChromaServer& server) {
    const json made =
        Post(server.Url() + kDatabase + "/collections",
             {{"name", "knowledge"},
              {"configuration",
               {{"hnsw", {{"space", "cosine"}}}, {"embedding_function", {{"type", "legacy"}}}}},
              {"get_or_create", true}});
    const std::string collection =
        std::string(kDatabase) + "/collections/" + made["id"].get<std::string>();
    paths_ = {"/api/v2/tenants/default_tenant",
              kDatabase,
              std::string(kDatabase) + "/collections",
              collection + "/upsert",
              collection + "/delete",
              collection + "/get"};
    for (const std::string& path : paths_) proxy_.Route(path, Guard(server.Url()));
  }

  std::string Url() const { return proxy_.Url(""); }

  // Every request the proxy saw, on any path.
  std::vector<FaultServer::Request> Requests() const {
    std::vector<FaultServer::Request> all;
    for (const std::string& path : paths_) {
      for (auto& request : proxy_.Requests(path)) all.push_back(std::move(request));
    }
    return all;
  }

 private:
  static json Post(const std::string& url, const json& body) {
    const Result<HttpAnswer> answer = HttpCall("POST", url, body.dump(), {}, kTimeout);
    INFO(Describe(answer));
    REQUIRE(answer.ok());
    REQUIRE(answer->Ok());
    return json::parse(answer->body);
  }

  FaultServer proxy_;
  std::vector<std::string> paths_;
};

std::unique_ptr<Sink> SinkWithHeaders(const AuthProxy& proxy, HttpHeaders headers) {
  ChromaOptions options;
  options.url = proxy.Url();
  options.headers = std::move(headers);
  options.timeout = std::chrono::seconds(5);
  return MakeChromaSink(options);
}

TEST_CASE("chroma sink sends its headers with every request", "[sink][chroma]") {
  ChromaServer server;
  AuthProxy proxy(server);
  auto sink = SinkWithHeaders(proxy, {{"Authorization", std::string("Bearer ") + kToken}});
  const Status prepared = sink->Prepare();
  INFO(prepared.message());
  REQUIRE(prepared.ok());
  REQUIRE(sink->Apply({Upsert("r1", "Refunds take 14 days.", kRefunds, {1.0f, 0.0f}),
                       Delete("r0", kRefunds)})
              .ok());
  const Result<std::vector<std::string>> ids = sink->ListChunkIds();
  REQUIRE(ids.ok());
  CHECK(ids.value() == std::vector<std::string>{"r1"});

  const std::vector<FaultServer::Request> requests = proxy.Requests();
  CHECK(requests.size() >= 6);  // tenant, database, collection, upsert, delete, get
  for (const FaultServer::Request& request : requests) {
    INFO(request.method << " " << request.target);
    CHECK(request.Header("authorization") == std::string("Bearer ") + kToken);
  }
}

TEST_CASE("chroma sink names refused credentials and never shows them", "[sink][chroma]") {
  ChromaServer server;
  AuthProxy proxy(server);
  const std::string wrong = "Bearer wr0ng-t0ken";
  for (const HttpHeaders& headers : {HttpHeaders{}, HttpHeaders{{"Authorization", wrong}}}) {
    auto sink = SinkWithHeaders(proxy, headers);
    const Status prepared = sink->Prepare();
    INFO(prepared.message());
    CHECK_FALSE(prepared.ok());
    CHECK_THAT(prepared.message(),
               Catch::Contains("HTTP 401") && Catch::Contains("refused the credentials"));
    CHECK_THAT(prepared.message(), !Catch::Contains("wr0ng") && !Catch::Contains(kToken));

    const Status applied = sink->Apply({Upsert("r1", "Refunds.", kRefunds, {1.0f, 0.0f})});
    CHECK_FALSE(applied.ok());
    CHECK_FALSE(IsRefusal(applied));  // the records are fine: sent again once the token is
    CHECK_THAT(applied.message(), Catch::Contains("refused the credentials"));
  }
}

}  // namespace
}  // namespace freshd::rag
