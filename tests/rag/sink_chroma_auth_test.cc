// The chroma sink and a Chroma behind authentication (tests/rag/chroma_auth_proxy.h).
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "rag/http_call.h"
#include "rag/sink.h"
#include "tests/rag/chroma_auth_proxy.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/chroma_server.h"
#include "tests/support/fault_server.h"

namespace freshd::rag {
namespace {

using freshd::testing::ChromaServer;
using freshd::testing::FaultServer;
using testing::kChromaToken;
using AuthProxy = testing::ChromaAuthProxy;

std::unique_ptr<Sink> SinkWithHeaders(const AuthProxy& proxy, HttpHeaders headers) {
  ChromaOptions options;
  options.url = proxy.Url();
  options.headers = std::move(headers);
  options.timeout = std::chrono::seconds(5);
  return MakeChromaSink(options);
}

TEST_CASE("chroma sink sends its headers with every request", "[sink][chroma]") {
  ChromaServer server;
  AuthProxy proxy(server, "knowledge");
  auto sink = SinkWithHeaders(proxy, {{"Authorization", std::string("Bearer ") + kChromaToken}});
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
    CHECK(request.Header("authorization") == std::string("Bearer ") + kChromaToken);
  }
}

TEST_CASE("chroma sink names refused credentials and never shows them", "[sink][chroma]") {
  ChromaServer server;
  AuthProxy proxy(server, "knowledge");
  const std::string wrong = "Bearer wr0ng-t0ken";
  for (const HttpHeaders& headers : {HttpHeaders{}, HttpHeaders{{"Authorization", wrong}}}) {
    auto sink = SinkWithHeaders(proxy, headers);
    const Status prepared = sink->Prepare();
    INFO(prepared.message());
    CHECK_FALSE(prepared.ok());
    CHECK_THAT(prepared.message(),
               Catch::Contains("HTTP 401") && Catch::Contains("refused the credentials"));
    CHECK_THAT(prepared.message(), !Catch::Contains("wr0ng") && !Catch::Contains(kChromaToken));

    const Status applied = sink->Apply({Upsert("r1", "Refunds.", kRefunds, {1.0f, 0.0f})});
    CHECK_FALSE(applied.ok());
    CHECK_FALSE(IsRefusal(applied));  // the records are fine: sent again once the token is
    CHECK_THAT(applied.message(), Catch::Contains("refused the credentials"));
  }
}

}  // namespace
}  // namespace freshd::rag
