// The postgres sink against a throwaway PostgreSQL 15 cluster on loopback; what it wrote is
// read back with SQL.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "rag/sink.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/postgres_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace freshd::rag {
namespace {

using nlohmann::json;
using testing::PostgresServer;
using Rows = std::vector<std::vector<std::string>>;

std::vector<SinkOperation> FirstVersion() {
  return {Upsert("r1", "Refunds are paid within 14 days.", kRefunds, {0.5f, -0.25f, 1.0f}),
          Upsert("r2", "Ask for a refund by mail.", kRefunds, {0.125f, 0.0f, -1.0f}),
          Upsert("r3", "Gift cards are not refunded.", kRefunds, {1.0f, 1.0f, 0.75f}),
          Upsert("s1", "We ship worldwide.", kShipping, {-0.5f, 0.5f, 0.0f})};
}

std::vector<SinkOperation> Edit() {
  return {Upsert("r4", "Ask for a refund in the app.", kRefunds, {0.25f, 0.5f, -0.5f}),
          Delete("r2", kRefunds)};
}

constexpr int kDims = 3;

PostgresOptions OptionsFor(const std::string& dsn, const std::string& table = "rag_chunks") {
  PostgresOptions options;
  options.dsn = dsn;
  options.table = table;
  options.embedder.dims = kDims;
  return options;
}

std::unique_ptr<Sink> SinkFor(const PostgresServer& server,
                              const std::string& table = "rag_chunks") {
  return MakePostgresSink(OptionsFor(server.Dsn(), table));
}

// id -> document, body, metadata (as text): the table as SQL sees it.
std::map<std::string, std::vector<std::string>> Table(const PostgresServer& server) {
  std::map<std::string, std::vector<std::string>> table;
  for (const auto& row :
       server.Query("SELECT id, document, body, metadata::text FROM rag_chunks ORDER BY id")) {
    INFO("duplicate id " << row[0]);
    CHECK(table.count(row[0]) == 0);
    table[row[0]] = {row[1], row[2], row[3]};
  }
  return table;
}

std::vector<std::string> Ids(Sink& sink) {
  Result<std::vector<std::string>> list = sink.ListChunkIds();
  INFO(list.status().message());
  REQUIRE(list.ok());
  return list.value();
}

void RequireApplied(Sink& sink, const std::vector<SinkOperation>& batch) {
  const Status status = sink.Apply(batch);
  INFO(status.message());
  REQUIRE(status.ok());
}

bool PgvectorAvailable(const PostgresServer& server) {
  return !server.Query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").empty();
}

std::string TableOid(const PostgresServer& server) {
  return server.Query("SELECT 'rag_chunks'::regclass::oid")[0][0];
}

TEST_CASE("postgres sink upserts chunks with their text and metadata", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  CHECK(sink->kind() == "postgres");
  RequireApplied(*sink, FirstVersion());

  const auto table = Table(server);
  REQUIRE(table.size() == 4);
  CHECK(table.at("r1")[0] == "policy-pages " + kRefunds);
  CHECK(table.at("r1")[1] == "Refunds are paid within 14 days.");
  CHECK(json::parse(table.at("r1")[2]) == json{{"source", kRefunds},
                                               {"freshd_source", "policy-pages"},
                                               {"workload", "support-policies"},
                                               {"fetched_at", "2026-01-01T00:00:00.123Z"},
                                               {"content_hash", "hash-" + kRefunds}});
  CHECK(table.at("s1")[1] == "We ship worldwide.");
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r2", "r3", "s1"});

  const Rows embedding = server.Query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'rag_chunks' AND "
      "column_name = 'embedding'");
  if (PgvectorAvailable(server)) {
    REQUIRE(embedding.size() == 1);
    CHECK(server.Query("SELECT embedding::text FROM rag_chunks WHERE id = 'r1'") ==
          Rows{{"[0.5,-0.25,1]"}});
  } else {
    CHECK(embedding.empty());  // without pgvector the vectors have nowhere to go
  }
}

