// OpenDocument: content.xml of an ODT (office:text) or an ODP (office:presentation).
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "formats/extractors.h"
#include "formats/sections.h"
#include "formats/xml_tree.h"
#include "formats/zip_archive.h"

namespace freshd::formats {
namespace {

constexpr const char* kText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
constexpr const char* kTable = "urn:oasis:names:tc:opendocument:xmlns:table:1.0";
constexpr const char* kDraw = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
constexpr const char* kOffice = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
constexpr const char* kPresentation = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0";

int Count(const xmlNode* node, const char* ns, const char* name, int fallback) {
  const std::string value = Attribute(node, ns, name);
  int n = fallback;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (error != std::errc() || end != value.data() + value.size()) return fallback;
  return n;
}

// The inline text of a text:p or text:h: spans and links through, text:s and text:tab as a
// space, text:line-break as a line break; notes and annotations left out.
void InlineText(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      out += reinterpret_cast<const char*>(child->content);
    } else if (IsElement(child, kText, "s") || IsElement(child, kText, "tab")) {
      out += ' ';  // text:s's count does not matter: runs of spaces are folded to one
    } else if (IsElement(child, kText, "line-break")) {
      out += '\n';
    } else if (IsElement(child, kText, "note") || IsElement(child, kOffice, "annotation")) {
      continue;
    } else if (child->type == XML_ELEMENT_NODE) {
      InlineText(child, out);
    }
  }
}

// Every paragraph's text under `node` (a cell or a list item), joined by `separator`.
void NestedText(const xmlNode* node, std::string_view separator, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kText, "p") || IsElement(child, kText, "h")) {
      std::string text;
      InlineText(child, text);
      if (!out.empty() && !text.empty()) out += separator;
      out += text;
    } else if (child->type == XML_ELEMENT_NODE) {
      NestedText(child, separator, out);
    }
  }
}

void TableRows(const xmlNode* node, std::string& out) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kTable, "table-row")) {
      std::string row;
      bool first = true;
      for (const xmlNode* cell = child->children; cell != nullptr; cell = cell->next) {
        if (!IsElement(cell, kTable, "table-cell")) continue;
        std::string text;
        NestedText(cell, " ", text);
        row += (first ? "" : " | ") + FoldSpaces(text);
        first = false;
      }
      if (!out.empty()) out += '\n';
      out += row;
    } else if (child->type == XML_ELEMENT_NODE) {
      TableRows(child, out);
    }
  }
}

// Headings, paragraphs, list items and tables in document order.
void WalkText(const xmlNode* node, SectionBuilder& builder) {
  for (const xmlNode* child = node->children; child != nullptr && !builder.full();
       child = child->next) {
    std::string text;
    if (IsElement(child, kText, "h")) {
      InlineText(child, text);
      builder.StartHeading(std::max(1, Count(child, kText, "outline-level", 1)), text);
    } else if (IsElement(child, kText, "p")) {
      InlineText(child, text);
      builder.AddParagraph(text);
    } else if (IsElement(child, kText, "list-item")) {
      for (const xmlNode* part = child->children; part != nullptr; part = part->next) {
        if (IsElement(part, kText, "p") || IsElement(part, kText, "h")) {
          std::string item;
          InlineText(part, item);
          builder.AddParagraph("- " + item);
        } else if (part->type == XML_ELEMENT_NODE) {
          WalkText(part, builder);  // a nested list
        }
      }
    } else if (IsElement(child, kTable, "table")) {
      TableRows(child, text);
      builder.AddParagraph(text);
    } else if (IsElement(child, kText, "tracked-changes") ||
               IsElement(child, kPresentation, "notes")) {
      continue;  // deleted text kept for change tracking; speaker notes
    } else if (child->type == XML_ELEMENT_NODE) {
      WalkText(child, builder);
    }
  }
}

void CollectPages(const xmlNode* node, std::vector<const xmlNode*>& pages) {
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (IsElement(child, kDraw, "page")) {
      pages.push_back(child);
    } else if (child->type == XML_ELEMENT_NODE) {
      CollectPages(child, pages);
    }
  }
}

Result<XmlDoc> ReadContent(std::string_view body, const ExtractLimits& limits,
                           std::string_view what) {
  auto zip = ZipArchive::Open(body, limits.max_bytes, limits.max_total_unzipped);
  if (!zip.ok()) return zip.status().WithContext(what);
  auto xml = zip->Read("content.xml");
  if (!xml.ok()) return xml.status().WithContext(what);
  return ParseXml(*xml, std::string(what) + " content.xml");
}

}  // namespace

Result<Extracted> ExtractOdt(std::string_view body, const ExtractLimits& limits) {
  auto doc = ReadContent(body, limits, "ODT");
  if (!doc.ok()) return doc.status();
  SectionBuilder builder(limits.max_bytes);
  WalkText(xmlDocGetRootElement(doc->get()), builder);
  return std::move(builder).Finish(0);
}

Result<Extracted> ExtractOdp(std::string_view body, const ExtractLimits& limits) {
  auto doc = ReadContent(body, limits, "ODP");
  if (!doc.ok()) return doc.status();
  std::vector<const xmlNode*> pages;
  CollectPages(xmlDocGetRootElement(doc->get()), pages);
  SectionBuilder builder(limits.max_bytes);
  for (std::size_t i = 0; i < pages.size() && !builder.full(); ++i) {
    if (i >= limits.max_pages) {
      builder.MarkTruncated();
      break;
    }
    builder.StartPage(static_cast<std::uint32_t>(i + 1));
    WalkText(pages[i], builder);
  }
  return std::move(builder).Finish(static_cast<std::uint32_t>(pages.size()));
}

}  // namespace freshd::formats
