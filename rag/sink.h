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

  // Connects and makes sure the store is ready (its collection or tables made), so that a
  // sink that is down, or set up in a way its readers should know about, is seen at start-up
  // rather than at the first change. The delivery thread calls it before its first batch,
  // and again after a failure until it succeeds; Apply must not depend on it having run.
  virtual Status Prepare() { return Status::OK(); }

  // What a reader of the store should know, found while preparing or applying: e.g. that
  // pgvector is missing and vectors are not stored, or that clients cannot embed their
  // questions as freshd does. Each is also logged once (warn) when found. Any thread.
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// How freshd makes its vectors (config `embedder`), for a store that records it so that its
// clients can embed their questions the same way (chroma: the collection's configuration).
struct EmbedderInfo {
  std::string kind = "hashing";  // "none", "hashing" or "openai"
  int dims = 0;                  // hashing: the vector size; 0 when the model decides (openai)
  std::string model;             // openai
  std::string base_url;          // openai, without userinfo
  // openai: the environment variable the API key is read from (`api_key_env`), "" when it
  // comes from a file or there is none. The key itself is never given to a sink.
  std::string api_key_env;
};

struct ChromaOptions {
  std::string url = "http://127.0.0.1:8000";
  std::string collection = "knowledge";
  std::string tenant = "default_tenant";
  std::string database = "default_database";
  // Sent with every request, e.g. Authorization or X-Chroma-Token: values are secrets.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string distance = "cosine";  // the collection's space: "cosine", "l2" or "ip"
  EmbedderInfo embedder;
  std::chrono::milliseconds timeout{30000};
  std::stop_token stop{};  // when requested, a request under way is aborted
};
// Chroma's HTTP API v2: Prepare (or the first use) makes the tenant and database when
// missing and finds or makes the collection, with `distance` as its space and `embedder`
// recorded as its embedding function where clients can reproduce it (openai), so that they
// query by text; Warnings say what clients cannot rely on (hashing vectors, an existing
// collection set up otherwise). Upserts send ids, embeddings, documents and metadatas;
// deletes send ids. Embeddings are always sent, so Chroma never embeds with a model of its own.
std::unique_ptr<Sink> MakeChromaSink(const ChromaOptions& options);

struct PostgresOptions {
  enum class Layout {
    kFreshd,     // freshd's own table (below)
    kLangchain,  // LangChain's PGVector tables: a collection table and an embedding table
  };
  std::string dsn;  // a libpq connection string: a secret, never logged
  Layout layout = Layout::kFreshd;
  std::string table = "rag_chunks";      // kLangchain: the embedding table
  std::string collection = "knowledge";  // kLangchain: the collection's name
  std::string text_search = "english";   // the text search configuration of the tsvector
  EmbedderInfo embedder;
  std::stop_token stop{};  // when requested, a statement under way is cancelled on the server
};
// The tables of `layout` (rag/postgres_schema.h), made or checked by Prepare and on each new
// connection. Without pgvector, kFreshd keeps text search only and says so in Warnings();
// kLangchain is refused (Prepare fails, nothing is written). A batch is one transaction:
// INSERT ... ON CONFLICT, then DELETE.
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
