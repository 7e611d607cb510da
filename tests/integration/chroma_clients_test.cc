// What freshd writes to Chroma, read by the clients RAG apps use (tests/clients, real npm
// packages run with node): `freshd run` indexes three help pages served on loopback into a
// real Chroma, embedding with an OpenAI-compatible API (EmbeddingApi, the one test double);
// then the official chromadb client queries by text with the embedding function it builds
// from the collection's configuration, and LangChain JS's Chroma retriever finds the page
// that answers a question and cites its URL. With the hashing embedder, the official client
// still reads the collection and freshd says, in its log and /api/v1/index, that clients
// cannot embed questions as it does.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_under_test.h"
#include "tests/support/chroma_server.h"
#include "tests/support/embedding_api.h"
#include "tests/support/fault_server.h"

namespace freshd::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kQuestion[] = "how long do refunds take";
constexpr char kModel[] = "text-embedding-3-small";

const std::string kClients = FRESHD_CLIENTS_DIR;

// Why the client tests cannot run here ("" when they can): node, or the npm packages.
std::string MissingClients() {
  if (!fs::exists(kClients + "/node_modules/chromadb")) {
    return kClients + "/node_modules is missing: run scripts/install-test-servers.sh";
  }
  std::string version;
  if (RunCommand({"node", "--version"}, &version) != 0) return "node is not installed";
  return "";
}

std::string Page(const std::string& title, const std::string& text) {
  return "<!doctype html><html><head><title>" + title + "</title></head><body><h1>" + title +
         "</h1><p>" + text + "</p></body></html>";
}

// Three help pages, each a chunk; the refund page answers kQuestion.
class HelpPages {
 public:
  HelpPages() {
    Serve("/help/refunds", Page("Refunds",
                                "Refunds take up to 14 days to reach your card once "
                                "we receive the returned item."));
    Serve("/help/shipping", Page("Shipping",
                                 "We ship worldwide from our warehouse; parcels "
                                 "leave within two business days."));
    Serve("/help/warranty", Page("Warranty",
                                 "The warranty covers manufacturing defects for two "
                                 "years from the date of purchase."));
  }
  std::string Url(const std::string& path) const { return server_.Url(path); }
  std::string Sources() const {
    std::string sources;
    for (const std::string name : {"refunds", "shipping", "warranty"}) {
      sources +=
          "      - name: " + name + "\n        http: { url: \"" + Url("/help/" + name) + "\" }\n";
    }
    return sources;
  }

 private:
  void Serve(const std::string& path, const std::string& html) {
    server_.Route(path, FaultServer::Plain().Header("Content-Type", "text/html").Body(html));
  }
  FaultServer server_;
};

json IndexState(const DaemonUnderTest& freshd) {
  const Reply reply = HttpGet(freshd.base + "/api/v1/index");
  if (reply.status != 200) return json::object();
  return json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
}

// Waits (at most 60 s) until the three pages are in the sink and nothing is pending. The
// pages are checked every 2 s, so that their first checks, spread over the interval, come soon.
bool Indexed(const DaemonUnderTest& freshd) {
  for (int i = 0; i < 1200; ++i) {
    const json state = IndexState(freshd);
    if (state.value("chunks", 0) >= 3 && state.value("pending_operations", -1) == 0 &&
        state.value("state", "") == "ok") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

struct NodeRun {
  int code = -1;
  std::string output;  // stdout and stderr
  json answer;         // the script's JSON line, null when none
};

// Runs tests/clients/SCRIPT with node, with `environment` ("NAME=value") added.
NodeRun RunNode(const std::vector<std::string>& environment, const std::string& script,
                const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {"env"};
  argv.insert(argv.end(), environment.begin(), environment.end());
  argv.push_back("node");
  argv.push_back(kClients + "/" + script);
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  NodeRun run;
  run.code = RunCommand(argv, &run.output);
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.front() == '{') run.answer = json::parse(line, nullptr, false);
  }
  return run;
}

