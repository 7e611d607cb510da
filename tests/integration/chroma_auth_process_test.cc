// `freshd run` and a Chroma behind authentication (tests/rag/chroma_auth_proxy.h): the
// token read from a file opens it; a wrong token makes the sink fail from start-up with a
// message that names the refused credentials, and no token appears in the log or the API.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/integration/daemon_under_test.h"
#include "tests/rag/chroma_auth_proxy.h"
#include "tests/support/chroma_server.h"
#include "tests/support/fault_server.h"

namespace freshd::testing {
namespace {

using nlohmann::json;
using rag::testing::ChromaAuthProxy;
using rag::testing::kChromaToken;

constexpr char kWrongToken[] = "wr0ng-t0ken";

json IndexState(const DaemonUnderTest& freshd) {
  const Reply reply = HttpGet(freshd.base + "/api/v1/index");
  if (reply.status != 200) return json::object();
  return json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
}

// Polls /api/v1/index (at most 60 s) until `done` holds for it; returns the last state.
template <typename Done>
json WaitForIndex(const DaemonUnderTest& freshd, Done done) {
  json state = IndexState(freshd);
  for (int i = 0; i < 1200 && !done(state); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    state = IndexState(freshd);
  }
  return state;
}

std::string Sources(const FaultServer& pages) {
  return "      - name: refunds\n        http: { url: \"" + pages.Url("/refunds") + "\" }\n";
}

TEST_CASE("freshd reaches a Chroma behind authentication with a token from a file",
          "[chroma][auth]") {
  ChromaServer chroma;
  ChromaAuthProxy proxy(chroma, "knowledge");
  FaultServer pages;
  pages.Route("/refunds", FaultServer::Plain()
                              .Header("Content-Type", "text/html")
                              .Body("<html><body><p>Refunds take 14 days.</p></body></html>"));

  for (const std::string& token : {std::string(kChromaToken), std::string(kWrongToken)}) {
    TempDir dir;
    WriteFile(dir / "chroma_token", "Bearer " + token + "\n");
    const std::string yaml = "rag_store: { kind: chroma, chroma: { url: \"" + proxy.Url() +
                             "\", headers: { Authorization: { file: " + (dir / "chroma_token") +
                             " } } } }\n";
    DaemonUnderTest freshd(dir, "2s", yaml, Sources(pages));
    REQUIRE(freshd.Ready());
    json state;
    if (token == kChromaToken) {
      state = WaitForIndex(freshd, [](const json& s) {
        return s.value("chunks", 0) == 1 && s.value("pending_operations", -1) == 0;
      });
      CHECK(state["state"] == "ok");
      CHECK(state["chunks"] == 1);
    } else {
      state = WaitForIndex(freshd, [](const json& s) { return s.value("state", "") == "failing"; });
      REQUIRE(state["state"] == "failing");
      CHECK_THAT(state["last_error"].get<std::string>(),
                 Catch::Contains("HTTP 401") && Catch::Contains("refused the credentials"));
    }
    const std::string log = ReadFile(dir / "freshd.log");
    INFO(log);
    CHECK(log.find(token) == std::string::npos);
    CHECK(state.dump().find(token) == std::string::npos);
  }
}

}  // namespace
}  // namespace freshd::testing
