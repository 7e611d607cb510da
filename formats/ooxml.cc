// Office Open XML: word/document.xml (DOCX) and ppt/slides/slideN.xml (PPTX).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "formats/extractors.h"
#include "formats/sections.h"
#include "formats/xml_tree.h"
#include "formats/zip_archive.h"

namespace freshd::formats {
namespace {

constexpr const char* kW = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
constexpr const char* kA = "http://schemas.openxmlformats.org/drawingml/2006/main";

const char* Text(const xmlNode* node) { return reinterpret_cast<const char*>(node->content); }

// The text of a w:p: runs' w:t, w:tab as a space, w:br and w:cr as line breaks. Deleted
// text (w:delText) and field codes (w:instrText) are other elements, so they are left out.
void ParagraphText(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kW, "t")) {
      for (const xmlNode* text = child->children; text != nullptr; text = text->next) {
        if (text->type == XML_TEXT_NODE || text->type == XML_CDATA_SECTION_NODE) {
          out += Text(text);
        }
      }
    } else if (IsElement(child, kW, "tab")) {
      out += ' ';
    } else if (IsElement(child, kW, "br") || IsElement(child, kW, "cr")) {
      out += '\n';
    } else if (child->type == XML_ELEMENT_NODE && !IsElement(child, kW, "pPr")) {
      ParagraphText(child, out);
    }
  }
}

// -1 for a body paragraph, 0 for a title, 1..9 for Heading1..Heading9.
int HeadingLevel(const xmlNode* properties) {
  const xmlNode* style = properties ? Child(properties, kW, "pStyle") : nullptr;
  if (style == nullptr) return -1;
  std::string id = Attribute(style, kW, "val");
  std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return std::tolower(c); });
  std::erase(id, ' ');
  if (id == "title") return 0;
  if (id.size() == 8 && id.starts_with("heading") && id[7] >= '1' && id[7] <= '9') {
    return id[7] - '0';
  }
  return -1;
}

void AddDocxParagraph(const xmlNode* paragraph, SectionBuilder& builder) {
  std::string text;
  ParagraphText(paragraph, text);
  const xmlNode* properties = Child(paragraph, kW, "pPr");
  const int level = HeadingLevel(properties);
  if (level >= 0) {
    builder.StartHeading(level, text);
  } else if (properties != nullptr && Child(properties, kW, "numPr") != nullptr) {
    builder.AddParagraph("- " + text);
  } else {
    builder.AddParagraph(text);
  }
}

// Every w:tc's text under `node` (a row), paragraphs joined by spaces.
void RowCells(const xmlNode* node, std::vector<std::string>& cells) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kW, "tc")) {
      std::string cell;
      ParagraphText(child, cell);
      cells.push_back(FoldSpaces(cell));
    } else if (child->type == XML_ELEMENT_NODE) {
      RowCells(child, cells);
    }
  }
}

// The table's rows, one per line, cells joined by " | ".
void TableRows(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kW, "tr")) {
      std::vector<std::string> cells;
      RowCells(child, cells);
      std::string row;
      for (std::size_t i = 0; i < cells.size(); ++i) row += (i ? " | " : "") + cells[i];
      if (!out.empty()) out += '\n';
      out += row;
    } else if (child->type == XML_ELEMENT_NODE) {
      TableRows(child, out);
    }
  }
}

// Paragraphs and tables in document order, through content controls and other wrappers.
void WalkBody(const xmlNode* node, SectionBuilder& builder) {
  for (const xmlNode* child = node->children; child != nullptr && !builder.full();
       child = child->next) {
    if (IsElement(child, kW, "p")) {
      AddDocxParagraph(child, builder);
    } else if (IsElement(child, kW, "tbl")) {
      std::string rows;
      TableRows(child, rows);
      builder.AddParagraph(rows);
    } else if (child->type == XML_ELEMENT_NODE) {
      WalkBody(child, builder);
    }
  }
}

// The text of each a:p under `node`, one paragraph each (a:br as a line break).
void SlideParagraphs(const xmlNode* node, SectionBuilder& builder) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (!IsElement(child, kA, "p")) {
      if (child->type == XML_ELEMENT_NODE) SlideParagraphs(child, builder);
      continue;
    }
    std::string text;
    for (const xmlNode* run = child->children; run != nullptr; run = run->next) {
      if (IsElement(run, kA, "br")) text += '\n';
      const xmlNode* t = Child(run, kA, "t");
      if (t == nullptr) continue;
      for (const xmlNode* part = t->children; part != nullptr; part = part->next) {
        if (part->type == XML_TEXT_NODE || part->type == XML_CDATA_SECTION_NODE) text += Text(part);
      }
    }
    builder.AddParagraph(text);
  }
}

// ppt/slides/slideN.xml's N, in order.
std::vector<std::uint32_t> SlideNumbers(const ZipArchive& zip) {
  constexpr std::string_view kPrefix = "ppt/slides/slide", kSuffix = ".xml";
  std::vector<std::uint32_t> numbers;
  for (const std::string& name : zip.Names()) {
    const std::string_view view(name);
    if (!view.starts_with(kPrefix) || !view.ends_with(kSuffix)) continue;
    const std::string_view digits =
        view.substr(kPrefix.size(), view.size() - kPrefix.size() - kSuffix.size());
    std::uint32_t n = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (error == std::errc() && end == digits.data() + digits.size() && n > 0) numbers.push_back(n);
  }
  std::sort(numbers.begin(), numbers.end());
  numbers.erase(std::unique(numbers.begin(), numbers.end()), numbers.end());
  return numbers;
}

}  // namespace

Result<Extracted> ExtractDocx(std::string_view body, const ExtractLimits& limits) {
  auto zip = ZipArchive::Open(body, limits.max_bytes, limits.max_total_unzipped);
  if (!zip.ok()) return zip.status().WithContext("DOCX");
  auto xml = zip->Read("word/document.xml");
  if (!xml.ok()) return xml.status().WithContext("DOCX");
  auto doc = ParseXml(*xml, "DOCX word/document.xml");
  if (!doc.ok()) return doc.status();
  SectionBuilder builder(limits.max_bytes);
  WalkBody(xmlDocGetRootElement(doc->get()), builder);
  return std::move(builder).Finish(0);
}

Result<Extracted> ExtractPptx(std::string_view body, const ExtractLimits& limits) {
  auto zip = ZipArchive::Open(body, limits.max_bytes, limits.max_total_unzipped);
  if (!zip.ok()) return zip.status().WithContext("PPTX");
  const std::vector<std::uint32_t> slides = SlideNumbers(*zip);
  if (slides.empty() && !zip->Has("ppt/presentation.xml")) {
    return Status::InvalidArgument("PPTX: no ppt/presentation.xml and no slides");
  }
  SectionBuilder builder(limits.max_bytes);
  std::uint32_t page = 0;
  for (const std::uint32_t number : slides) {
    if (++page > limits.max_pages) {
      builder.MarkTruncated();
      break;
    }
    const std::string name = "ppt/slides/slide" + std::to_string(number) + ".xml";
    auto xml = zip->Read(name.c_str());
    if (!xml.ok()) return xml.status().WithContext("PPTX");
    auto doc = ParseXml(*xml, "PPTX " + name);
    if (!doc.ok()) return doc.status();
    builder.StartPage(page);
    SlideParagraphs(xmlDocGetRootElement(doc->get()), builder);
    if (builder.full()) break;
  }
  return std::move(builder).Finish(static_cast<std::uint32_t>(slides.size()));
}

}  // namespace freshd::formats
