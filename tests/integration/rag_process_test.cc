// The RAG store kept in step by `freshd run`, for each sink against its real server on
// loopback: an edited paragraph replaces exactly its chunks, a deleted file's chunks go after
// its second miss, and a SIGKILL in the middle of delivery loses nothing and duplicates
// nothing. What a sink holds is read back through its own API (SQL for PostgreSQL, Chroma's
// get, the embedded index in the state store once freshd has stopped).
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "rag/chunking.h"
#include "rag/embedded_index.h"
#include "rag/http_call.h"
#include "rag/operations.h"
#include "rag/sink.h"
#include "rag/tables.h"
#include "store/state_store.h"
#include "tests/integration/daemon_under_test.h"
#include "tests/integration/engine_harness.h"
#include "tests/rag/rag_test_util.h"
#include "tests/store/status_testing.h"
#include "tests/support/chroma_server.h"
#include "tests/support/postgres_server.h"
#include "watchers/normalize.h"

namespace freshd::testing {
namespace {

namespace fs = std::filesystem;
using rag::testing::Document;

// A sink as the tests see it: its configuration, and what it holds (freshd stopped).
class SinkFixture {
 public:
  virtual ~SinkFixture() = default;
  virtual std::string Name() const = 0;
  virtual std::string Yaml() const = 0;
  virtual std::vector<std::string> HeldIds(const TempDir& dir) = 0;  // sorted, duplicates kept
};

class EmbeddedFixture : public SinkFixture {
 public:
  std::string Name() const override { return "embedded"; }
  std::string Yaml() const override { return "rag_store: { kind: embedded }\n"; }
  std::vector<std::string> HeldIds(const TempDir& dir) override {
    auto store = rag::testing::OpenStore(dir);
    rag::EmbeddedIndex index(*store);
    Result<std::vector<std::string>> list = index.ListChunkIds();
    REQUIRE(list.ok());
    CHECK(index.ChunkCount() == list.value().size());
    return list.value();
  }
};

class PostgresFixture : public SinkFixture {
 public:
  explicit PostgresFixture(const TempDir& dir) : dsn_file_(dir / "pg_dsn") {
    WriteFile(dsn_file_, server_.Dsn());
  }
  std::string Name() const override { return "postgres"; }
  std::string Yaml() const override {
    return "rag_store: { kind: postgres, postgres: { dsn_file: " + dsn_file_ +
           ", table: rag_chunks } }\n";
  }
  std::vector<std::string> HeldIds(const TempDir&) override {
    std::vector<std::string> ids;
    for (const auto& row : server_.Query("SELECT id FROM rag_chunks ORDER BY id")) {
      ids.push_back(row.at(0));
    }
    return ids;
  }

 private:
  PostgresServer server_;
  std::string dsn_file_;
};

class ChromaFixture : public SinkFixture {
 public:
  std::string Name() const override { return "chroma"; }
  std::string Yaml() const override {
    return "rag_store: { kind: chroma, chroma: { url: \"" + server_.Url() +
           "\", collection: handbook } }\n";
  }
  std::vector<std::string> HeldIds(const TempDir&) override {
    rag::ChromaOptions options;
    options.url = server_.Url();
    options.collection = "handbook";
    Result<std::vector<std::string>> list = rag::MakeChromaSink(options)->ListChunkIds();
    INFO(list.status().message());
    REQUIRE(list.ok());
    return list.value();
  }

