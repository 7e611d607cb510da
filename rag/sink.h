// Sinks: the RAG stores freshd keeps in step (DESIGN.md 7). A sink applies batches of
// index operations and acknowledges them by returning OK; until then the operations stay in
// the outbox and are sent again. Every sink is idempotent: applying a batch twice leaves
// the same state as applying it once.
//
// Sinks block (HTTP, SQL): only the delivery thread calls them.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "rag/embedder.h"
#include "rag/operations.h"

namespace freshd::rag {

struct SinkOperation {
  IndexOperation operation;
  Vector vector;  // for upserts when the embedder makes vectors; empty otherwise
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual std::string_view kind() const = 0;  // "embedded", "chroma", "postgres", "webhook"

  // Applies a batch in which each chunk id appears at most once and every upsert comes
  // before every delete. All or nothing where the sink allows it (postgres: one
  // transaction); otherwise a failed batch is sent again whole, which idempotence makes safe.
  // A failure's message is a line for the log, without secrets. IsRefusal (embedder.h) when
  // the sink refused the batch for what it holds (a 4xx other than 408/429, a constraint or
  // data error), not for being unreachable or busy: sending it again cannot succeed.
  virtual Status Apply(const std::vector<SinkOperation>& batch) = 0;

  // Every chunk id the sink holds, sorted, for reconciliation. A sink that cannot list
  // (webhook) says so.
  virtual Result<std::vector<std::string>> ListChunkIds() = 0;
};

struct ChromaOptions {
  std::string url = "http://127.0.0.1:8000";
  std::string collection = "knowledge";
  std::string tenant = "default_tenant";
  std::string database = "default_database";
  std::chrono::milliseconds timeout{30000};
  std::stop_token stop{};  // when requested, a request under way is aborted
};
// Chroma's HTTP API v2: the collection is created (or found) on first use; upserts send ids,
// embeddings, documents and metadatas; deletes send ids. Embeddings are always sent, so
// Chroma never embeds with a model of its own.
std::unique_ptr<Sink> MakeChromaSink(const ChromaOptions& options);

struct PostgresOptions {
  std::string dsn;  // a libpq connection string: a secret, never logged
  std::string table = "rag_chunks";
  int dims = 0;            // vector column size; 0: no vector column
  std::stop_token stop{};  // when requested, a statement under way is cancelled on the server
};
// One table: id text primary key, document, body, metadata jsonb, a generated tsvector with
// a GIN index, and an `embedding vector(dims)` column when the pgvector extension is
// available. A batch is one transaction: INSERT ... ON CONFLICT, then DELETE.
std::unique_ptr<Sink> MakePostgresSink(const PostgresOptions& options);

struct WebhookOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Authorization (secret)
  std::chrono::milliseconds timeout{30000};
  std::stop_token stop{};  // when requested, a request under way is aborted
};
// POSTs {"events":[{"op":"upsert"|"delete","id",...}]}; any 2xx acknowledges the batch.
std::unique_ptr<Sink> MakeWebhookSink(const WebhookOptions& options);

}  // namespace freshd::rag
