#include "formats/sections.h"

#include <algorithm>

namespace freshd::formats {

void SectionBuilder::StartPage(std::uint32_t page) {
  headings_.clear();
  sections_.push_back(Section{.page = page, .heading = "", .text = ""});
}

void SectionBuilder::StartHeading(int level, std::string_view text) {
  const std::string heading = FoldSpaces(text);
  while (!headings_.empty() && headings_.back().first >= level) headings_.pop_back();
  headings_.emplace_back(level, heading);
  std::string path;
  for (const auto& [unused, name] : headings_) {
    if (name.empty()) continue;
    if (!path.empty()) path += " > ";
    path += name;
  }
  const std::uint32_t page = sections_.empty() ? 0 : sections_.back().page;
  sections_.push_back(Section{.page = page, .heading = std::move(path), .text = ""});
  AddParagraph(heading);
}

Section& SectionBuilder::Current() {
  if (sections_.empty()) sections_.emplace_back();
  return sections_.back();
}

void SectionBuilder::AddParagraph(std::string_view text) {
  if (full_) return;
  const std::string folded = FoldSpaces(text);
  if (folded.empty()) return;
  std::string& out = Current().text;
  const std::string_view separator = out.empty() ? "" : "\n\n";
  const std::size_t wanted = separator.size() + folded.size();
  if (wanted > budget_) {
    full_ = truncated_ = true;
    if (budget_ <= separator.size()) return;
    out += separator;
    out += Utf8Prefix(folded, budget_ - separator.size());
    budget_ = 0;
    return;
  }
  out += separator;
  out += folded;
  budget_ -= wanted;
}

Extracted SectionBuilder::Finish(std::uint32_t pages) && {
  Extracted extracted;
  extracted.pages = pages;
  extracted.truncated = truncated_;
  for (Section& section : sections_) {
    if (!section.text.empty()) extracted.sections.push_back(std::move(section));
  }
  return extracted;
}

std::string FoldSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = true;
    } else if (c == '\n') {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += '\n';
      pending_space = false;
    } else {
      if (pending_space && !out.empty() && out.back() != '\n') out += ' ';
      pending_space = false;
      out += c;
    }
  }
  // No blank lines inside a paragraph (they separate paragraphs), none at either end.
  std::string result;
  result.reserve(out.size());
  for (const char c : out) {
    if (c == '\n' && (result.empty() || result.back() == '\n')) continue;
    result += c;
  }
  while (!result.empty() && result.back() == '\n') result.pop_back();
  return result;
}

std::string_view Utf8Prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t end = max;
  // Back off continuation bytes (10xxxxxx) so that the cut falls before a lead byte.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace freshd::formats
