// Cutting a document's normalized text into chunks for the RAG store (DESIGN.md 7).
//
// Chunks end at heading and paragraph boundaries and hold at most `max_chars` characters
// (a paragraph longer than that is split at sentence boundaries, a sentence longer than
// that at spaces). Which paragraphs share a chunk is decided by their own content, not by
// their position, so an edit to one paragraph changes its own chunk and, nearly always, at
// most one neighbour: every other chunk, and its id, stays as it was. Chunks aim at half
// of max_chars, grouping short paragraphs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace freshd::rag {

struct ChunkingOptions {
  int max_chars = 1200;   // in bytes of UTF-8; a chunk never splits a character
  int overlap_chars = 0;  // the end of the previous chunk repeated at the start of the next
};

struct Chunk {
  std::string id;  // 32 hex digits: a hash of the document, the text and its occurrence
  std::string text;
};

// `document` identifies the document (its source and URI); two documents with the same
// text get different chunk ids. The same text twice in one document gets two ids.
std::vector<Chunk> ChunkText(std::string_view document, std::string_view text,
                             const ChunkingOptions& options);

}  // namespace freshd::rag