 private:
  ChromaServer server_;
};

std::unique_ptr<SinkFixture> MakeFixture(const std::string& sink, const TempDir& dir) {
  if (sink == "postgres") return std::make_unique<PostgresFixture>(dir);
  if (sink == "chroma") return std::make_unique<ChromaFixture>();
  return std::make_unique<EmbeddedFixture>();
}

// The chunk ids freshd should have put in the sink for the files now in `docs`: the files'
// normalized texts, chunked as the daemon chunks them (default settings).
std::vector<std::string> ExpectedIds(const fs::path& docs, const std::string& source = "handbook") {
  auto created = watchers::Normalizer::Create({}, {});
  REQUIRE(created.ok());
  auto normalizer = std::move(created).value();
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(docs)) {
    const std::string body = ReadFile(entry.path());
    auto normalized =
        normalizer->Normalize(body, watchers::DetectContentKind("", entry.path().string()), "", {});
    REQUIRE(normalized.error == watchers::FetchError::kNone);
    const std::string uri = "file://" + entry.path().string();
    for (const auto& chunk :
         rag::ChunkText(rag::DocumentChunksKey(source, uri), normalized.text, {})) {
      ids.push_back(chunk.id);
    }
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

void WriteCorpus(const fs::path& docs, int documents) {
  for (int i = 0; i < documents; ++i) {
    WriteFile(docs / ("doc" + std::to_string(i) + ".md"), Document(20, i));
  }
}

double Index(const DaemonUnderTest& freshd, const std::string& series, const std::string& sink,
             const std::vector<std::string>& labels = {}) {
  std::vector<std::string> all = labels;
  all.push_back("sink=\"" + sink + "\"");
  return MetricValue(HttpGet(freshd.base + "/metrics").body, series, all);
}

// Polls until `done`, at most 60 s.
bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Every operation acknowledged, and the sink holding `chunks`.
bool Settled(const DaemonUnderTest& freshd, const std::string& sink, std::size_t chunks) {
  return WaitFor([&] {
    return Index(freshd, "freshd_index_pending_operations", sink) == 0 &&
           Index(freshd, "freshd_index_chunks", sink) == static_cast<double>(chunks);
  });
}

double Operations(const DaemonUnderTest& freshd, const std::string& sink, const std::string& op) {
  return Index(freshd, "freshd_index_operations_total", sink,
               {"op=\"" + op + "\"", "result=\"ok\""});
}

void EditOneParagraphAndDeleteOneFile(const std::string& sink_name) {
  TempDir dir;
  auto sink = MakeFixture(sink_name, dir);
  const fs::path docs = dir.path() / "docs";
  WriteCorpus(docs, 10);
  std::vector<std::string> expected = ExpectedIds(docs);
  {
    DaemonUnderTest freshd(dir, "1s", sink->Yaml());
    REQUIRE(freshd.Ready());
    REQUIRE(Settled(freshd, sink_name, expected.size()));
    CHECK(Operations(freshd, sink_name, "upsert") == static_cast<double>(expected.size()));

    // One paragraph of one document reworded: its chunk (and at most a neighbour) replaced.
    WriteFile(docs / "doc3.md", Document(20, 3, /*edited_paragraph=*/7));
    const std::vector<std::string> edited = ExpectedIds(docs);
    std::vector<std::string> added, removed;
    std::set_difference(edited.begin(), edited.end(), expected.begin(), expected.end(),
                        std::back_inserter(added));
    std::set_difference(expected.begin(), expected.end(), edited.begin(), edited.end(),
                        std::back_inserter(removed));
    REQUIRE(!added.empty());
    CHECK(added.size() <= 2);
    REQUIRE(WaitFor([&] {
      return Operations(freshd, sink_name, "delete") == static_cast<double>(removed.size());
    }));
    REQUIRE(Settled(freshd, sink_name, edited.size()));
    CHECK(Operations(freshd, sink_name, "upsert") ==
          static_cast<double>(expected.size() + added.size()));
    CHECK(Operations(freshd, sink_name, "delete") == static_cast<double>(removed.size()));
    std::string status;
    CHECK(RunCommand({FreshdBinary(), "status", "--url", freshd.base}, &status) == 0);
    CHECK(status.find("rag store (" + sink_name + "): ok, " + std::to_string(edited.size()) +
                      " chunks, 0 operations pending") != std::string::npos);
    if (sink_name == "embedded") {  // "here's the source": the edited text, found, with its URI
      std::string found;
      CHECK(RunCommand({FreshdBinary(), "search", "reworded", "-k", "1", "--url", freshd.base},
                       &found) == 0);
      CHECK(found.find("doc3.md") != std::string::npos);
      CHECK(found.find("(docs / handbook, fetched ") != std::string::npos);
      const auto json =
          nlohmann::json::parse(HttpGet(freshd.base + "/api/v1/search?q=reworded&k=3").body);
      REQUIRE(json["results"].size() == 1);  // only the edited paragraph says "reworded"
      CHECK(json["results"][0]["uri"].get<std::string>().ends_with("/docs/doc3.md"));
      CHECK(json["results"][0]["text"].get<std::string>().find("was reworded") !=
            std::string::npos);
      CHECK(json["results"][0]["phrase"] == true);  // it holds the query's word
    }

    // A deleted file: its chunks go, after its second miss.
    fs::remove(docs / "doc5.md");
    expected = ExpectedIds(docs);
    REQUIRE(Settled(freshd, sink_name, expected.size()));
  }
  CHECK(sink->HeldIds(dir) == expected);
}

void KillDuringDelivery(const std::string& sink_name) {
  TempDir dir;
  auto sink = MakeFixture(sink_name, dir);
  const fs::path docs = dir.path() / "docs";
  WriteCorpus(docs, 1000);  // enough chunks that delivery takes seconds
  const std::vector<std::string> expected = ExpectedIds(docs);
  bool killed_mid_delivery = false;
  {
    DaemonUnderTest freshd(dir, "3s", sink->Yaml());
    REQUIRE(freshd.Ready());
    REQUIRE(WaitFor([&] {
      const double held = Index(freshd, "freshd_index_chunks", sink_name);
      const double pending = Index(freshd, "freshd_index_pending_operations", sink_name);
      if (held > 0 && pending > 0) {
        freshd.process->Signal(SIGKILL);
        killed_mid_delivery = true;
      }
      // Delivery may catch up with the checks for a moment (nothing pending) before the
      // run ends: only everything delivered means the kill came too late.
      return killed_mid_delivery || held == static_cast<double>(expected.size());
    }));
    if (killed_mid_delivery) freshd.process->Wait();
  }
  REQUIRE(killed_mid_delivery);
  {
    DaemonUnderTest freshd(dir, "3s", sink->Yaml());
    REQUIRE(freshd.Ready());
    const bool settled = Settled(freshd, sink_name, expected.size());
    INFO("expected " << expected.size() << " chunks; the daemon says "
                     << HttpGet(freshd.base + "/api/v1/index").body);
    REQUIRE(settled);
  }
  CHECK(sink->HeldIds(dir) == expected);  // every chunk once: none lost, none twice
}

// Documents recorded before indexing existed have no chunk manifest and are not marked
// indexed: they must be fetched in full and indexed, though unchanged since.
void IndexesDocumentsWithoutManifest() {
  TempDir dir;
  const fs::path docs = dir.path() / "docs";
  WriteCorpus(docs, 5);
  const std::vector<std::string> expected = ExpectedIds(docs);
  {
    DaemonUnderTest freshd(dir, "1s", EmbeddedFixture().Yaml());
    REQUIRE(freshd.Ready());
    REQUIRE(Settled(freshd, "embedded", expected.size()));
  }
  {
    auto store = rag::testing::OpenStore(dir);
    const store::TableId manifests = freshd::testing::Ok(rag::FindTables(*store)).chunk_manifests;
    store::WriteSet forget;
    freshd::testing::Ok(store->Scan(manifests, "", "", [&](std::string_view key, auto) {
      forget.Delete(manifests, std::string(key));
      return true;
    }));
    freshd::testing::Ok(store->Apply(forget));
    freshd::testing::Ok(store->MarkUnindexed("handbook"));  // as a store from before indexing
  }
  DaemonUnderTest freshd(dir, "1s", EmbeddedFixture().Yaml());
  REQUIRE(freshd.Ready());
  REQUIRE(WaitFor([&] {  // the manifests are back: the files were read again, not skipped
    Result<rag::HttpAnswer> reconcile =
        rag::HttpCall("POST", freshd.base + "/api/v1/reconcile", "", {{"X-Freshd-Request", "1"}},
                      std::chrono::seconds(5));
    if (!reconcile.ok()) return false;
    auto json = nlohmann::json::parse(reconcile->body, nullptr, false);
    return reconcile->Ok() && json["desired_chunks"] == expected.size() &&
           json["upserts_queued"] == 0 && json["deletes_queued"] == 0;
  }));
}

// A source removed from the configuration by a reload takes its chunks out of the sink.
std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// A SIGHUP, and whether it was applied: on success
// freshd_config_last_reload_success_timestamp_seconds moves, on failure the log says so.
bool Reload(const DaemonUnderTest& freshd, const TempDir& dir) {
  const auto applied_at = [&] {
    return MetricValue(HttpGet(freshd.base + "/metrics").body,
                       "freshd_config_last_reload_success_timestamp_seconds", {});
  };
  const auto failures = [&] { return Count(ReadFile(dir / "freshd.log"), "reload failed"); };
  const double applied_before = applied_at();
  const std::size_t failures_before = failures();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the timestamp is in ms
  REQUIRE(kill(freshd.process->pid(), SIGHUP) == 0);
  bool applied = false;
  REQUIRE(WaitFor([&] {
    applied = applied_at() != applied_before;
    return applied || failures() > failures_before;
  }));
  return applied;
}

constexpr std::string_view kGraceYaml = "rag_store: { kind: embedded, removed_source_grace: 3s }\n";

// The removed-source tests' configuration: handbook (4 documents) and old-handbook (3),
// either or both, with a grace of 3 s.
std::string TwoSources(const DaemonUnderTest& freshd, const TempDir& dir, bool handbook, bool old) {
  std::string sources;
  if (handbook) sources += DirectorySource("handbook", dir / "docs");
  if (old) sources += DirectorySource("old-handbook", dir / "old");
  return std::string(kGraceYaml) + Config(dir, freshd.port, sources, "1s");
}

// freshd running on both sources, every chunk delivered: how many chunks that is.
double StartOnTwoSources(const TempDir& dir, std::unique_ptr<DaemonUnderTest>& freshd) {
  WriteCorpus(dir.path() / "docs", 4);
  WriteCorpus(dir.path() / "old", 3);
  freshd = std::make_unique<DaemonUnderTest>(
      dir, "1s", std::string(kGraceYaml),
      DirectorySource("handbook", dir / "docs") + DirectorySource("old-handbook", dir / "old"));
  REQUIRE(freshd->Ready());
  const std::size_t all = ExpectedIds(dir.path() / "docs").size() +
                          ExpectedIds(dir.path() / "old", "old-handbook").size();
  REQUIRE(Settled(*freshd, "embedded", all));
  return static_cast<double>(all);
}

void RemovedSourceKeepsItsChunksForTheGrace() {
  TempDir dir;
  std::unique_ptr<DaemonUnderTest> started;
  const double all = StartOnTwoSources(dir, started);
  DaemonUnderTest& freshd = *started;

  // Taken out by mistake, put back within the grace: nothing is deleted.
  WriteFile(freshd.file, TwoSources(freshd, dir, true, false));
  REQUIRE(Reload(freshd, dir));
  WriteFile(freshd.file, TwoSources(freshd, dir, true, true));
  REQUIRE(Reload(freshd, dir));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // past the grace that was running
  CHECK(Index(freshd, "freshd_index_chunks", "embedded") == all);
  CHECK(Operations(freshd, "embedded", "delete") == 0);

  // Taken out for good: its chunks leave once the grace is over.
  WriteFile(freshd.file, TwoSources(freshd, dir, true, false));
  REQUIRE(Reload(freshd, dir));
  REQUIRE(Settled(freshd, "embedded", ExpectedIds(dir.path() / "docs").size()));
  const std::string log = ReadFile(dir.path() / "freshd.log");
  CHECK(log.find("source old-handbook left the configuration: its chunks stay") !=
        std::string::npos);
  CHECK(log.find("source old-handbook is back in the configuration") != std::string::npos);
}

void ReloadThatWouldEmptyTheStoreIsRefused() {
  TempDir dir;
  std::unique_ptr<DaemonUnderTest> started;
  const double all = StartOnTwoSources(dir, started);
  DaemonUnderTest& freshd = *started;

  WriteFile(freshd.file, "");  // `: > freshd.yaml`
  CHECK_FALSE(Reload(freshd, dir));
  CHECK(MetricValue(HttpGet(freshd.base + "/metrics").body, "freshd_config_last_reload_successful",
                    {}) == 0);
  // 4 of the 7 documents at once: more than max_listing_drop (50%).
  WriteFile(freshd.file, TwoSources(freshd, dir, false, true));
  CHECK_FALSE(Reload(freshd, dir));
  std::this_thread::sleep_for(std::chrono::seconds(4));  // past the grace, had it started
  CHECK(Index(freshd, "freshd_index_chunks", "embedded") == all);
  CHECK(Operations(freshd, "embedded", "delete") == 0);
  const std::string sources = HttpGet(freshd.base + "/api/v1/sources").body;
  CHECK(sources.find("\"handbook\"") != std::string::npos);
  const std::string log = ReadFile(dir.path() / "freshd.log");
  CHECK(log.find("no workloads: freshd would watch nothing") != std::string::npos);
  CHECK(log.find("reload failed: it takes out sources holding 4 of the 7 documents watched "
                 "(handbook)") != std::string::npos);
}

}  // namespace

TEST_CASE("embedded sink: an edit replaces exactly its chunks: a deleted file's chunks go") {
  EditOneParagraphAndDeleteOneFile("embedded");
}
TEST_CASE("postgres sink: an edit replaces exactly its chunks: a deleted file's chunks go") {
  EditOneParagraphAndDeleteOneFile("postgres");
}
TEST_CASE("chroma sink: an edit replaces exactly its chunks: a deleted file's chunks go") {
  EditOneParagraphAndDeleteOneFile("chroma");
}

TEST_CASE("embedded sink: SIGKILL in the middle of delivery loses and duplicates nothing") {
  KillDuringDelivery("embedded");
}
TEST_CASE("postgres sink: SIGKILL in the middle of delivery loses and duplicates nothing") {
  KillDuringDelivery("postgres");
}
TEST_CASE("chroma sink: SIGKILL in the middle of delivery loses and duplicates nothing") {
  KillDuringDelivery("chroma");
}

}  // namespace freshd::testing

namespace freshd::testing {
TEST_CASE("documents without a chunk manifest are read in full and indexed, though unchanged") {
  IndexesDocumentsWithoutManifest();
}
}  // namespace freshd::testing

namespace freshd::testing {
TEST_CASE("a source removed by a reload keeps its chunks for the grace, then they leave") {
  RemovedSourceKeepsItsChunksForTheGrace();
}
TEST_CASE("a reload to an empty file, or one dropping most documents, is refused") {
  ReloadThatWouldEmptyTheStoreIsRefused();
}
}  // namespace freshd::testing
