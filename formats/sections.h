// Builds the sections of an extracted document: paragraphs joined by blank lines, a new
// section per heading or page, and the max_bytes cap on the text. One builder per call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/formats.h"

namespace freshd::formats {

class SectionBuilder {
 public:
  explicit SectionBuilder(std::uint64_t max_bytes) : budget_(max_bytes) {}

  // Starts a section for a page or slide (page from 1), with no heading.
  void StartPage(std::uint32_t page);
  // Starts a section at a heading of `level` (0 outermost: a title): its heading path is
  // the enclosing headings' texts and this one's; the text begins with the heading.
  void StartHeading(int level, std::string_view text);
  // Adds a paragraph (trimmed; an empty one adds nothing) to the current section.
  void AddParagraph(std::string_view text);

  // True once max_bytes was reached: nothing more is kept.
  bool full() const { return full_; }
  void MarkTruncated() { truncated_ = true; }

  // The sections with text, in order, and whether anything was left out.
  Extracted Finish(std::uint32_t pages) &&;

 private:
  Section& Current();

  std::vector<Section> sections_;
  std::vector<std::pair<int, std::string>> headings_;  // the open heading path, by level
  std::uint64_t budget_;
  bool full_ = false;
  bool truncated_ = false;
};

// `text` with runs of spaces and tabs folded to one space, and each line trimmed; line
// breaks stay. Empty when there is nothing but whitespace.
std::string FoldSpaces(std::string_view text);

// The longest prefix of `text` of at most `max` bytes that does not cut a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view text, std::size_t max);

}  // namespace freshd::formats
