// The postgres sink, written with libpq: the tables of postgres_schema.h (layout freshd or
// langchain), made or checked on each new connection.
//
// A batch is one transaction: the upserts as one INSERT ... ON CONFLICT over
// json_to_recordset (one parameter, however many rows), then one DELETE. The DSN may hold a
// password: it never appears in an error.
//
// A failed batch is a refusal (IsRefusal) when one of its statements failed with an SQLSTATE
// for which sending it again cannot succeed (RefusesBatch); connecting, BEGIN and making the
// schema are not about the batch, so their failures never are.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "rag/postgres_schema.h"
#include "rag/postgres_session.h"
#include "rag/sink.h"
#include "rag/sink_json.h"

namespace freshd::rag {
namespace {

using nlohmann::json;
using postgres::PgResult;

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

struct Statement {
  std::string sql;
  std::vector<std::string> parameters;
};

class PostgresSink : public Sink {
 public:
  explicit PostgresSink(PostgresOptions options)
      : options_(std::move(options)), session_(options_.dsn, options_.stop) {}

  std::string_view kind() const override { return "postgres"; }

  Status Prepare() override {
    if (session_.connected() && !session_.broken()) return Status::OK();
    return Connect();
  }

  std::vector<std::string> Warnings() const override {
    std::lock_guard lock(warnings_mutex_);
    return warnings_;
  }

  Status Apply(const std::vector<SinkOperation>& batch) override {
    if (batch.empty()) return Status::OK();
    if (Status begun = FirstStatement("begin",
                                      [] {
                                        return Statement{"BEGIN", {}};
                                      })
                           .status();
        !begun.ok()) {
      return begun;
    }
    json rows = json::array(), deleted_ids = json::array();
    for (const SinkOperation& operation : batch) {
      if (operation.operation.kind == IndexOperation::Kind::kUpsert) {
        rows.push_back(Row(operation));
      } else {
        deleted_ids.push_back(WithoutNul(operation.operation.chunk_id));
      }
    }
    Status done;
    if (!rows.empty()) done = Execute("upsert", UpsertStatement(DumpJson(rows)));
    if (done.ok() && !deleted_ids.empty()) {
      done = Execute("delete", DeleteStatement(DumpJson(deleted_ids)));
    }
    if (done.ok()) done = session_.Execute("commit", "COMMIT");
    if (!done.ok()) {
      const std::string sqlstate = session_.failed_sqlstate();  // before ROLLBACK replaces it
      session_.Abandon();
      if (sqlstate == postgres::kUndefinedTable) session_.Close();  // the next batch makes it
      if (postgres::RefusesBatch(sqlstate)) return Refused(done.message());
      return done;
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListChunkIds() override {
    // COLLATE "C": byte order, as std::string compares, whatever the database's collation.
    Result<PgResult> result = FirstStatement("list", [this] {
      if (!Langchain())
        return Statement{"SELECT id FROM " + schema_.table + " ORDER BY id COLLATE \"C\"", {}};
      return Statement{"SELECT id FROM " + schema_.table +
                           " WHERE collection_id = $1::uuid ORDER BY id COLLATE \"C\"",
                       {schema_.collection_id}};
    });
    if (!result.ok()) return result.status();
    std::vector<std::string> ids;
    const int rows = PQntuples(result->get());
    ids.reserve(rows);
    for (int row = 0; row < rows; ++row) ids.emplace_back(PQgetvalue(result->get(), row, 0));
    return ids;
  }

 private:
  bool Langchain() const { return options_.layout == PostgresOptions::Layout::kLangchain; }

  json Row(const SinkOperation& upsert) const {
    const IndexOperation& operation = upsert.operation;
    json row = {{"id", WithoutNul(operation.chunk_id)},
                {"document", WithoutNul(Langchain() ? operation.text
                                                    : operation.metadata.source + " " +
                                                          operation.metadata.uri)},
                {"metadata", ChunkMetadataJson(operation)}};
    if (!Langchain()) row["body"] = WithoutNul(operation.text);
    // Without a vector the column is cleared, so that a re-upserted chunk never keeps a
    // vector of some older text.
    if (schema_.vectors) {
      row["embedding"] = upsert.vector.empty() ? json() : json(VectorLiteral(upsert.vector));
    }
    return row;
  }

  Statement UpsertStatement(std::string rows) const {
    const std::string& table = schema_.table;
    if (Langchain()) {
      return {"INSERT INTO " + table +
                  " (id, collection_id, embedding, document, cmetadata) SELECT id, $2::uuid, "
                  "embedding::vector, document, metadata FROM json_to_recordset($1::json) AS r(id "
                  "text, embedding text, document text, metadata jsonb) ON CONFLICT (id) DO "
                  "UPDATE SET collection_id = EXCLUDED.collection_id, embedding = "
                  "EXCLUDED.embedding, document = EXCLUDED.document, cmetadata = "
                  "EXCLUDED.cmetadata",
              {std::move(rows), schema_.collection_id}};
    }
    const bool vector = schema_.vectors;
    return {"INSERT INTO " + table + " (id, document, body, metadata" +
                (vector ? ", embedding" : "") + ") SELECT id, document, body, metadata" +
                (vector ? ", embedding::vector" : "") +
                " FROM json_to_recordset($1::json) AS r(id text, document text, body text, "
                "metadata jsonb" +
                (vector ? ", embedding text" : "") +
                ") ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document, body = "
                "EXCLUDED.body, metadata = EXCLUDED.metadata" +
                (vector ? ", embedding = EXCLUDED.embedding" : ""),
            {std::move(rows)}};
  }

  Statement DeleteStatement(std::string ids) const {
    const std::string where = " WHERE id IN (SELECT json_array_elements_text($1::json))";
    if (!Langchain()) return {"DELETE FROM " + schema_.table + where, {std::move(ids)}};
    return {"DELETE FROM " + schema_.table + where + " AND collection_id = $2::uuid",
            {std::move(ids), schema_.collection_id}};
  }

  Status Execute(std::string_view what, const Statement& statement) {
    return session_.Execute(what, statement.sql, statement.parameters);
  }

  // Runs the first statement of a unit of work, connecting first when needed (`make` may use
  // the schema, known once connected). A connection that broke while idle (the server
  // restarted) is replaced once: nothing was done on it yet.
  template <typename Make>
  Result<PgResult> FirstStatement(std::string_view what, const Make& make) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = session_.connected();
      if (!reused) {
        if (Status connected = Connect(); !connected.ok()) return connected;
      }
      const Statement statement = make();
      Result<PgResult> result = session_.Run(what, statement.sql, statement.parameters);
      if (result.ok()) return result;
      const bool broken = session_.broken();
      if (broken) session_.Close();
      if (!broken || !reused || attempt == 1) return result;
    }
  }