TEST_CASE("postgres sink stores a chunk's page and heading in its metadata, only when set",
          "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(
      *sink, {Located(Upsert("p", "Page four.", kRefunds, {1.0f, 0.0f, 0.0f}), 4, ""),
              Located(Upsert("h", "Window.", kRefunds, {0.0f, 1.0f, 0.0f}), 0, "Refunds > Window"),
              Upsert("n", "Neither.", kShipping, {1.0f, 1.0f, 1.0f})});

  // As SQL reads them: an integer page and a text heading, in the jsonb itself.
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE (metadata->>'page')::int = 4") ==
        Rows{{"p"}});
  CHECK(server.Query("SELECT jsonb_typeof(metadata->'page') FROM rag_chunks WHERE id = 'p'") ==
        Rows{{"number"}});
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE metadata->>'heading' = 'Refunds > Window'") ==
        Rows{{"h"}});
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE metadata ? 'page' OR metadata ? 'heading' "
                     "ORDER BY id") == Rows{{"h"}, {"p"}});
  const auto table = Table(server);
  const json page = json::parse(table.at("p")[2]);
  CHECK(page["source"] == kRefunds);  // the other keys are all still there
  CHECK(page["content_hash"] == "hash-" + kRefunds);
  CHECK(page["fetched_at"] == "2026-01-01T00:00:00.123Z");
}

TEST_CASE("postgres sink keeps a tsvector of each chunk that full-text queries find",
          "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());

  // The default configuration, english, stems: "refunds" finds "refund" and "refunded".
  const auto found = [&](const std::string& query) {
    return server.Query("SELECT id FROM rag_chunks WHERE tsv @@ plainto_tsquery('english', '" +
                        query + "') ORDER BY id");
  };
  CHECK(found("worldwide") == Rows{{"s1"}});
  CHECK(found("refunds") == Rows{{"r1"}, {"r2"}, {"r3"}});
  CHECK(found("refund mail") == Rows{{"r2"}});
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE tsv @@ plainto_tsquery('english', 'gift') "
                     "AND document = 'policy-pages " +
                     kRefunds + "'") == Rows{{"r3"}});
  CHECK(server.Query("SELECT indexname FROM pg_indexes WHERE tablename = 'rag_chunks' ORDER BY "
                     "indexname") == Rows{{"rag_chunks_document_idx"},
                                          {"rag_chunks_metadata_idx"},
                                          {"rag_chunks_pkey"},
                                          {"rag_chunks_tsv_idx"}});

  RequireApplied(*sink, Edit());
  CHECK(found("app") == Rows{{"r4"}});
  CHECK(found("mail").empty());
}

TEST_CASE("postgres sink applies an edit and a document's removal exactly", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());
  const auto before = Table(server);

  RequireApplied(*sink, Edit());
  auto after = Table(server);
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
  CHECK(after.at("r4")[1] == "Ask for a refund in the app.");
  for (const std::string id : {"r1", "r3", "s1"}) CHECK(after.at(id) == before.at(id));

  RequireApplied(*sink, {Delete("r1", kRefunds), Delete("r3", kRefunds), Delete("r4", kRefunds)});
  after = Table(server);
  REQUIRE(after.size() == 1);
  CHECK(after.at("s1") == before.at("s1"));
}

TEST_CASE("postgres sink: a batch applied twice leaves the state of one", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);

  RequireApplied(*sink, FirstVersion());
  const auto once = Table(server);
  RequireApplied(*sink, FirstVersion());
  CHECK(Table(server) == once);

  RequireApplied(*sink, Edit());
  const auto edited = Table(server);
  RequireApplied(*sink, Edit());
  CHECK(Table(server) == edited);
  CHECK(server.Query("SELECT count(*) FROM rag_chunks") == Rows{{"4"}});
}

