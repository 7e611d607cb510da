// A Chroma behind authentication, for the tests: a proxy on loopback (a FaultServer) that
// forwards to a real Chroma only the requests carrying "Authorization: Bearer kChromaToken",
// and answers 401 to the others, as a reverse proxy or Chroma's token auth would.
// Open-source `chroma run` 1.x has no token authentication of its own to configure.
//
//   ChromaServer chroma;
//   ChromaAuthProxy proxy(chroma, "knowledge");  // makes the collection: the sink finds it
//   options.url = proxy.Url();
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rag/http_call.h"
#include "tests/support/chroma_server.h"
#include "tests/support/fault_server.h"

namespace freshd::rag::testing {

inline constexpr char kChromaToken[] = "s3cret-t0ken";

namespace chroma_auth_internal {

inline constexpr char kDatabase[] = "/api/v2/tenants/default_tenant/databases/default_database";
inline constexpr std::chrono::milliseconds kTimeout{10000};

// Forwards a request to `chroma` when it carries the token; else 401.
inline freshd::testing::FaultServer::Handler Guard(std::string chroma) {
  using freshd::testing::FaultServer;
  return {[chroma](const FaultServer::Request& request) {
    if (request.Header("authorization") != std::string("Bearer ") + kChromaToken) {
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

}  // namespace chroma_auth_internal

// The proxy routes every path the chroma sink calls. FaultServer routes exact paths, so the
// collection (cosine, no embedding function: as freshd makes it with the hashing embedder)
// is made first, to learn its id.
class ChromaAuthProxy {
 public:
  ChromaAuthProxy(const freshd::testing::ChromaServer& server, const std::string& collection) {
    using namespace chroma_auth_internal;
    const nlohmann::json made =
        Post(server.Url() + kDatabase + "/collections",
             {{"name", collection},
              {"configuration",
               {{"hnsw", {{"space", "cosine"}}}, {"embedding_function", {{"type", "legacy"}}}}},
              {"get_or_create", true}});
    const std::string path =
        std::string(kDatabase) + "/collections/" + made["id"].get<std::string>();
    paths_ = {"/api/v2/tenants/default_tenant",
              kDatabase,
              std::string(kDatabase) + "/collections",
              path + "/upsert",
              path + "/delete",
              path + "/get"};
    for (const std::string& route : paths_) proxy_.Route(route, Guard(server.Url()));
  }

  std::string Url() const { return proxy_.Url(""); }

  // Every request the proxy saw, on any path.
  std::vector<freshd::testing::FaultServer::Request> Requests() const {
    std::vector<freshd::testing::FaultServer::Request> all;
    for (const std::string& path : paths_) {
      for (auto& request : proxy_.Requests(path)) all.push_back(std::move(request));
    }
    return all;
  }

 private:
  static nlohmann::json Post(const std::string& url, const nlohmann::json& body) {
    const Result<HttpAnswer> answer =
        HttpCall("POST", url, body.dump(), {}, chroma_auth_internal::kTimeout);
    INFO(Describe(answer));
    REQUIRE(answer.ok());
    REQUIRE(answer->Ok());
    return nlohmann::json::parse(answer->body);
  }

  freshd::testing::FaultServer proxy_;
  std::vector<std::string> paths_;
};

}  // namespace freshd::rag::testing