TEST_CASE(
    "the official chroma client and LangChain query freshd's collection by text and cite "
    "the page",
    "[chroma][clients]") {
  if (const std::string missing = MissingClients(); !missing.empty()) {
    WARN("skipped: " << missing);
    return;
  }
  TempDir dir;
  ChromaServer chroma;
  FaultServer api;
  api.Route("/v1/embeddings", EmbeddingApi());
  HelpPages pages;
  WriteFile(dir / "embedding_key", "sk-test-key\n");
  const std::string yaml = "embedder: { kind: openai, base_url: \"" + api.Url("/v1") +
                           "\", model: " + kModel + ", api_key_file: " + (dir / "embedding_key") +
                           " }\nrag_store: { kind: chroma, chroma: { url: \"" + chroma.Url() +
                           "\", collection: help-center } }\n";
  DaemonUnderTest freshd(dir, "2s", yaml, pages.Sources());
  REQUIRE(freshd.Ready());
  REQUIRE(Indexed(freshd));
  CHECK(IndexState(freshd)["warnings"] == json::array());

  const int embedded_by_freshd = api.RequestCount("/v1/embeddings");
  const NodeRun official =
      RunNode({"OPENAI_API_KEY=any-key", "OPENAI_BASE_URL=" + api.Url("/v1")}, "chroma_query.mjs",
              {chroma.Url(), "help-center", "query", kQuestion});
  INFO(official.output);
  REQUIRE(official.code == 0);
  CHECK(official.output.find("No embedding function configuration") == std::string::npos);
  CHECK(official.output.find("embedding function") == std::string::npos);  // no warning at all
  CHECK(official.answer["embedding_function"] == "openai");
  CHECK(official.answer["space"] == "cosine");
  CHECK(api.RequestCount("/v1/embeddings") == embedded_by_freshd + 1);  // the client's question
  REQUIRE(official.answer["documents"].size() == 1);
  CHECK_THAT(official.answer["documents"][0].get<std::string>(), Catch::Contains("14 days"));
  CHECK(official.answer["metadatas"][0]["source"] == pages.Url("/help/refunds"));

  const NodeRun langchain =
      RunNode({"OPENAI_API_KEY=any-key"}, "langchain_chroma.mjs",
              {chroma.Url(), "help-center", api.Url("/v1"), kModel, "Do you ship worldwide?"});
  INFO(langchain.output);
  REQUIRE(langchain.code == 0);
  REQUIRE(langchain.answer["documents"].size() == 1);
  const json& document = langchain.answer["documents"][0];
  CHECK_THAT(document["pageContent"].get<std::string>(), Catch::Contains("ship worldwide"));
  CHECK(document["metadata"]["source"] == pages.Url("/help/shipping"));
}

TEST_CASE(
    "with the hashing embedder the official chroma client reads the collection and freshd "
    "warns that clients cannot embed",
    "[chroma][clients]") {
  if (const std::string missing = MissingClients(); !missing.empty()) {
    WARN("skipped: " << missing);
    return;
  }
  TempDir dir;
  ChromaServer chroma;
  HelpPages pages;
  const std::string yaml =
      "rag_store: { kind: chroma, chroma: { url: \"" + chroma.Url() + "\", collection: help } }\n";
  DaemonUnderTest freshd(dir, "2s", yaml, pages.Sources());
  REQUIRE(freshd.Ready());
  REQUIRE(Indexed(freshd));
  const json warnings = IndexState(freshd)["warnings"];
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0].get<std::string>(), Catch::Contains("cannot reproduce"));
  CHECK_THAT(ReadFile(dir / "freshd.log"), Catch::Contains(" warning chroma: collection 'help'") &&
                                               Catch::Contains("hashing embedder, which Chroma's "
                                                               "clients cannot reproduce"));

  const NodeRun official = RunNode({}, "chroma_query.mjs", {chroma.Url(), "help", "get"});
  INFO(official.output);
  REQUIRE(official.code == 0);
  CHECK(official.answer["embedding_function"] == nullptr);
  // The client's own words for a collection whose vectors it cannot make: true here.
  CHECK_THAT(official.output, Catch::Contains("No embedding function configuration"));
  CHECK(official.answer["ids"].size() == 3);
  std::vector<std::string> sources;
  for (const json& metadata : official.answer["metadatas"]) sources.push_back(metadata["source"]);
  std::sort(sources.begin(), sources.end());
  CHECK(sources == std::vector<std::string>{pages.Url("/help/refunds"), pages.Url("/help/shipping"),
                                            pages.Url("/help/warranty")});
}

}  // namespace
}  // namespace freshd::testing