  // A new connection, and the schema made or checked on it.
  Status Connect() {
    if (Status connected = session_.Connect(); !connected.ok()) return connected;
    Result<postgres::Schema> schema = postgres::EnsureSchema(session_, options_);
    if (!schema.ok()) {
      session_.Close();
      return schema.status();
    }
    for (const std::string& change : schema->changes) spdlog::info("postgres sink: {}", change);
    SetWarnings(schema->warnings);
    schema_ = std::move(schema.value());
    return Status::OK();
  }

  // Each warning is logged once, when first found.
  void SetWarnings(const std::vector<std::string>& warnings) {
    std::lock_guard lock(warnings_mutex_);
    for (const std::string& warning : warnings) {
      if (std::find(logged_.begin(), logged_.end(), warning) != logged_.end()) continue;
      spdlog::warn("postgres sink: {}", warning);
      logged_.push_back(warning);
    }
    warnings_ = warnings;
  }

  const PostgresOptions options_;
  postgres::Session session_;
  postgres::Schema schema_;  // of the current connection
  mutable std::mutex warnings_mutex_;
  std::vector<std::string> warnings_;  // guarded by warnings_mutex_
  std::vector<std::string> logged_;    // guarded by warnings_mutex_
};

}  // namespace

std::unique_ptr<Sink> MakePostgresSink(const PostgresOptions& options) {
  return std::make_unique<PostgresSink>(options);
}

}  // namespace freshd::rag
