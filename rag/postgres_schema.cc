#include "rag/postgres_schema.h"

#include <map>
#include <nlohmann/json.hpp>

namespace freshd::rag::postgres {
namespace {

Status RunAll(Session& session, std::string_view what, const std::vector<std::string>& sqls) {
  for (const std::string& sql : sqls) {
    if (Status done = session.Execute(what, sql); !done.ok()) return done;
  }
  return Status::OK();
}

// The first value of the first row, or "" when there is none.
Result<std::string> Scalar(Session& session, std::string_view what, const std::string& sql,
                           const std::vector<std::string>& parameters = {}) {
  Result<PgResult> result = session.Run(what, sql, parameters);
  if (!result.ok()) return result.status();
  if (PQntuples(result->get()) == 0) return std::string();
  return std::string(PQgetvalue(result->get(), 0, 0));
}

// Whether the `vector` type can be used: already there (installed by an administrator), or
// made now from an available extension.
Result<bool> EnsurePgvector(Session& session) {
  Result<std::string> type = Scalar(session, "pgvector", "SELECT to_regtype('vector') IS NOT NULL");
  if (!type.ok()) return type.status();
  if (*type == "t") return true;
  Result<std::string> available = Scalar(
      session, "pgvector", "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'");
  if (!available.ok()) return available.status();
  if (*available == "0") return false;
  if (Status made = session.Execute("pgvector", "CREATE EXTENSION IF NOT EXISTS vector");
      !made.ok()) {
    return made;
  }
  return true;
}

std::string VectorType(const EmbedderInfo& embedder) {
  // openai: the model decides the size, so the column takes any (as langchain_postgres does
  // without embedding_length); an HNSW index can still cast to vector(n).
  return embedder.dims > 0 ? "vector(" + std::to_string(embedder.dims) + ")" : "vector";
}

// column name -> its type, as format_type writes it; empty when the table does not exist.
Result<std::map<std::string, std::string>> Columns(Session& session, const std::string& table) {
  Result<PgResult> result = session.Run(
      "columns",
      "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
      "to_regclass($1) AND attnum > 0 AND NOT attisdropped",
      {table});
  if (!result.ok()) return result.status();
  std::map<std::string, std::string> columns;
  for (int row = 0; row < PQntuples(result->get()); ++row) {
    columns[PQgetvalue(result->get(), row, 0)] = PQgetvalue(result->get(), row, 1);
  }
  return columns;
}

// The configuration's name as the server spells it, or a clear error for one it lacks.
Result<std::string> TextSearchConfig(Session& session, const std::string& name) {
  Result<std::string> canonical =
      Scalar(session, "text_search", "SELECT $1::regconfig::text", {name});
  if (canonical.ok()) return canonical;
  return Status::Unavailable("postgres: text_search '" + name +
                             "' is not a text search configuration of the server (`SELECT "
                             "cfgname FROM pg_ts_config` lists them; e.g. english, simple)");
}

// A tsv column generated with another configuration (an older freshd used 'simple') is
// dropped and made again with this one; its index goes with it and is made again after.
Status MigrateTsv(Session& session, const std::string& table, const std::string& name,
                  const std::string& expression, std::vector<std::string>* changes) {
  Result<std::string> current =
      Scalar(session, "text_search",
             "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON "
             "a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = $1::regclass AND "
             "a.attname = 'tsv' AND NOT a.attisdropped",
             {table});
  if (!current.ok()) return current.status();
  if (*current == expression) return Status::OK();
  const std::string was = current->empty() ? "no generated tsv column" : *current;
  Status done = RunAll(session, "text_search migration",
                       {"BEGIN", "ALTER TABLE " + table + " DROP COLUMN IF EXISTS tsv",
                        "ALTER TABLE " + table + " ADD COLUMN tsv tsvector GENERATED ALWAYS AS (" +
                            expression + ") STORED",
                        "COMMIT"});
  if (!done.ok()) {
    session.Abandon();
    return done;
  }
  changes->push_back("table " + table + ": the text search column tsv was " + was +
                     "; rebuilt with the '" + name + "' configuration, and its index");
  return Status::OK();
}

Status AddEmbeddingColumn(Session& session, const PostgresOptions& options, Schema* schema) {
  if (options.embedder.kind == "none") return Status::OK();
  Result<bool> pgvector = EnsurePgvector(session);
  if (!pgvector.ok()) return pgvector.status();
  if (!*pgvector) {
    schema->warnings.push_back(kNoPgvector);
    return Status::OK();
  }
  return session.Execute("pgvector", "ALTER TABLE " + schema->table +
                                         " ADD COLUMN IF NOT EXISTS embedding " +
                                         VectorType(options.embedder));
}

Status FreshdSchema(Session& session, const PostgresOptions& options, Schema* schema) {
  Result<std::string> config = TextSearchConfig(session, options.text_search);
  if (!config.ok()) return config.status();
  const std::string& table = schema->table;
  const std::string expression = "to_tsvector(" + session.Literal(*config) + "::regconfig, body)";
  const auto index = [&](const std::string& suffix) {
    return session.Identifier(options.table + suffix);
  };
  if (Status made = session.Execute(
          "create table", "CREATE TABLE IF NOT EXISTS " + table +
                              " (id text PRIMARY KEY, document text NOT NULL, body text NOT NULL, "
                              "metadata jsonb NOT NULL, tsv tsvector GENERATED ALWAYS AS (" +
                              expression + ") STORED)");
      !made.ok()) {
    return made;
  }
  if (Status migrated = MigrateTsv(session, table, *config, expression, &schema->changes);
      !migrated.ok()) {
    return migrated;
  }
  if (Status indexed = RunAll(
          session, "create index",
          {"CREATE INDEX IF NOT EXISTS " + index("_tsv_idx") + " ON " + table + " USING gin (tsv)",
           "CREATE INDEX IF NOT EXISTS " + index("_document_idx") + " ON " + table + " (document)",
           "CREATE INDEX IF NOT EXISTS " + index("_metadata_idx") + " ON " + table +
               " USING gin (metadata jsonb_path_ops)"});
      !indexed.ok()) {
    return indexed;
  }
  if (Status added = AddEmbeddingColumn(session, options, schema); !added.ok()) return added;
  // The column may also come from an earlier run with other settings.
  Result<std::map<std::string, std::string>> columns = Columns(session, table);
  if (!columns.ok()) return columns.status();
  schema->vectors = columns->count("embedding") > 0;
  return Status::OK();
}

// A table of this name made by something else (LangChain JS makes `id uuid`, `text`) would
// refuse every batch: say so once, at start-up.
Status CheckLangchainColumns(Session& session, const std::string& table) {
  Result<std::map<std::string, std::string>> columns = Columns(session, table);
  if (!columns.ok()) return columns.status();
  const std::map<std::string, std::string> wanted = {{"id", "character varying"},
                                                     {"collection_id", "uuid"},
                                                     {"document", "character varying"},
                                                     {"cmetadata", "jsonb"}};
  for (const auto& [name, type] : wanted) {
    const auto found = columns->find(name);
    const bool text_id = found != columns->end() && name == "id" && found->second == "text";
    if (found == columns->end() || (found->second != type && !text_id)) {
      return Status::Unavailable("postgres: table " + table +
                                 " exists without LangChain's PGVector columns (" + name + " " +
                                 type + "): drop it, or name another table");
    }
  }
  if (columns->count("embedding") == 0 || columns->at("embedding").rfind("vector", 0) != 0) {
    return Status::Unavailable("postgres: table " + table + " has no embedding vector column");
  }
  return Status::OK();
}

Status LangchainSchema(Session& session, const PostgresOptions& options, Schema* schema) {
  Result<bool> pgvector = EnsurePgvector(session);
  if (!pgvector.ok()) return pgvector.status();
  if (!*pgvector) {
    return Status::Unavailable(
        "postgres: layout langchain needs the pgvector extension, which is not installed on the "
        "server: install pgvector there, or use layout freshd (text search without vectors); "
        "nothing is written until then");
  }
  const std::string collections = session.Identifier(kCollectionTable);
  const std::string& table = schema->table;
  if (Status made = RunAll(
          session, "create table",
          {"CREATE TABLE IF NOT EXISTS " + collections +
               " (uuid uuid PRIMARY KEY DEFAULT gen_random_uuid(), name varchar NOT NULL UNIQUE, "
               "cmetadata json)",
           "CREATE TABLE IF NOT EXISTS " + table + " (id varchar PRIMARY KEY, collection_id uuid " +
               "REFERENCES " + collections + " (uuid) ON DELETE CASCADE, embedding " +
               VectorType(options.embedder) + ", document varchar, cmetadata jsonb)",
           "CREATE INDEX IF NOT EXISTS " + session.Identifier(options.table + "_cmetadata_gin") +
               " ON " + table + " USING gin (cmetadata jsonb_path_ops)",
           "CREATE INDEX IF NOT EXISTS " + session.Identifier(options.table + "_collection_idx") +
               " ON " + table + " (collection_id)"});
      !made.ok()) {
    return made;
  }
  if (Status checked = CheckLangchainColumns(session, table); !checked.ok()) return checked;
  // Not ON CONFLICT: a collection table made by LangChain JS has no unique name.
  const nlohmann::json metadata = {{"written_by", "freshd"},
                                   {"embedder", options.embedder.kind},
                                   {"model", options.embedder.model},
                                   {"dims", options.embedder.dims}};
  if (Status added =
          session.Execute("collection",
                          "INSERT INTO " + collections +
                              " (name, cmetadata) SELECT $1::varchar, $2::json WHERE NOT EXISTS "
                              "(SELECT 1 "
                              "FROM " +
                              collections + " WHERE name = $1)",
                          {options.collection, metadata.dump()});
      !added.ok()) {
    return added;
  }
  Result<std::string> id =
      Scalar(session, "collection",
             "SELECT uuid::text FROM " + collections + " WHERE name = $1 ORDER BY uuid LIMIT 1",
             {options.collection});
  if (!id.ok()) return id.status();
  schema->collection_id = *id;
  schema->vectors = true;
  return Status::OK();
}

}  // namespace

Result<Schema> EnsureSchema(Session& session, const PostgresOptions& options) {
  Schema schema;
  schema.table = session.Identifier(options.table);
  if (schema.table.empty()) return Status::Unavailable("postgres: the table name cannot be quoted");
  const Status made = options.layout == PostgresOptions::Layout::kLangchain
                          ? LangchainSchema(session, options, &schema)
                          : FreshdSchema(session, options, &schema);
  if (!made.ok()) return made;
  return schema;
}

}  // namespace freshd::rag::postgres
