// The embedded sink's records and keys (private to rag/embedded_index.cc).
//
//   kSearchChunks  chunk id -> ChunkRecord
//   kSearchTerms   term '\0' chunk id -> Posting
//                  "\x01stats" -> IndexStats ('\x01' never starts a term: see rag/words.h)
//
// Encodings are little binary formats: a version byte, then unsigned LEB128 varints, strings
// as a varint length and their bytes, and vectors as float32 little-endian. A chunk record
// of version 2 has the page and the heading after the metadata; version 1 (without them)
// still decodes, so that an upgraded store keeps its index.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rag/embedder.h"
#include "rag/operations.h"

namespace freshd::rag::embedded {

struct ChunkRecord {
  std::string text;
  ChunkMetadata metadata;
  std::uint32_t page = 0;  // IndexOperation::page, heading (version 1 records have none)
  std::string heading{};
  // Indexed words in the text (stop words excluded): BM25's document length.
  std::uint64_t words = 0;
  // The distinct terms it has postings under, sorted: what an update or delete removes,
  // whatever the tokenizer or stop words have become since.
  std::vector<std::string> terms;
  Vector vector;
};

struct Posting {
  std::uint64_t term_frequency = 0;
  std::uint64_t chunk_words = 0;  // a copy of ChunkRecord::words: BM25 without loading chunks
};

struct IndexStats {
  std::uint64_t chunks = 0;
  std::uint64_t words = 0;  // sum of ChunkRecord::words: BM25's average length
};

std::string EncodeChunk(const ChunkRecord& chunk);
// Without `with_terms`, the terms are checked but not kept (a search needs none).
std::optional<ChunkRecord> DecodeChunk(std::string_view bytes, bool with_terms = true);

std::string EncodePosting(const Posting& posting);
std::optional<Posting> DecodePosting(std::string_view bytes);

std::string EncodeStats(const IndexStats& stats);
std::optional<IndexStats> DecodeStats(std::string_view bytes);

// "term\0": the prefix of every posting of a term.
std::string PostingPrefix(std::string_view term);
std::string PostingKey(std::string_view term, std::string_view chunk_id);

inline constexpr std::string_view kStatsKey = "\x01stats";

}  // namespace freshd::rag::embedded
