// The postgres sink's tables as a reader sees them (psql / libpq against a throwaway
// PostgreSQL 15): both layouts, the text search configuration and its migration, and what
// happens without pgvector (not packaged for Debian 12: the cases that need it run only where
// the extension exists, and say so).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "rag/sink.h"
#include "tests/integration/log_capture.h"
#include "tests/rag/sink_test_util.h"
#include "tests/support/postgres_server.h"

namespace freshd::rag {
namespace {

using testing::PostgresServer;
using Rows = std::vector<std::vector<std::string>>;

const std::string kNoPgvector =
    "pgvector is not installed on the server: vectors are not stored; text search only";

std::vector<SinkOperation> Chunks() {
  return {Upsert("r1", "Refunds are paid within 14 days.", kRefunds, {0.5f, -0.25f, 1.0f}),
          Upsert("r2", "Ask for a refund by mail.", kRefunds, {0.125f, 0.0f, -1.0f}),
          Upsert("s1", "We ship worldwide.", kShipping, {-0.5f, 0.5f, 0.0f})};
}

PostgresOptions Freshd(const PostgresServer& server, const std::string& text_search = "english") {
  PostgresOptions options;
  options.dsn = server.Dsn();
  options.text_search = text_search;
  options.embedder.dims = 3;
  return options;
}

PostgresOptions Langchain(const PostgresServer& server) {
  PostgresOptions options;
  options.dsn = server.Dsn();
  options.layout = PostgresOptions::Layout::kLangchain;
  options.table = "langchain_pg_embedding";
  options.collection = "policies";
  options.embedder.kind = "openai";
  options.embedder.dims = 0;
  options.embedder.model = "text-embedding-3-small";
  return options;
}

void RequireOk(const Status& status) {
  INFO(status.message());
  REQUIRE(status.ok());
}

bool PgvectorAvailable(const PostgresServer& server) {
  return !server.Query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").empty();
}

Rows ColumnTypes(const PostgresServer& server, const std::string& table) {
  return server.Query(
      "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '" +
      table + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
}

Rows Found(const PostgresServer& server, const std::string& config, const std::string& words) {
  return server.Query("SELECT id FROM rag_chunks WHERE tsv @@ plainto_tsquery('" + config + "', '" +
                      words + "') ORDER BY id");
}

std::string TsvExpression(const PostgresServer& server) {
  return server.Query(
      "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON "
      "a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = 'rag_chunks'::regclass AND "
      "a.attname = 'tsv'")[0][0];
}

TEST_CASE("postgres layout freshd: columns and types and GIN indexes on tsv and metadata",
          "[sink][postgres]") {
  PostgresServer server;
  auto sink = MakePostgresSink(Freshd(server));
  RequireOk(sink->Prepare());
  RequireOk(sink->Apply(Chunks()));

  Rows columns = ColumnTypes(server, "rag_chunks");
  if (PgvectorAvailable(server)) {
    REQUIRE(columns.size() == 6);
    CHECK(columns.back() == std::vector<std::string>{"embedding", "vector(3)"});
    columns.pop_back();
  }
  CHECK(columns == Rows{{"id", "text"},
                        {"document", "text"},
                        {"body", "text"},
                        {"metadata", "jsonb"},
                        {"tsv", "tsvector"}});
  CHECK(server.Query("SELECT indexdef FROM pg_indexes WHERE indexname IN ('rag_chunks_tsv_idx', "
                     "'rag_chunks_metadata_idx') ORDER BY indexname") ==
        Rows{{"CREATE INDEX rag_chunks_metadata_idx ON public.rag_chunks USING gin (metadata "
              "jsonb_path_ops)"},
             {"CREATE INDEX rag_chunks_tsv_idx ON public.rag_chunks USING gin (tsv)"}});
  // The containment queries that index serves, as a RAG app filters by document.
  CHECK(server.Query("SELECT id FROM rag_chunks WHERE metadata @> '{\"source\": \"" + kShipping +
                     "\"}'") == Rows{{"s1"}});
}

TEST_CASE("postgres text_search english finds refund for refunds and simple does not stem",
          "[sink][postgres]") {
  PostgresServer server;
  SECTION("english, the default") {
    RequireOk(MakePostgresSink(Freshd(server))->Apply(Chunks()));
    CHECK(TsvExpression(server) == "to_tsvector('english'::regconfig, body)");
    CHECK(Found(server, "english", "refunds") == Rows{{"r1"}, {"r2"}});
  }
  SECTION("simple") {
    RequireOk(MakePostgresSink(Freshd(server, "simple"))->Apply(Chunks()));
    CHECK(TsvExpression(server) == "to_tsvector('simple'::regconfig, body)");
    CHECK(Found(server, "simple", "refunds") == Rows{{"r1"}});
    CHECK(Found(server, "simple", "refund") == Rows{{"r2"}});
  }
}

TEST_CASE("postgres: a table an older freshd made with simple is migrated to english",
          "[sink][postgres]") {
  PostgresServer server;
  RequireOk(MakePostgresSink(Freshd(server, "simple"))->Apply(Chunks()));
  const std::string oid = server.Query("SELECT 'rag_chunks'::regclass::oid")[0][0];
  REQUIRE(Found(server, "simple", "refunds") == Rows{{"r1"}});  // no stems

  testing::LogCapture log;
  auto sink = MakePostgresSink(Freshd(server, "english"));
  RequireOk(sink->Prepare());
  CHECK(log.Lines("the text search column tsv was to_tsvector('simple'::regconfig, body); "
                  "rebuilt with the 'english' configuration") == 1);
  CHECK(TsvExpression(server) == "to_tsvector('english'::regconfig, body)");
  CHECK(Found(server, "english", "refunds") == Rows{{"r1"}, {"r2"}});  // the rows kept, re-made
  CHECK(server.Query("SELECT 'rag_chunks'::regclass::oid")[0][0] == oid);
  CHECK(server.Query("SELECT indexdef FROM pg_indexes WHERE indexname = 'rag_chunks_tsv_idx'") ==
        Rows{{"CREATE INDEX rag_chunks_tsv_idx ON public.rag_chunks USING gin (tsv)"}});
  CHECK(server.Query("SELECT count(*) FROM rag_chunks") == Rows{{"3"}});

  RequireOk(MakePostgresSink(Freshd(server, "english"))->Prepare());  // nothing left to do
  CHECK(log.Lines("text search column") == 1);
  CHECK(server.Query("SELECT 'rag_chunks'::regclass::oid")[0][0] == oid);
}

TEST_CASE("postgres: a text_search the server does not have is a clear error", "[sink][postgres]") {
  PostgresServer server;
  auto sink = MakePostgresSink(Freshd(server, "klingon"));
  const Status prepared = sink->Prepare();
  CHECK_FALSE(prepared.ok());
  CHECK_THAT(prepared.message(), Catch::Contains("text_search 'klingon' is not a text search "
                                                 "configuration of the server"));
  const Status applied = sink->Apply(Chunks());
  CHECK_FALSE(applied.ok());
  CHECK_FALSE(IsRefusal(applied));  // the batch is not to blame: it stays in the outbox
  CHECK(server.Query("SELECT to_regclass('rag_chunks') IS NULL") == Rows{{"t"}});
}

TEST_CASE("postgres without pgvector: warns that vectors are not stored and serves text search",
          "[sink][postgres]") {
  PostgresServer server;
  if (PgvectorAvailable(server)) {
    WARN("pgvector is installed here: the warning case cannot be seen");
    return;
  }
  SECTION("hashing and openai embedders warn, at Prepare") {
    for (const std::string kind : {"hashing", "openai"}) {
      PostgresOptions options = Freshd(server);
      options.embedder.kind = kind;
      testing::LogCapture log;
      auto sink = MakePostgresSink(options);
      CHECK(sink->Warnings().empty());
      RequireOk(sink->Prepare());
      CHECK(sink->Warnings() == std::vector<std::string>{kNoPgvector});
      RequireOk(sink->Apply(Chunks()));
      server.Stop();  // a new connection finds it again: still one warning, logged once
      server.Start();
      RequireOk(sink->Apply(Chunks()));
      CHECK(sink->Warnings() == std::vector<std::string>{kNoPgvector});
      CHECK(log.Lines(kNoPgvector) == 1);
      CHECK(Found(server, "english", "refunds") == Rows{{"r1"}, {"r2"}});
      CHECK(server.Query("SELECT count(*) FROM pg_attribute WHERE attrelid = "
                         "'rag_chunks'::regclass AND attname = 'embedding'") == Rows{{"0"}});
    }
  }
  SECTION("no embedder, no vectors to lose: no warning") {
    PostgresOptions options = Freshd(server);
    options.embedder.kind = "none";
    options.embedder.dims = 0;
    auto sink = MakePostgresSink(options);
    RequireOk(sink->Prepare());
    CHECK(sink->Warnings().empty());
  }
}

TEST_CASE("postgres layout langchain without pgvector is refused and writes nothing",
          "[sink][postgres]") {
  PostgresServer server;
  if (PgvectorAvailable(server)) {
    WARN("pgvector is installed here: the refusal cannot be seen");
    return;
  }
  auto sink = MakePostgresSink(Langchain(server));
  const Status prepared = sink->Prepare();
  CHECK_FALSE(prepared.ok());
  CHECK_THAT(prepared.message(), Catch::Contains("layout langchain needs the pgvector extension") &&
                                     Catch::Contains("install pgvector") &&
                                     Catch::Contains("use layout freshd"));
  const Status applied = sink->Apply(Chunks());
  CHECK_FALSE(applied.ok());
  CHECK_FALSE(IsRefusal(applied));
  CHECK_FALSE(sink->ListChunkIds().ok());
  CHECK(server.Query("SELECT count(*) FROM pg_class WHERE relname LIKE 'langchain%'") ==
        Rows{{"0"}});
}

TEST_CASE("postgres layout langchain writes LangChain's PGVector tables (where pgvector exists)",
          "[sink][postgres]") {
  PostgresServer server;
  if (!PgvectorAvailable(server)) {
    WARN("SKIPPED: pgvector is not installed on this PostgreSQL (not packaged for Debian 12)");
    return;
  }
  auto sink = MakePostgresSink(Langchain(server));
  RequireOk(sink->Prepare());
  RequireOk(sink->Apply(Chunks()));
  RequireOk(sink->Apply(Chunks()));  // idempotent
  RequireOk(sink->Apply({Delete("r2", kRefunds)}));

  CHECK(ColumnTypes(server, "langchain_pg_collection") ==
        Rows{{"uuid", "uuid"}, {"name", "character varying"}, {"cmetadata", "json"}});
  CHECK(ColumnTypes(server, "langchain_pg_embedding") == Rows{{"id", "character varying"},
                                                              {"collection_id", "uuid"},
                                                              {"embedding", "vector"},
                                                              {"document", "character varying"},
                                                              {"cmetadata", "jsonb"}});
  CHECK(server.Query("SELECT e.id, e.document, e.cmetadata->>'source', e.embedding::text FROM "
                     "langchain_pg_embedding e JOIN langchain_pg_collection c ON c.uuid = "
                     "e.collection_id WHERE c.name = 'policies' ORDER BY e.id") ==
        Rows{{"r1", "Refunds are paid within 14 days.", kRefunds, "[0.5,-0.25,1]"},
             {"s1", "We ship worldwide.", kShipping, "[-0.5,0.5,0]"}});
  auto ids = sink->ListChunkIds();
  REQUIRE(ids.ok());
  CHECK(*ids == std::vector<std::string>{"r1", "s1"});
  CHECK(server.Query("SELECT count(*) FROM pg_indexes WHERE tablename = 'langchain_pg_embedding' "
                     "AND indexdef LIKE '%gin (cmetadata jsonb_path_ops)%'") == Rows{{"1"}});
}

}  // namespace
}  // namespace freshd::rag
