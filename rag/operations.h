// Index operations: what the RAG store must do so that it holds a document's current
// chunks, and the chunk manifests they are computed from. Both are stored in RocksDB (the
// outbox, the manifests), so each has a stable byte encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rag/chunking.h"

namespace freshd::rag {

// Carried by every chunk into the sink (DESIGN.md 7): "here's the source".
struct ChunkMetadata {
  std::string workload;
  std::string source;
  std::string uri;
  std::int64_t fetched_ms = 0;  // the fetch that brought this text
  std::string content_hash;     // the document's normalized-content hash at that fetch
  // Where the source has them (git): the version read (a commit id), the document's path
  // in it, and a link to the document at that version; "" otherwise.
  std::string revision{};
  std::string path{};
  std::string link{};
};

// The chunks the RAG store should hold for one document, with the metadata they were
// upserted with (each chunk's location is its own: Chunk::page, Chunk::heading). Kept per
// document, so the next version can be compared with it.
struct DocumentChunks {
  ChunkMetadata metadata;
  std::vector<Chunk> chunks;
};

struct IndexOperation {
  enum class Kind { kUpsert, kDelete };
  Kind kind = Kind::kUpsert;
  std::string chunk_id;
  std::string text;              // kUpsert
  ChunkMetadata metadata;        // kUpsert: all of it; kDelete: source and uri
  std::int64_t detected_ms = 0;  // when the change that caused it was detected (index lag)
  // kUpsert: where the chunk stands in its document (Chunk::page, Chunk::heading); the
  // sinks add them to the chunk's metadata when set.
  std::uint32_t page = 0;
  std::string heading{};
};
std::string_view ToString(IndexOperation::Kind kind);  // "upsert", "delete"

// The operations that turn `before` into `after` (either may be null: a new document, a
// removed one): an upsert for each chunk only in `after`, then a delete for each chunk
// only in `before`, in that order, so that a reader never sees the document missing.
// Chunks in both are left alone: they are not re-embedded.
std::vector<IndexOperation> DiffChunks(const DocumentChunks* before, const DocumentChunks* after,
                                       std::int64_t detected_ms);

// Encodings of the current format (2); records of format 1 (written before chunks had a
// location) still decode, as chunks without one, so that a store upgrades with its outbox
// and manifests as they are.
std::string EncodeOperation(const IndexOperation& operation);
std::optional<IndexOperation> DecodeOperation(std::string_view bytes);

std::string EncodeDocumentChunks(const DocumentChunks& chunks);
std::optional<DocumentChunks> DecodeDocumentChunks(std::string_view bytes);

// The key of a document's manifest: "source\0uri", so that a source's documents are
// contiguous.
std::string DocumentChunksKey(std::string_view source, std::string_view uri);

}  // namespace freshd::rag
