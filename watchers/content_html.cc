// HTML and XML parsing with libxml2, and extraction of the text of the tree.
#include "watchers/content_html.h"

#include <libxml/xpathInternals.h>

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "watchers/content_text.h"
#include "watchers/content_xml.h"

namespace freshd::watchers::content {
namespace {

// Text extraction from a libxml2 tree.

template <std::size_t N>
bool OneOf(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Never text: code, styling, embedded objects and the document head.
constexpr std::array<std::string_view, 11> kDroppedElements = {
    "script", "style", "noscript", "template", "nav",   "svg",
    "iframe", "head",  "object",   "embed",    "canvas"};
// Separated from their neighbours by a blank line.
constexpr std::array<std::string_view, 24> kParagraphElements = {
    "p",     "h1",     "h2",   "h3",       "h4",         "h5",      "h6",      "pre",
    "table", "ul",     "ol",   "dl",       "blockquote", "section", "article", "main",
    "aside", "figure", "form", "fieldset", "address",    "hr",      "details", "header"};
// On a line of their own.
constexpr std::array<std::string_view, 17> kLineElements = {
    "div",    "li",   "tr",   "dd",     "dt",     "caption", "figcaption", "summary", "option",
    "legend", "body", "html", "center", "hgroup", "search",  "footer",     "menu"};
// Table cells: kept apart on their row.
constexpr std::array<std::string_view, 2> kCellElements = {"td", "th"};
// A <header> or <footer> inside one of these belongs to that content (an article's title);
// elsewhere it is the page's banner or footer, and dropped.
constexpr std::array<std::string_view, 5> kSectioningElements = {"article", "aside", "main", "nav",
                                                                 "section"};

class TextExtractor {
 public:
  explicit TextExtractor(bool html) : html_(html) {}

  // Appends the text of `top` and everything under it (iteratively: the depth of a tree is
  // the document's to choose).
  void Append(xmlNode* top) {
    xmlNode* node = top;
    while (true) {
      const bool descend = Enter(node, node == top);
      if (descend && node->children != nullptr) {
        node = node->children;
        continue;
      }
      if (descend) Leave(node);
      while (true) {
        if (node == top) return;
        if (node->next != nullptr) {
          node = node->next;
          break;
        }
        node = node->parent;
        Leave(node);
      }
    }
  }

  // Ends the current paragraph: used between selected nodes.
  void ParagraphBreak() { EnsureBreaks(2); }

  std::string Take() { return std::move(out_); }

 private:
  static std::string_view Name(const xmlNode* node) { return AsView(node->name); }

  static bool IsPageLandmark(const xmlNode* node) {
    for (const xmlNode* up = node->parent; up != nullptr; up = up->parent) {
      if (up->type == XML_ELEMENT_NODE && OneOf(kSectioningElements, Name(up))) return false;
    }
    return true;
  }

  bool IsDropped(const xmlNode* node) const {
    const std::string_view name = Name(node);
    if (OneOf(kDroppedElements, name)) return true;
    return (name == "header" || name == "footer") && IsPageLandmark(node);
  }

  // Handles the start of `node`; returns whether its children are to be visited (then Leave
  // is called for it once they have been).
  bool Enter(xmlNode* node, bool is_top) {
    switch (node->type) {
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE:
        AppendText(AsView(node->content));
        return false;
      case XML_ATTRIBUTE_NODE:
      case XML_DOCUMENT_NODE:
      case XML_HTML_DOCUMENT_NODE:
        return true;
      case XML_ELEMENT_NODE:
        break;
      default:  // comments, processing instructions, entity references, DTD nodes
        return false;
    }
    if (!html_) {
      EnsureSeparated();
      return true;
    }
    if (!is_top && IsDropped(node)) return false;
    const std::string_view name = Name(node);
    if (name == "br") {
      StripTrailingSpaces();
      out_ += '\n';
      return false;
    }
    if (name == "pre") ++pre_depth_;
    Boundary(name);
    return true;
  }

  void Leave(xmlNode* node) {
    if (node->type != XML_ELEMENT_NODE) return;
    if (!html_) {
      EnsureSeparated();
      return;
    }
    const std::string_view name = Name(node);
    if (name == "pre" && pre_depth_ > 0) --pre_depth_;
    Boundary(name);
  }

  void Boundary(std::string_view name) {
    if (OneOf(kParagraphElements, name)) {
      EnsureBreaks(2);
    } else if (OneOf(kLineElements, name)) {
      EnsureBreaks(1);
    } else if (OneOf(kCellElements, name)) {
      EnsureSeparated();
    }
  }

  void AppendText(std::string_view text) {
    if (!html_) {
      out_ += text;
      return;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (pre_depth_ > 0 && (c == '\n' || c == '\r')) {
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out_ += '\n';
      } else {
        // Outside <pre>, a line break in the source is just a space.
        out_ += IsAsciiSpace(c) ? ' ' : c;
      }
    }
  }

  void StripTrailingSpaces() {
    while (!out_.empty() && (out_.back() == ' ' || out_.back() == '\t')) out_.pop_back();
  }

  // Makes the text end with at least `count` line breaks (nothing at the very start).
  void EnsureBreaks(int count) {
    StripTrailingSpaces();
    if (out_.empty()) return;
    int present = 0;
    for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n' && present < count; ++it) {
      ++present;
    }
    out_.append(static_cast<std::size_t>(count - present), '\n');
  }

  void EnsureSeparated() {
    if (!out_.empty() && !IsAsciiSpace(out_.back())) out_ += ' ';
  }

  bool html_;
  int pre_depth_ = 0;
  std::string out_;
};

Result<std::string> Select(xmlDoc* doc, bool html, const std::string& xpath) {
  TextExtractor extractor(html);
  if (xpath.empty()) {
    if (xmlNode* root = xmlDocGetRootElement(doc)) extractor.Append(root);
    return extractor.Take();
  }
  XPathContextPtr context(xmlXPathNewContext(doc));
  if (context == nullptr) return Status::ResourceExhausted("cannot allocate an XPath context");
  xmlResetLastError();
  XPathObjectPtr selected(xmlXPathEvalExpression(AsXmlChar(xpath), context.get()));
  if (selected == nullptr) {
    return Status::InvalidArgument("XPath \"" + xpath + "\" failed: " + DescribeLastXPathError());
  }
  if (selected->type != XPATH_NODESET) {  // string(...), count(...): the value itself
    XmlCharPtr value(xmlXPathCastToString(selected.get()));
    return std::string(AsView(value.get()));
  }
  const xmlNodeSet* nodes = selected->nodesetval;
  const int count = nodes == nullptr ? 0 : nodes->nodeNr;
  std::unordered_set<const xmlNode*> chosen;
  for (int i = 0; i < count; ++i) {
    xmlNode* node = nodes->nodeTab[i];
    if (node->type == XML_NAMESPACE_DECL) continue;  // an xmlNs, not a node
    // A node inside another selected node is already part of that node's text.
    bool nested = false;
    for (const xmlNode* up = node->parent; up != nullptr && !nested; up = up->parent) {
      nested = chosen.count(up) > 0;
    }
    chosen.insert(node);
    if (nested) continue;
    extractor.ParagraphBreak();
    extractor.Append(node);
  }
  return extractor.Take();
}

}  // namespace

Result<std::string> ExtractMarkupText(const PreparedInput& input, ContentKind kind,
                                      const std::string& xpath) {
  if (input.bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::ResourceExhausted("document too large for the parser");
  }
  if (TrimAscii(input.bytes).empty()) return std::string();  // nothing to parse: empty text
  ScopedXmlErrorSilencer silence;
  const char* encoding = input.encoding.empty() ? nullptr : input.encoding.c_str();
  const int size = static_cast<int>(input.bytes.size());
  if (kind == ContentKind::kHtml) {
    XmlDocPtr doc(htmlReadMemory(input.bytes.data(), size, nullptr, encoding, kHtmlOptions));
    // The HTML parser recovers from anything; no tree means no content.
    if (doc == nullptr) return std::string();
    return Select(doc.get(), /*html=*/true, xpath);
  }
  XmlParserCtxtPtr parser(xmlNewParserCtxt());
  if (parser == nullptr) return Status::ResourceExhausted("cannot allocate an XML parser");
  XmlDocPtr doc(
      xmlCtxtReadMemory(parser.get(), input.bytes.data(), size, nullptr, encoding, kXmlOptions));
  if (doc == nullptr) {
    return Status::InvalidArgument("malformed XML: " + DescribeXmlError(parser->lastError));
  }
  return Select(doc.get(), /*html=*/false, xpath);
}

}  // namespace freshd::watchers::content
