// The postgres sink's tables, made or checked on each new connection (private to
// freshd_rag_sinks). Idempotent: cheap, and it heals a table dropped behind the sink's back.
//
// layout freshd, one table (default rag_chunks):
//   id text primary key, document text ("<freshd source> <uri>"), body text (the chunk),
//   metadata jsonb (sink_json.h), tsv tsvector generated from body with the configured text
//   search configuration, and `embedding vector(dims)` (`vector` when the model decides the
//   size, as with openai) when pgvector is there and the embedder makes vectors.
//   Indexes: GIN on tsv, GIN (jsonb_path_ops) on metadata, btree on document.
// layout langchain, the tables of LangChain's PGVector store (langchain_postgres):
//   langchain_pg_collection (uuid uuid primary key, name varchar unique, cmetadata json)
//   <table> (default langchain_pg_embedding): id varchar primary key (the chunk id),
//   collection_id uuid references the collection, embedding vector, document varchar (the
//   chunk), cmetadata jsonb (GIN, jsonb_path_ops). Needs pgvector: refused without it.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "rag/postgres_session.h"
#include "rag/sink.h"

namespace freshd::rag::postgres {

inline constexpr char kNoPgvector[] =
    "pgvector is not installed on the server: vectors are not stored; text search only";
inline constexpr char kCollectionTable[] = "langchain_pg_collection";

struct Schema {
  std::string table;                  // quoted: the chunks' table
  bool vectors = false;               // the table has its embedding column
  std::string collection_id;          // kLangchain: the collection's uuid
  std::vector<std::string> warnings;  // for the store's readers (Sink::Warnings)
  std::vector<std::string> changes;   // what was migrated, for the log
};

// On a connected session. Every failure is Unavailable (never a refusal: it is not about a
// batch), with a message that says what to do.
Result<Schema> EnsureSchema(Session& session, const PostgresOptions& options);

}  // namespace freshd::rag::postgres