TEST_CASE("postgres sink applies a batch as one transaction", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());
  server.Query(
      "CREATE FUNCTION refuse_deletes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE "
      "EXCEPTION 'deletes refused for this test'; END $$; CREATE TRIGGER refuse BEFORE DELETE ON "
      "rag_chunks FOR EACH ROW EXECUTE FUNCTION refuse_deletes()");

  const Status refused = sink->Apply(Edit());
  CHECK_FALSE(refused.ok());
  CHECK_THAT(refused.message(), Catch::Contains("deletes refused for this test"));
  CHECK_FALSE(IsRefusal(refused));  // a plain RAISE (P0001) is no class said to be permanent
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE id = 'r4'").empty());  // rolled back

  server.Query("DROP TRIGGER refuse ON rag_chunks");
  RequireApplied(*sink, Edit());  // the same connection, usable again
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("postgres sink: a batch the table refuses is permanent, a stopped server is not",
          "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());

  // An integrity constraint (class 23): a trigger refusing one chunk's text.
  server.Query(
      "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.body "
      "LIKE '%poison%' THEN RAISE EXCEPTION 'poison refused for this test' USING ERRCODE = "
      "'check_violation'; END IF; RETURN NEW; END $$; CREATE TRIGGER refuse BEFORE INSERT OR "
      "UPDATE ON rag_chunks FOR EACH ROW EXECUTE FUNCTION refuse_poison()");
  std::vector<SinkOperation> poisoned = Edit();
  poisoned.insert(poisoned.begin(), Upsert("p1", "A poison pill.", kRefunds, {1.0f, 0.0f, 0.0f}));
  const Status refused = sink->Apply(poisoned);
  CHECK_FALSE(refused.ok());
  CHECK(IsRefusal(refused));
  CHECK_THAT(refused.message(), Catch::Contains("poison refused for this test"));
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE id IN ('p1', 'r4')").empty());
  server.Query("DROP TRIGGER refuse ON rag_chunks");

  // A data exception (class 22): a value too long for the column's type.
  server.Query("ALTER TABLE rag_chunks ALTER COLUMN document TYPE varchar(60)");
  const Status too_long = sink->Apply(
      {Upsert("l1", "A long address.", kRefunds + "/" + std::string(40, 'x'), {1.0f, 0.0f, 0.0f})});
  CHECK_FALSE(too_long.ok());
  CHECK(IsRefusal(too_long));
  CHECK_THAT(too_long.message(), Catch::Contains("too long"));

  if (PgvectorAvailable(server)) {  // a vector of the wrong size (class 22 too)
    std::vector<SinkOperation> wrong_size = Edit();
    wrong_size[0].vector = {0.25f, 0.5f, -0.5f, 1.0f};
    const Status refused_vector = sink->Apply(wrong_size);
    CHECK_FALSE(refused_vector.ok());
    CHECK(IsRefusal(refused_vector));
  }

  // The same connection, usable again: the refusals were the batches', not the sink's.
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});

  server.Stop();
  const Status down = sink->Apply(FirstVersion());
  CHECK_FALSE(down.ok());
  CHECK_FALSE(IsRefusal(down));
}

TEST_CASE("postgres sink: a table dropped behind its back is made again, never permanent",
          "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());
  server.Query("DROP TABLE rag_chunks");

  // 42P01 is in class 42, but sending again succeeds once a new connection made the table.
  const Status failed = sink->Apply(Edit());
  CHECK_FALSE(failed.ok());
  CHECK_FALSE(IsRefusal(failed));
  CHECK_THAT(failed.message(), Catch::Contains("does not exist"));
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r4"});
}

