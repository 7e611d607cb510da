// The postgres sink: one table, written with libpq.
//
//   id        text primary key       the chunk id
//   document  text not null          "<source> <uri>": the document's chunks, indexed
//   body      text not null          the chunk's text
//   metadata  jsonb not null         workload, source, uri, fetched_at (ms), content_hash,
//                                    page and heading when the chunk has them
//   tsv       tsvector generated from body with the 'simple' configuration, GIN-indexed
//   embedding vector(dims)           only where the pgvector extension is available
//
// 'simple' rather than 'english': the sources may be in any language, and 'simple' only
// lowercases words (no stemming, no stop words), so it never mangles a non-English text and a
// query finds the words as written; a reader who wants stemming can index
// to_tsvector('english', body) beside it.
//
// A batch is one transaction: the upserts as one INSERT ... ON CONFLICT over
// json_to_recordset (one parameter, however many rows), then one DELETE. The DSN may hold a
// password: it never appears in an error.
//
// A failed batch is a refusal (IsRefusal) when one of its statements failed with
// an SQLSTATE for which sending it again cannot succeed (see RefusesBatch); connecting, BEGIN
// and making the schema are not about the batch, so their failures never are.
#include <libpq-fe.h>

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "rag/sink.h"
#include "rag/sink_json.h"

namespace freshd::rag {
namespace {

using nlohmann::json;

struct ConnectionDeleter {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
struct CancelDeleter {
  void operator()(PGcancel* cancel) const { PQfreeCancel(cancel); }
};
using Connection = std::unique_ptr<PGconn, ConnectionDeleter>;
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(std::string_view text) { return std::string(strings::TrimRight(text, "\n ")); }

// PostgreSQL text cannot hold NUL bytes.
std::string WithoutNul(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text) {
    if (c != '\0') clean += c;
  }
  return clean;
}

// pgvector's text form, "[0.5,-1,...]", with each float written exactly in its shortest form.
std::string VectorLiteral(const Vector& vector) {
  std::string literal = "[";
  char number[32];
  for (std::size_t i = 0; i < vector.size(); ++i) {
    if (i > 0) literal += ',';
    const auto [end, error] = std::to_chars(number, number + sizeof(number), vector[i]);
    literal.append(number, end);
  }
  return literal + "]";
}

std::string Quoted(PGconn* connection, const std::string& identifier) {
  char* quoted = PQescapeIdentifier(connection, identifier.c_str(), identifier.size());
  if (quoted == nullptr) return "";
  std::string text = quoted;
  PQfreemem(quoted);
  return text;
}

// Defaults that the DSN may override (it is expanded after them): a dead server or a lock
// held elsewhere fails a batch rather than blocking the delivery thread forever.
constexpr std::pair<const char*, const char*> kConnectionDefaults[] = {
    {"connect_timeout", "10"},
    {"keepalives_idle", "30"},
    {"keepalives_interval", "10"},
    {"keepalives_count", "3"},
    {"options", "-c statement_timeout=60s"},
    {"client_encoding", "UTF8"},
    {"application_name", "freshd"},
};

// SQLSTATE classes for which the same batch would fail again however often it is sent:
//   22 data exception (a value the column type refuses, a vector of the wrong size)
//   23 integrity constraint violation (a check, a not-null, a trigger raising check_violation)
//   42 syntax error or access rule violation (a table of another definition, no privilege)
//   54 program limit exceeded (a batch too large for one statement)
// Anything else is worth sending again: no SQLSTATE (the connection broke), 08 connection
// exception, 40 serialization failure or deadlock, 53 insufficient resources, 57 operator
// intervention (statement timeout, admin shutdown), and classes not named here.
// Except 42P01: the table was dropped behind our back, and a new connection creates it again.
constexpr std::string_view kUndefinedTable = "42P01";

bool RefusesBatch(std::string_view sqlstate) {
  if (sqlstate.size() != 5 || sqlstate == kUndefinedTable) return false;
  const std::string_view sqlstate_class = sqlstate.substr(0, 2);
  return sqlstate_class == "22" || sqlstate_class == "23" || sqlstate_class == "42" ||
         sqlstate_class == "54";
}

void IgnoreNotice(void*, const char*) {}  // "relation already exists, skipping", and such

class PostgresSink : public Sink {
 public:
  explicit PostgresSink(PostgresOptions options) : options_(std::move(options)) {}

  std::string_view kind() const override { return "postgres"; }

