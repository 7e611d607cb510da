// Section markers in a normalized text (private to rag/chunking.cc).
//
// A marker is a whole line that starts with 0x1E (RECORD SEPARATOR) followed by key=value
// fields separated by 0x1F (UNIT SEPARATOR): `page` (decimal, from 1) and `heading` (the
// heading path, outermost first, joined by " > "); other keys are ignored. A marker begins
// a section, which runs to the next marker; text before the first marker has no location.
// The watchers write them (PDF pages, slides, DOCX/ODT headings) and guarantee that content
// text never holds 0x1E.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::rag {

inline constexpr char kMarkerStart = '\x1e';
inline constexpr char kFieldSeparator = '\x1f';

struct Section {
  std::uint32_t page = 0;  // 0: none (or not a decimal from 1 to 2^32-1)
  std::string heading;     // "": none
  std::string_view text;   // the lines after its marker, up to the next marker
};

// The sections of `text`, in order: the text before the first marker (possibly empty, and
// all of `text` when it has no marker) with no location, then one per marker.
std::vector<Section> SplitSections(std::string_view text);

// "page=4\x1fheading=Refunds > Window", with only the fields that are set: "" for no
// location. What a chunk id hashes of its location.
std::string LocationKey(std::uint32_t page, std::string_view heading);

}  // namespace freshd::rag