TEST_CASE("postgres sink reports a stopped server, then delivers once it is back",
          "[sink][postgres]") {
  PostgresServer server;
  const std::string password = "pw-that-must-not-leak";
  auto sink = MakePostgresSink(OptionsFor(server.Dsn() + " password=" + password));
  RequireApplied(*sink, FirstVersion());

  server.Stop();
  const auto started = std::chrono::steady_clock::now();
  const Status down = sink->Apply(Edit());
  CHECK_FALSE(down.ok());
  CHECK_FALSE(IsRefusal(down));
  CHECK_THAT(down.message(), Catch::StartsWith("postgres"));
  CHECK_THAT(down.message(), !Catch::Contains(password) && !Catch::Contains("user=freshd"));
  const Status still_down = sink->Apply(Edit());
  CHECK_FALSE(still_down.ok());
  CHECK_THAT(still_down.message(), Catch::Contains("Connection refused"));
  CHECK_FALSE(IsRefusal(still_down));
  CHECK_FALSE(sink->ListChunkIds().ok());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

  server.Start();
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("postgres sink survives a server restart between batches", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  RequireApplied(*sink, FirstVersion());
  server.Stop();
  server.Start();
  // The sink's idle connection died with the server: it is replaced without failing a batch.
  RequireApplied(*sink, Edit());
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r3", "r4", "s1"});
}

TEST_CASE("postgres sink creates its table once and keeps it", "[sink][postgres]") {
  PostgresServer server;
  auto sink = SinkFor(server);
  CHECK(Ids(*sink).empty());  // the first connection creates the table
  const std::string oid = TableOid(server);
  RequireApplied(*sink, FirstVersion());

  auto second = SinkFor(server);  // a new connection finds the table with its rows
  RequireApplied(*second, Edit());
  server.Stop();
  server.Start();
  RequireApplied(*sink, {Delete("s1", kShipping)});

  CHECK(TableOid(server) == oid);
  CHECK(server.Query("SELECT count(*) FROM pg_class WHERE relname = 'rag_chunks'") == Rows{{"1"}});
  CHECK(Ids(*second) == std::vector<std::string>{"r1", "r3", "r4"});
}

TEST_CASE("postgres sink quotes its table name", "[sink][postgres]") {
  PostgresServer server;
  const std::string table = "Chunks; DROP TABLE x \"quoted\"";
  auto sink = SinkFor(server, table);
  RequireApplied(*sink, FirstVersion());
  CHECK(server.Query("SELECT count(*) FROM \"Chunks; DROP TABLE x \"\"quoted\"\"\"") ==
        Rows{{"4"}});
  CHECK(Ids(*sink) == std::vector<std::string>{"r1", "r2", "r3", "s1"});
}

TEST_CASE("postgres sink: a stop cancels a statement that waits on a lock", "[sink][postgres]") {
  PostgresServer server;
  std::stop_source stop;
  PostgresOptions options = OptionsFor(server.Dsn());
  options.stop = stop.get_token();
  auto sink = MakePostgresSink(options);
  RequireApplied(*sink, FirstVersion());
  // Another session holds the table for a minute.
  testing::TempDir dir;
  testing::ChildProcess locker(
      {"psql", server.Dsn(), "-c",
       "BEGIN; LOCK TABLE rag_chunks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);"},
      dir.path() / "psql.log");
  const std::string held =
      "SELECT count(*) FROM pg_locks WHERE relation = 'rag_chunks'::regclass AND granted "
      "AND mode = 'AccessExclusiveLock'";
  for (int i = 0; i < 200 && server.Query(held)[0][0] == "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(server.Query(held)[0][0] == "1");

  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.request_stop();
  });
  const Status status = sink->Apply(Edit());
  stopper.join();
  CHECK_FALSE(status.ok());
  CHECK_FALSE(IsRefusal(status));  // the batch stays in the outbox for the next start
  CHECK(status.message().find("cancel") != std::string::npos);
}

TEST_CASE("postgres sink never repeats a malformed DSN", "[sink][postgres]") {
  auto sink = MakePostgresSink(OptionsFor("host=127.0.0.1 password secret-word"));
  const Status status = sink->Apply(FirstVersion());
  CHECK_FALSE(status.ok());
  CHECK_THAT(status.message(), Catch::Contains("DSN") && !Catch::Contains("secret-word"));
}

}  // namespace
}  // namespace freshd::rag
