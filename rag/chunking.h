// Cutting a document's normalized text into chunks for the RAG store (DESIGN.md 7).
//
// Chunks end at heading and paragraph boundaries and hold at most `max_chars` characters
// (a paragraph longer than that is split at sentence boundaries, a sentence longer than
// that at spaces). Which paragraphs share a chunk is decided by their own content, not by
// their position, so an edit to one paragraph changes its own chunk and, nearly always, at
// most one neighbour: every other chunk, and its id, stays as it was. Chunks aim at half
// of max_chars, grouping short paragraphs.
//
// Section markers (rag/sections.h: a line "\x1epage=4\x1fheading=Refunds > Window" that
// the watchers write for a PDF page, a slide, a DOCX/ODT heading) cut the text into
// sections: a chunk never spans two, never holds a marker line, and carries its section's
// page and heading. Text without markers is chunked as it was before markers existed, with
// the same ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::rag {

struct ChunkingOptions {
  int max_chars = 1200;   // in bytes of UTF-8; a chunk never splits a character
  int overlap_chars = 0;  // the end of the previous chunk repeated at the start of the next
};

struct Chunk {
  // 32 hex digits: a hash of the document, the text, its occurrence and, when it has one,
  // its location (page and heading), so that a paragraph that moves to another page is a
  // new chunk.
  std::string id;
  std::string text;
  std::uint32_t page = 0;  // the page or slide (from 1) of its section; 0: none
  std::string heading{};   // its section's heading path ("Refunds > Window"); "": none
};

// `document` identifies the document (its source and URI); two documents with the same
// text get different chunk ids. The same text twice in one document (at the same location)
// gets two ids.
std::vector<Chunk> ChunkText(std::string_view document, std::string_view text,
                             const ChunkingOptions& options);

}  // namespace freshd::rag