  Status Apply(const std::vector<SinkOperation>& batch) override {
    if (batch.empty()) return Status::OK();
    if (Status begun = Begin(); !begun.ok()) return begun;
    json rows = json::array(), deleted_ids = json::array();
    for (const SinkOperation& operation : batch) {
      if (operation.operation.kind == IndexOperation::Kind::kUpsert) {
        rows.push_back(Row(operation));
      } else {
        deleted_ids.push_back(WithoutNul(operation.operation.chunk_id));
      }
    }
    Status done;
    if (!rows.empty()) done = Execute("upsert", UpsertSql(), {DumpJson(rows)});
    if (done.ok() && !deleted_ids.empty()) {
      done = Execute("delete", DeleteSql(), {DumpJson(deleted_ids)});
    }
    if (done.ok()) done = Execute("commit", "COMMIT", {});
    if (!done.ok()) {
      const std::string sqlstate = failed_sqlstate_;  // before ROLLBACK replaces it
      Abandon();
      if (sqlstate == kUndefinedTable) connection_.reset();  // the next batch makes the table
      if (RefusesBatch(sqlstate)) return Refused(done.message());
      return done;
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListChunkIds() override {
    // COLLATE "C": byte order, as std::string compares, whatever the database's collation.
    Result<PgResult> result = FirstStatement(
        "list", [this] { return "SELECT id FROM " + table_ + " ORDER BY id COLLATE \"C\""; });
    if (!result.ok()) return result.status();
    std::vector<std::string> ids;
    const int rows = PQntuples(result->get());
    ids.reserve(rows);
    for (int row = 0; row < rows; ++row) ids.emplace_back(PQgetvalue(result->get(), row, 0));
    return ids;
  }

 private:
  json Row(const SinkOperation& upsert) const {
    const IndexOperation& operation = upsert.operation;
    json row = {{"id", WithoutNul(operation.chunk_id)},
                {"document", WithoutNul(operation.metadata.source + " " + operation.metadata.uri)},
                {"body", WithoutNul(operation.text)},
                {"metadata", ChunkMetadataJson(operation)}};
    // Without a vector the column is cleared, so that a re-upserted chunk never keeps a
    // vector of some older text.
    if (has_embedding_column_) {
      row["embedding"] = upsert.vector.empty() ? json() : json(VectorLiteral(upsert.vector));
    }
    return row;
  }

  std::string UpsertSql() const {
    const bool vector = has_embedding_column_;
    return "INSERT INTO " + table_ + " (id, document, body, metadata" +
           (vector ? ", embedding" : "") + ") SELECT id, document, body, metadata" +
           (vector ? ", embedding::vector" : "") +
           " FROM json_to_recordset($1::json) AS r(id text, document text, body text, metadata "
           "jsonb" +
           (vector ? ", embedding text" : "") +
           ") ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document, body = "
           "EXCLUDED.body, metadata = EXCLUDED.metadata" +
           (vector ? ", embedding = EXCLUDED.embedding" : "");
  }

  std::string DeleteSql() const {
    return "DELETE FROM " + table_ + " WHERE id IN (SELECT json_array_elements_text($1::json))";
  }

  Status Begin() {
    return FirstStatement("begin", [] { return std::string("BEGIN"); }).status();
  }

  // Runs the first statement of a unit of work, connecting first when needed (`make_sql` may
  // name the table, known once connected). A connection that broke while idle (the server
  // restarted) is replaced once: nothing was done on it yet.
  template <typename MakeSql>
  Result<PgResult> FirstStatement(std::string_view what, const MakeSql& make_sql) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = connection_ != nullptr;
      if (Status connected = Connect(); !connected.ok()) return connected;
      Result<PgResult> result = Run(what, make_sql(), {});
      if (result.ok()) return result;
      const bool broken = PQstatus(connection_.get()) != CONNECTION_OK;
      if (broken) connection_.reset();
      if (!broken || !reused || attempt == 1) return result;
    }
  }

  Status Execute(std::string_view what, const std::string& sql,
                 const std::vector<std::string>& parameters) {
    return Run(what, sql, parameters).status();
  }

