// `freshd run` with a password in a source's URL, against a loopback server that requires
// HTTP Basic auth: the page is fetched with the credentials and indexed, and the password
// appears nowhere freshd shows or stores anything.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "rag/embedded_index.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/integration/daemon_under_test.h"
#include "tests/integration/engine_harness.h"
#include "tests/store/status_testing.h"
#include "tests/support/fault_server.h"

namespace freshd::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kPassword[] = "S3cretPassw0rd";
constexpr char kAuthorization[] = "Basic dXNlcjpTM2NyZXRQYXNzdzByZA==";  // user:S3cretPassw0rd

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The page's chunk delivered to the embedded store, nothing left in the outbox.
bool Indexed(const DaemonUnderTest& freshd) {
  return WaitFor([&] {
    const std::string metrics = HttpGet(freshd.base + "/metrics").body;
    return MetricValue(metrics, "freshd_index_chunks", {"sink=\"embedded\""}) >= 1 &&
           MetricValue(metrics, "freshd_index_pending_operations", {"sink=\"embedded\""}) == 0;
  });
}

bool FileHolds(const fs::path& file, const std::string& needle) {
  return ReadFile(file).find(needle) != std::string::npos;
}

// The files under `dir` whose raw bytes hold `needle`.
std::vector<std::string> FilesHolding(const fs::path& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && FileHolds(entry.path(), needle)) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

TEST_CASE("a password in a source URL authenticates the fetch and is shown or stored nowhere") {
  FaultServer server;
  server.Route("/page", FaultServer::Handler{[](const FaultServer::Request& request) {
                 if (request.Header("authorization") != kAuthorization) {
                   return FaultServer::Plain().Status(401).Header("WWW-Authenticate",
                                                                  "Basic realm=\"docs\"");
                 }
                 return FaultServer::Plain()
                     .Header("Content-Type", "text/html")
                     .Body(
                         "<html><body><main><p>Refunds for quokka owners within 30 days."
                         "</p></main></body></html>");
               }});
  const std::string page = server.Url("/page");
  const std::string url_with_password =
      "http://user:" + std::string(kPassword) + "@" + page.substr(std::string("http://").size());
  TempDir dir;
  {
    DaemonUnderTest freshd(
        dir, "1s", "log: { level: debug }\nrag_store: { kind: embedded }\n",
        "      - name: private\n        http: { url: \"" + url_with_password + "\" }\n");
    REQUIRE(freshd.Ready());
    REQUIRE(Indexed(freshd));
    REQUIRE(server.RequestCount("/page") >= 1);
    for (const auto& request : server.Requests("/page")) {
      CHECK(request.Header("authorization") == kAuthorization);
    }

    const std::string sources = HttpGet(freshd.base + "/api/v1/sources").body;
    const auto source = nlohmann::json::parse(sources)["sources"][0];
    CHECK(source["target"] == page);
    CHECK(source["state"] == "ok");
    CHECK(source["documents"] == 1);
    const std::string documents = HttpGet(freshd.base + "/api/v1/sources?source=private").body;
    CHECK(nlohmann::json::parse(documents)["documents"][0]["uri"] == page);
    const std::string status_page = HttpGet(freshd.base + "/").body;
    CHECK(status_page.find(page) != std::string::npos);
    const std::string search = HttpGet(freshd.base + "/api/v1/search?q=quokka&k=3").body;
    REQUIRE(nlohmann::json::parse(search)["results"].size() == 1);
    CHECK(nlohmann::json::parse(search)["results"][0]["uri"] == page);
    std::string search_command;
    CHECK(RunCommand({FreshdBinary(), "search", "quokka", "--url", freshd.base}, &search_command) ==
          0);
    CHECK(search_command.find(page) != std::string::npos);
    const std::string metrics = HttpGet(freshd.base + "/metrics").body;

    for (const std::string& shown :
         {sources, documents, status_page, search, search_command, metrics}) {
      CHECK(shown.find(kPassword) == std::string::npos);
    }
  }

  const std::string log = ReadFile(dir.path() / "freshd.log");
  CHECK(log.find("new " + page) != std::string::npos);  // debug lines were written
  CHECK(log.find(kPassword) == std::string::npos);

  store::StoreOptions options;
  rag::DeclareTables(options);
  auto store = freshd::testing::Ok(store::StateStore::Open(dir / "state", options));
  std::vector<std::string> uris;
  freshd::testing::Ok(
      store->ForEachDocument("private", [&](const store::DocumentKey& key, const auto&) {
        uris.push_back(key.uri);
        return true;
      }));
  CHECK(uris == std::vector<std::string>{page});
  const auto hits = freshd::testing::Ok(rag::EmbeddedIndex(*store).Search("quokka", {}, 3));
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].metadata.uri == page);
  store.reset();
  // Whatever the store holds, in its log or its tables: the page's words, not the password.
  CHECK_FALSE(FilesHolding(dir.path() / "state", "quokka").empty());
  CHECK(FilesHolding(dir.path() / "state", kPassword).empty());
}

}  // namespace
}  // namespace freshd::testing
