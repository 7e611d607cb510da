#include "rag/sections.h"

#include <algorithm>
#include <limits>

#include "common/strings.h"

namespace freshd::rag {
namespace {

// A decimal from 1 to the largest uint32, else 0.
std::uint32_t ParsePage(std::string_view value) {
  if (value.empty() || value.size() > 10) return 0;
  std::uint64_t page = 0;
  for (const char c : value) {
    if (!strings::IsAsciiDigit(c)) return 0;
    page = page * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (page > std::numeric_limits<std::uint32_t>::max()) return 0;
  return static_cast<std::uint32_t>(page);
}

// A marker line without its leading 0x1E.
Section ParseMarker(std::string_view fields) {
  Section section;
  while (!fields.empty()) {
    const std::size_t end = fields.find(kFieldSeparator);
    const std::string_view field = fields.substr(0, end);
    fields = end == std::string_view::npos ? std::string_view() : fields.substr(end + 1);
    const std::size_t equals = field.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view key = field.substr(0, equals);
    const std::string_view value = strings::Trim(field.substr(equals + 1));
    if (key == "page") section.page = ParsePage(value);
    if (key == "heading") section.heading = std::string(value);
  }
  return section;
}

}  // namespace

std::vector<Section> SplitSections(std::string_view text) {
  std::vector<Section> sections(1);
  if (text.find(kMarkerStart) == std::string_view::npos) {
    sections.back().text = text;
    return sections;
  }
  std::size_t section_start = 0;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    if (text[line_start] == kMarkerStart) {
      sections.back().text = text.substr(section_start, line_start - section_start);
      sections.push_back(ParseMarker(text.substr(line_start + 1, line_end - line_start - 1)));
      section_start = std::min(line_end + 1, text.size());
    }
    line_start = line_end + 1;
  }
  sections.back().text = text.substr(section_start);
  return sections;
}

std::string LocationKey(std::uint32_t page, std::string_view heading) {
  std::string key;
  if (page > 0) key.append("page=").append(std::to_string(page));
  if (!heading.empty()) {
    if (!key.empty()) key.push_back(kFieldSeparator);
    key.append("heading=").append(heading);
  }
  return key;
}

}  // namespace freshd::rag
