// freshd writing PostgreSQL for the apps that read it: `freshd run` with the openai embedder
// (the embedding API double, the one allowed) and the postgres sink against a throwaway
// PostgreSQL 15; then /api/v1/index as an operator reads it, and LangChain JS's
// PGVectorStore (tests/clients) as a RAG app reads the tables. pgvector is not packaged for
// Debian 12: the cases that need it run where the extension exists and are skipped with a
// message elsewhere; the cases without it check that nothing is silent.
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/integration/daemon_under_test.h"
#include "tests/support/embedding_api.h"
#include "tests/support/fault_server.h"
#include "tests/support/postgres_server.h"

namespace freshd::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr char kModel[] = "text-embedding-3-small";
const std::string kNoPgvector =
    "pgvector is not installed on the server: vectors are not stored; text search only";

// Two documents whose words tell them apart.
void WriteDocs(const fs::path& docs) {
  WriteFile(docs / "refunds.md",
            "# Refunds\n\nRefunds are paid to the original card within fourteen days of the "
            "request.\n");
  WriteFile(docs / "shipping.md",
            "# Shipping\n\nParcels ship worldwide by courier and arrive within a week.\n");
}

// freshd, the docs, the embedding API and PostgreSQL, with `layout`.
struct Setup {
  explicit Setup(const std::string& layout) {
    api.Route("/v1/embeddings", EmbeddingApi());
    WriteDocs(dir.path() / "docs");
    WriteFile(dir / "pg_dsn", postgres.Dsn());
    const std::string table = layout == "langchain" ? "langchain_pg_embedding" : "rag_chunks";
    yaml = "embedder: { kind: openai, base_url: \"" + api.Url("/v1") + "\", model: " + kModel +
           " }\nrag_store: { kind: postgres, postgres: { dsn_file: " + (dir / "pg_dsn") +
           ", layout: " + layout + ", table: " + table + ", collection: policies } }\n";
  }
  bool Pgvector() const {
    return !postgres.Query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").empty();
  }
  std::string Url() const {
    return "postgres://freshd@127.0.0.1:" + std::to_string(postgres.port()) + "/postgres";
  }

  TempDir dir;
  FaultServer api;
  PostgresServer postgres;
  std::string yaml;
};

json IndexState(const DaemonUnderTest& freshd) {
  return json::parse(HttpGet(freshd.base + "/api/v1/index").body);
}

// Polls until `done`, at most 60 s.
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 1200 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// The retriever's answer lines, or its error output; exit code in *code.
std::string RunRetriever(const Setup& setup, const std::string& question, int* code) {
  std::string output;
  *code = RunCommand({"node", std::string(FRESHD_CLIENTS_DIR) + "/langchain_pgvector.mjs",
                      setup.Url(), setup.api.Url("/v1"), kModel, "policies", question},
                     &output);
  return output;
}

TEST_CASE("postgres sink: /api/v1/index and the log say when pgvector is missing",
          "[postgres][clients]") {
  Setup setup("freshd");
  DaemonUnderTest freshd(setup.dir, "1s", setup.yaml);
  REQUIRE(freshd.Ready());
  REQUIRE(WaitFor([&] { return IndexState(freshd)["chunks"] == 2; }));
  const json index = IndexState(freshd);
  INFO(index.dump());
  CHECK(index["state"] == "ok");
  if (setup.Pgvector()) {
    CHECK(index["warnings"] == json::array());
    CHECK(setup.postgres.Query("SELECT count(*) FROM rag_chunks WHERE embedding IS NOT NULL") ==
          std::vector<std::vector<std::string>>{{"2"}});
    return;
  }
  CHECK(index["warnings"] == json::array({kNoPgvector}));
  const std::string log = ReadFile(setup.dir / "freshd.log");
  const auto first = log.find(kNoPgvector);
  CHECK(first != std::string::npos);
  CHECK(log.find(kNoPgvector, first + 1) == std::string::npos);  // once
  // Text search still serves the chunks, stemmed: "refund" finds "Refunds".
  CHECK(setup.postgres.Query("SELECT metadata->>'source' FROM rag_chunks WHERE tsv @@ "
                             "plainto_tsquery('english', 'refund')") ==
        std::vector<std::vector<std::string>>{{"file://" + (setup.dir / "docs/refunds.md")}});
}

TEST_CASE(
    "postgres layout langchain: LangChain JS PGVectorStore retrieves the chunk and cites "
    "its source (runs where pgvector exists)",
    "[postgres][clients]") {
  Setup setup("langchain");
  DaemonUnderTest freshd(setup.dir, "1s", setup.yaml);
  REQUIRE(freshd.Ready());
  if (!setup.Pgvector()) {
    // freshd refuses the layout and says why; the retriever, correct up to the store, finds
    // no tables.
    REQUIRE(WaitFor([&] { return IndexState(freshd)["state"] == "failing"; }));
    CHECK_THAT(IndexState(freshd)["last_error"].get<std::string>(),
               Catch::Contains("layout langchain needs the pgvector extension"));
    int code = 0;
    const std::string output = RunRetriever(setup, "How long do refunds take?", &code);
    INFO(output);
    CHECK(code == 1);
    CHECK_THAT(output, Catch::Contains("relation \"langchain_pg_collection\" does not exist"));
    WARN(
        "SKIPPED the LangChain JS PGVector retrieval: pgvector is not installed on this "
        "PostgreSQL (not packaged for Debian 12); it runs where the extension exists");
    return;
  }
  REQUIRE(WaitFor([&] { return IndexState(freshd)["chunks"] == 2; }));
  int code = 0;
  const std::string output = RunRetriever(setup, "How long do refunds take?", &code);
  INFO(output);
  REQUIRE(code == 0);
  const json first = json::parse(output.substr(0, output.find('\n')));
  CHECK(first["source"] == "file://" + (setup.dir / "docs/refunds.md"));
  CHECK_THAT(first["text"].get<std::string>(), Catch::Contains("fourteen days"));
}

}  // namespace
}  // namespace freshd::testing
