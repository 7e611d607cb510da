// The chunker, with options the configuration allows (max_chars 100..1,000,000, overlap
// below max_chars) taken from the first four bytes; the rest is the document's text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "rag/chunking.h"

namespace {

bool IsChunkerSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string WithoutSpaces(std::string_view text) {
  std::string kept;
  for (const char c : text) {
    if (!IsChunkerSpace(c)) kept += c;
  }
  return kept;
}

// The text as chunks hold it: without its section markers, the lines that start with 0x1E
// (rag/chunking.h), which locate the chunks rather than belong to them.
std::string WithoutMarkers(std::string_view text) {
  std::string kept;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end + 1;
    if (text[start] != '\x1e') kept.append(text.substr(start, end - start));
    start = end;
  }
  return kept;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  // Small limits are where the cutting code is busiest: mostly 100..1123, sometimes large.
  const int max_chars = 100 + (data[0] | (data[1] & 0x03) << 8) + (data[1] & 0x80 ? 999'000 : 0);
  const int overlap_chars = (data[2] & 0x80) ? 0 : (data[2] | data[3] << 8) % max_chars;
  const freshd::rag::ChunkingOptions options{max_chars, overlap_chars};
  const std::string_view text(reinterpret_cast<const char*>(data + 4), size - 4);

  const std::vector<freshd::rag::Chunk> chunks =
      freshd::rag::ChunkText("fuzz-source\nhttps://example.com/doc", text, options);

  std::string joined;
  for (const freshd::rag::Chunk& chunk : chunks) {
    if (chunk.id.size() != 32 || chunk.text.empty()) std::abort();
    if (chunk.text.size() > static_cast<std::size_t>(max_chars)) std::abort();
    joined += chunk.text;
  }
  // Without overlap, the chunks hold the text's every non-space byte outside its section
  // markers, in order, once.
  if (overlap_chars == 0 && WithoutSpaces(joined) != WithoutSpaces(WithoutMarkers(text))) {
    std::abort();
  }
  return 0;
}