  // Runs one statement with text parameters on the open connection. When it fails,
  // failed_sqlstate_ holds the server's SQLSTATE ("" without one, as for a broken connection).
  // Cancelled on a stop; Unavailable for any other failure (Apply tells refusals apart).
  Result<PgResult> Run(std::string_view what, const std::string& sql,
                       const std::vector<std::string>& parameters) {
    std::vector<const char*> values;
    values.reserve(parameters.size());
    for (const std::string& parameter : parameters) values.push_back(parameter.c_str());
    if (options_.stop.stop_requested()) {
      return Status::Cancelled("postgres " + std::string(what) + ": cancelled: freshd is stopping");
    }
    // A stop cancels the statement on the server (PQcancel may be called from any thread).
    std::unique_ptr<PGcancel, CancelDeleter> canceller(PQgetCancel(connection_.get()));
    std::stop_callback cancel_on_stop(options_.stop, [&canceller] {
      char why[256];
      if (canceller) PQcancel(canceller.get(), why, sizeof(why));
    });
    PgResult result(PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(values.size()),
                                 nullptr, values.data(), nullptr, nullptr, 0));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
    const char* sqlstate = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    failed_sqlstate_ = sqlstate == nullptr ? "" : sqlstate;
    return Status::Unavailable(
        "postgres " + std::string(what) + ": " +
        Trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get())));
  }

  // After a failed statement: the transaction is rolled back, or the connection dropped
  // when it is broken (the next call connects again).
  void Abandon() {
    if (PQstatus(connection_.get()) != CONNECTION_OK || !Execute("rollback", "ROLLBACK", {}).ok()) {
      connection_.reset();
    }
  }

  // Opens the connection when there is none, and makes sure the table exists.
  Status Connect() {
    if (connection_) return Status::OK();
    // libpq's own message for a malformed string may quote it, password included.
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(options_.dsn.c_str(), &parse_error);
    if (parsed == nullptr) {
      PQfreemem(parse_error);
      // Not InvalidArgument, which would blame the batch (IsRefusal): no batch can be sent.
      return Status::Unavailable("postgres: the DSN is not a valid libpq connection string");
    }
    PQconninfoFree(parsed);
    std::vector<const char*> keywords, values;
    for (const auto& [keyword, value] : kConnectionDefaults) {
      keywords.push_back(keyword);
      values.push_back(value);
    }
    keywords.insert(keywords.end(), {"dbname", nullptr});  // expanded: the whole DSN
    values.insert(values.end(), {options_.dsn.c_str(), nullptr});
    Connection connection(PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1));
    if (PQstatus(connection.get()) != CONNECTION_OK) {
      return Status::Unavailable("postgres connect: " + Trimmed(PQerrorMessage(connection.get())));
    }
    PQsetNoticeProcessor(connection.get(), &IgnoreNotice, nullptr);
    connection_ = std::move(connection);
    Status created = CreateSchema();
    if (!created.ok()) connection_.reset();
    return created;
  }

  // Idempotent, run on each new connection: cheap, and it heals a table dropped behind our
  // back.
  Status CreateSchema() {
    PGconn* connection = connection_.get();
    table_ = Quoted(connection, options_.table);
    if (table_.empty()) return Status::Unavailable("postgres: the table name cannot be quoted");
    const std::string tsv_index = Quoted(connection, options_.table + "_tsv_idx");
    const std::string document_index = Quoted(connection, options_.table + "_document_idx");
    const std::string statements[] = {
        "CREATE TABLE IF NOT EXISTS " + table_ +
            " (id text PRIMARY KEY, document text NOT NULL, body text NOT NULL, metadata jsonb NOT "
            "NULL, tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED)",
        "CREATE INDEX IF NOT EXISTS " + tsv_index + " ON " + table_ + " USING gin (tsv)",
        "CREATE INDEX IF NOT EXISTS " + document_index + " ON " + table_ + " (document)"};
    for (const std::string& sql : statements) {
      const bool table = &sql == &statements[0];
      if (Status done = Execute(table ? "create table" : "create index", sql, {}); !done.ok()) {
        return done;
      }
    }
    if (Status added = AddEmbeddingColumn(); !added.ok()) return added;
    return FindEmbeddingColumn();
  }

  // pgvector is optional: without it (or without dims) the table has no vector column.
  Status AddEmbeddingColumn() {
    if (options_.embedder.dims <= 0) return Status::OK();
    Result<PgResult> available =
        Run("pgvector", "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'", {});
    if (!available.ok()) return available.status();
    if (PQntuples(available->get()) == 0) return Status::OK();
    if (Status made = Execute("pgvector", "CREATE EXTENSION IF NOT EXISTS vector", {});
        !made.ok()) {
      return made;
    }
    return Execute("pgvector",
                   "ALTER TABLE " + table_ + " ADD COLUMN IF NOT EXISTS embedding vector(" +
                       std::to_string(options_.embedder.dims) + ")",
                   {});
  }

  // The column may also come from an earlier run with other settings.
  Status FindEmbeddingColumn() {
    Result<PgResult> column = Run("pgvector",
                                  "SELECT 1 FROM pg_attribute WHERE attrelid = $1::regclass AND "
                                  "attname = 'embedding' AND NOT attisdropped",
                                  {table_});
    if (!column.ok()) return column.status();
    has_embedding_column_ = PQntuples(column->get()) > 0;
    return Status::OK();
  }

  const PostgresOptions options_;
  Connection connection_;
  std::string table_;  // quoted, once connected
  bool has_embedding_column_ = false;
  std::string failed_sqlstate_;  // of the statement that failed last
};

}  // namespace

std::unique_ptr<Sink> MakePostgresSink(const PostgresOptions& options) {
  return std::make_unique<PostgresSink>(options);
}

}  // namespace freshd::rag
