#include "watchers/normalize.h"

#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <libxml/encoding.h>
#include <libxml/xpathInternals.h>
#include <xxhash.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_set>
#include <utility>

#include "watchers/content_xml.h"
#include "watchers/volatility.h"

namespace freshd::watchers {
namespace {

using content::AsView;
using content::AsXmlChar;
using content::XmlCharPtr;
using content::XmlDocPtr;
using content::XmlParserCtxtPtr;
using content::XPathCompExprPtr;
using content::XPathContextPtr;
using content::XPathObjectPtr;

constexpr int kHtmlOptions = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                             HTML_PARSE_RECOVER | HTML_PARSE_COMPACT;
// No XML_PARSE_NOENT (entities are never substituted), no DTD loading, no XML_PARSE_HUGE
// (libxml2 keeps its entity amplification and depth limits).
constexpr int kXmlOptions =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

// Per start position of a match attempt: enough for any sane pattern, small enough that a
// pathological one (nested quantifiers) fails fast instead of hanging a worker.
constexpr std::uint32_t kRegexMatchLimit = 1'000'000;
// Deeper JSON would only exist to blow the stack of a recursive serializer.
constexpr int kMaxJsonDepth = 512;
// Bytes of an HTML document searched for <meta charset> (as the HTML standard's prescan).
constexpr std::size_t kCharsetPrescanBytes = 1024;

// ---------------------------------------------------------------------------------------
// Small string helpers.

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view TrimAscii(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

Normalizer::Result ParseFailure(std::string message) {
  Normalizer::Result result;
  result.error = FetchError::kParse;
  result.message = std::move(message);
  return result;
}

// ---------------------------------------------------------------------------------------
// Byte-level checks: binary data and UTF-8 well-formedness.

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos when all is well-formed.
std::size_t FindInvalidUtf8(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (n - i < length) return i;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < low || second > high) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

bool IsControlByte(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B) ||
         c == 0x7F;
}

// A description of why `bytes` look binary (a NUL byte, or more than one byte in ten a
// control character), or nothing when they look like text.
std::optional<std::string> DescribeBinary(std::string_view bytes) {
  const std::size_t nul = bytes.find('\0');
  if (nul != std::string_view::npos) {
    return "binary data: NUL byte at byte offset " + std::to_string(nul);
  }
  std::size_t controls = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (IsControlByte(static_cast<unsigned char>(bytes[i]))) {
      if (controls++ == 0) first = i;
    }
  }
  if (controls > 0 && controls * 10 > bytes.size()) {
    return "binary data: " + std::to_string(controls) + " control bytes in " +
           std::to_string(bytes.size()) + ", the first at byte offset " + std::to_string(first);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------
// Character sets.

// "UTF-8", "utf8", "\"utf-8\"" -> "utf-8"-style lowercase label without quotes.
std::string CleanCharsetLabel(std::string_view label) {
  label = TrimAscii(label);
  if (label.size() >= 2 && (label.front() == '"' || label.front() == '\'') &&
      label.back() == label.front()) {
    label = TrimAscii(label.substr(1, label.size() - 2));
  }
  return AsciiLowered(label);
}

bool IsUtf8Label(std::string_view label) {
  return label.empty() || label == "utf-8" || label == "utf8" || label == "unicode-1-1-utf-8" ||
         label == "us-ascii" || label == "ascii";
}

// Encodings whose text legitimately holds NUL bytes.
bool IsWideLabel(std::string_view label) {
  return label.starts_with("utf-16") || label.starts_with("utf16") || label.starts_with("utf-32") ||
         label.starts_with("utf32") || label.starts_with("ucs-2") || label.starts_with("ucs-4") ||
         label.starts_with("ucs2") || label.starts_with("ucs4");
}

// The decoder name for a label. Web content labelled Latin-1 is Windows-1252 in practice
// (the HTML standard maps the labels so), which only differs in 0x80-0x9F.
std::string DecoderName(const std::string& label) {
  static constexpr std::array<std::string_view, 8> kLatin1Labels = {
      "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819", "iso-ir-100"};
  if (std::find(kLatin1Labels.begin(), kLatin1Labels.end(), label) != kLatin1Labels.end()) {
    return "WINDOWS-1252";
  }
  return label;
}

// Reads a charset name at `pos` (after "charset"): optional spaces, '=', optional quote.
std::string ReadCharsetValue(std::string_view lowered, std::size_t pos) {
  while (pos < lowered.size() && IsAsciiSpace(lowered[pos])) ++pos;
  if (pos >= lowered.size() || lowered[pos] != '=') return "";
  ++pos;
  while (pos < lowered.size() && IsAsciiSpace(lowered[pos])) ++pos;
  if (pos < lowered.size() && (lowered[pos] == '"' || lowered[pos] == '\'')) ++pos;
  std::size_t end = pos;
  while (end < lowered.size()) {
    const char c = lowered[end];
    const bool name_char = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                           c == '_' || c == '.' || c == ':';
    if (!name_char) break;
    ++end;
  }
  return std::string(lowered.substr(pos, end - pos));
}

// The charset declared by a <meta> in the first KiB of an HTML document, or "".
std::string PrescanHtmlCharset(std::string_view body) {
  const std::string lowered = AsciiLowered(body.substr(0, kCharsetPrescanBytes));
  std::size_t pos = 0;
  while ((pos = lowered.find("<meta", pos)) != std::string::npos) {
    const std::size_t tag_end = lowered.find('>', pos);
    const std::string_view tag = std::string_view(lowered).substr(
        pos, tag_end == std::string::npos ? std::string::npos : tag_end - pos);
    const std::size_t charset = tag.find("charset");
    if (charset != std::string_view::npos) {
      std::string value = ReadCharsetValue(tag, charset + 7);
      // A document that can be read as ASCII is not UTF-16, whatever it says.
      if (IsWideLabel(value)) return "utf-8";
      if (!value.empty()) return value;
    }
    pos += 5;
  }
  return "";
}

// The encoding of an XML declaration (<?xml version="1.0" encoding="..."?>), or "".
std::string XmlDeclarationEncoding(std::string_view body) {
  if (body.starts_with(kUtf8Bom)) body.remove_prefix(kUtf8Bom.size());
  if (!body.starts_with("<?xml")) return "";
  const std::size_t end = body.find("?>");
  const std::string declaration = AsciiLowered(body.substr(0, end));
  const std::size_t pos = declaration.find("encoding");
  if (pos == std::string::npos) return "";
  return ReadCharsetValue(declaration, pos + 8);
}

bool HasUtf16Bom(std::string_view body) {
  return body.starts_with("\xFF\xFE") || body.starts_with("\xFE\xFF");
}

// The charset a document is in: the Content-Type header's, else a byte order mark, else
// what the document declares. "" means UTF-8.
std::string EffectiveCharset(std::string_view body, ContentKind kind, std::string_view header) {
  std::string label = CleanCharsetLabel(header);
  if (!label.empty()) return label;
  if (body.starts_with(kUtf8Bom)) return "utf-8";
  if (HasUtf16Bom(body)) return "utf-16";
  if (kind == ContentKind::kHtml) return PrescanHtmlCharset(body);
  if (kind == ContentKind::kXml) return XmlDeclarationEncoding(body);
  return "";
}

class IconvHandle {
 public:
  explicit IconvHandle(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~IconvHandle() {
    if (valid()) iconv_close(cd_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool valid() const { return cd_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return cd_; }

 private:
  iconv_t cd_;
};

// Converts `in` from `charset` to UTF-8 with iconv.
bool TranscodeToUtf8(std::string_view in, const std::string& charset, std::string* out,
                     std::string* message) {
  IconvHandle handle(DecoderName(charset));
  if (!handle.valid()) {
    *message = "unsupported charset \"" + charset + "\"";
    return false;
  }
  out->assign(in.size() * 2 + 16, '\0');
  char* in_ptr = const_cast<char*>(in.data());
  std::size_t in_left = in.size();
  std::size_t written = 0;
  while (true) {
    char* out_ptr = out->data() + written;
    std::size_t out_left = out->size() - written;
    const std::size_t rc = in_left > 0 ? iconv(handle.get(), &in_ptr, &in_left, &out_ptr, &out_left)
                                       : iconv(handle.get(), nullptr, nullptr, &out_ptr, &out_left);
    written = out->size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) {
      if (in_left == 0) break;
      continue;
    }
    if (errno == E2BIG) {
      out->resize(out->size() * 2);
      continue;
    }
    *message =
        "cannot decode as " + charset + " at byte offset " + std::to_string(in.size() - in_left);
    return false;
  }
  out->resize(written);
  return true;
}

// Returns true when libxml2 has a decoder for `name` (its own or through iconv).
bool LibxmlKnowsEncoding(const std::string& name) {
  xmlCharEncodingHandler* handler = xmlFindCharEncodingHandler(name.c_str());
  if (handler == nullptr) return false;
  xmlCharEncCloseFunc(handler);
  return true;
}

// What the parsers get: for HTML and XML the raw bytes plus the name of their encoding
// ("" lets libxml2 detect it from a byte order mark); for the text kinds, UTF-8 text.
struct PreparedInput {
  std::string_view bytes;
  std::string encoding;
  std::string transcoded;  // owns `bytes` when the input had to be converted
};

bool IsMarkup(ContentKind kind) { return kind == ContentKind::kHtml || kind == ContentKind::kXml; }

// Rejects binary data and malformed UTF-8, and decides how the body is to be decoded.
bool PrepareInput(std::string_view body, ContentKind kind, std::string_view header_charset,
                  PreparedInput* input, std::string* message) {
  const std::string label = EffectiveCharset(body, kind, header_charset);
  if (!IsWideLabel(label)) {
    if (auto binary = DescribeBinary(body)) {
      *message = std::move(*binary);
      return false;
    }
  }
  if (IsUtf8Label(label)) {
    const std::size_t bad = FindInvalidUtf8(body);
    if (bad != std::string_view::npos) {
      *message = "invalid UTF-8 at byte offset " + std::to_string(bad);
      return false;
    }
    if (!IsMarkup(kind) && body.starts_with(kUtf8Bom)) body.remove_prefix(kUtf8Bom.size());
    input->bytes = body;
    input->encoding = "UTF-8";
    return true;
  }
  if (IsMarkup(kind)) {
    input->bytes = body;
    if (IsWideLabel(label) && (label == "utf-16" || label == "utf16") && HasUtf16Bom(body)) {
      return true;  // libxml2 reads the byte order mark itself
    }
    input->encoding = DecoderName(label);
    if (!LibxmlKnowsEncoding(input->encoding)) {
      *message = "unsupported charset \"" + label + "\"";
      return false;
    }
    return true;
  }
  if (!TranscodeToUtf8(body, label, &input->transcoded, message)) return false;
  if (auto binary = DescribeBinary(input->transcoded)) {
    *message = std::move(*binary) + " (after decoding from " + label + ")";
    return false;
  }
  std::string_view text = input->transcoded;
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  input->bytes = text;
  input->encoding = "UTF-8";
  return true;
}

// ---------------------------------------------------------------------------------------
// CSS selectors, compiled to XPath 1.0. The subset: type selectors and `*`, `.class`,
// `#id`, `[attr]`, `[attr=v]` (also ~= ^= $= *= |=), the descendant (space) and child (>)
// combinators, and selector lists with commas.

class CssCompiler {
 public:
  explicit CssCompiler(std::string_view css) : css_(css) {}

  bool Compile(std::string* xpath, std::string* error) {
    SkipSpaces();
    if (AtEnd()) return Fail("empty CSS selector", error);
    std::string out;
    while (true) {
      std::string selector;
      if (!CompileSelector(&selector, error)) return false;
      if (!out.empty()) out += " | ";
      out += selector;
      SkipSpaces();
      if (AtEnd()) break;
      if (Peek() != ',') return Unexpected(error);
      ++pos_;
      SkipSpaces();
    }
    *xpath = std::move(out);
    return true;
  }

 private:
  bool AtEnd() const { return pos_ >= css_.size(); }
  char Peek() const { return css_[pos_]; }
  void SkipSpaces() {
    while (!AtEnd() && IsAsciiSpace(Peek())) ++pos_;
  }
  bool Fail(std::string message, std::string* error) const {
    SetError(error, "invalid CSS selector \"" + std::string(css_) + "\": " + message);
    return false;
  }
  bool Unexpected(std::string* error) const {
    if (AtEnd()) return Fail("unexpected end", error);
    return Fail(
        std::string("unsupported or unexpected '") + Peek() + "' at offset " + std::to_string(pos_),
        error);
  }

  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || static_cast<unsigned char>(c) >= 0x80;
  }

  bool ReadName(std::string* name, std::string* error) {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    if (pos_ == start) return Unexpected(error);
    const char first = css_[start];
    if ((first >= '0' && first <= '9') ||
        (first == '-' && pos_ - start > 1 && css_[start + 1] >= '0' && css_[start + 1] <= '9')) {
      pos_ = start;
      return Fail("a name cannot start with a digit (offset " + std::to_string(start) + ")", error);
    }
    *name = std::string(css_.substr(start, pos_ - start));
    return true;
  }

  // An XPath string literal for `value`; XPath 1.0 has no escapes, so a value holding both
  // quote characters is refused.
  bool Literal(const std::string& value, std::string* literal, std::string* error) const {
    if (value.find('\'') == std::string::npos) {
      *literal = "'" + value + "'";
    } else if (value.find('"') == std::string::npos) {
      *literal = "\"" + value + "\"";
    } else {
      return Fail("a value cannot hold both quote characters", error);
    }
    return true;
  }

  bool CompileSelector(std::string* xpath, std::string* error) {
    std::string step;
    if (!CompileCompound(&step, error)) return false;
    *xpath = "//" + step;
    while (true) {
      const std::size_t before = pos_;
      SkipSpaces();
      if (AtEnd() || Peek() == ',') return true;
      std::string axis = "//";
      if (Peek() == '>') {
        axis = "/";
        ++pos_;
        SkipSpaces();
      } else if (pos_ == before) {
        return Unexpected(error);  // two compounds must be separated by a combinator
      }
      if (!CompileCompound(&step, error)) return false;
      *xpath += axis + step;
    }
  }

  bool CompileCompound(std::string* step, std::string* error) {
    std::string element = "*";
    bool any = false;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;
      any = true;
    } else if (!AtEnd() && IsNameChar(Peek())) {
      if (!ReadName(&element, error)) return false;
      element = AsciiLowered(element);  // the HTML parser lowercases element names
      any = true;
    }
    std::string predicates;
    while (!AtEnd() && (Peek() == '.' || Peek() == '#' || Peek() == '[')) {
      std::string predicate;
      if (!CompilePredicate(&predicate, error)) return false;
      predicates += "[" + predicate + "]";
      any = true;
    }
    if (!any) return Unexpected(error);
    *step = element + predicates;
    return true;
  }

  bool CompilePredicate(std::string* predicate, std::string* error) {
    const char kind = css_[pos_++];
    if (kind == '[') return CompileAttribute(predicate, error);
    std::string name;
    std::string literal;
    if (!ReadName(&name, error) || !Literal(name, &literal, error)) return false;
    if (kind == '#') {
      *predicate = "@id=" + literal;
    } else {
      std::string padded;
      Literal(" " + name + " ", &padded, error);
      *predicate = "contains(concat(' ',normalize-space(@class),' ')," + padded + ")";
    }
    return true;
  }

  bool ReadAttributeValue(std::string* value, std::string* error) {
    if (AtEnd()) return Unexpected(error);
    const char quote = Peek();
    if (quote == '"' || quote == '\'') {
      const std::size_t end = css_.find(quote, pos_ + 1);
      if (end == std::string_view::npos) return Fail("unterminated string", error);
      *value = std::string(css_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return true;
    }
    return ReadName(value, error);
  }

  bool CompileAttribute(std::string* predicate, std::string* error) {
    SkipSpaces();
    std::string name;
    if (!ReadName(&name, error)) return false;
    const std::string attribute = "@" + AsciiLowered(name);
    SkipSpaces();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      *predicate = attribute;
      return true;
    }
    std::string op;
    if (!AtEnd() && std::string_view("~^$*|").find(Peek()) != std::string_view::npos) {
      op += css_[pos_++];
    }
    if (AtEnd() || Peek() != '=') return Unexpected(error);
    ++pos_;
    SkipSpaces();
    std::string value;
    std::string literal;
    if (!ReadAttributeValue(&value, error) || !Literal(value, &literal, error)) return false;
    SkipSpaces();
    if (AtEnd() || Peek() != ']') return Unexpected(error);
    ++pos_;
    *predicate = AttributeTest(attribute, op, value, literal, error);
    return !predicate->empty();
  }

  std::string AttributeTest(const std::string& attribute, const std::string& op,
                            const std::string& value, const std::string& literal,
                            std::string* error) const {
    if (op.empty()) return attribute + "=" + literal;
    if (op == "^") return "starts-with(" + attribute + "," + literal + ")";
    if (op == "*") return "contains(" + attribute + "," + literal + ")";
    if (op == "$") {
      return "substring(" + attribute + ",string-length(" + attribute + ")-string-length(" +
             literal + ")+1)=" + literal;
    }
    std::string padded;
    if (op == "~") {
      if (!Literal(" " + value + " ", &padded, error)) return "";
      return "contains(concat(' ',normalize-space(" + attribute + "),' ')," + padded + ")";
    }
    if (!Literal(value + "-", &padded, error)) return "";  // op == "|"
    return "(" + attribute + "=" + literal + " or starts-with(" + attribute + "," + padded + "))";
  }

  std::string_view css_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
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

// ---------------------------------------------------------------------------------------
// Whitespace folding.

// Byte length of a Unicode space separator other than U+0020 at s[i] (no-break space, the
// U+2000 block, ideographic space...), or 0.
std::size_t UnicodeSpaceLength(std::string_view s, std::size_t i) {
  const auto at = [&](std::size_t k) {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned char c = at(0);
  if (c == 0xC2 && at(1) == 0xA0) return 2;                   // U+00A0
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && at(1) == 0x80 && ((at(2) >= 0x80 && at(2) <= 0x8A) || at(2) == 0xAF)) {
    return 3;  // U+2000-U+200A, U+202F
  }
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;  // U+3000
  return 0;
}

// Runs of spaces and tabs (and Unicode spaces) become one space, lines are trimmed, runs of
// blank lines become one blank line, and the text is trimmed. CR and CRLF count as LF.
std::string FoldWhitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::string line;
  bool pending_space = false;
  bool pending_blank = false;
  const auto end_line = [&] {
    if (line.empty()) {
      pending_blank = !out.empty();
    } else {
      if (!out.empty()) out += pending_blank ? "\n\n" : "\n";
      out += line;
      pending_blank = false;
    }
    line.clear();
    pending_space = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      end_line();
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
      pending_space = true;
      continue;
    }
    if (const std::size_t length = UnicodeSpaceLength(text, i); length > 0) {
      pending_space = true;
      i += length - 1;
      continue;
    }
    if (pending_space && !line.empty()) line += ' ';
    pending_space = false;
    line += c;
  }
  end_line();
  return out;
}

// ---------------------------------------------------------------------------------------
// JSON.

// The deepest nesting of arrays and objects, or the offset where it first exceeds `limit`.
std::optional<std::size_t> FindExcessiveNesting(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return i;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return std::nullopt;
}

// Records where a JSON parse failed, without building anything (and without exceptions).
class JsonErrorLocator : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& error) override {
    message_ = error.what();
    position_ = position;
    return false;
  }

  std::string Describe() const {
    if (message_.empty()) return "malformed JSON";
    return "malformed JSON near byte offset " + std::to_string(position_ > 0 ? position_ - 1 : 0) +
           ": " + message_;
  }

 private:
  std::string message_;
  std::size_t position_ = 0;
};

bool CanonicalJson(std::string_view text, std::string* out, std::string* message) {
  if (auto offset = FindExcessiveNesting(text, kMaxJsonDepth)) {
    *message = "JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
               " levels at byte offset " + std::to_string(*offset);
    return false;
  }
  nlohmann::json value =
      nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    JsonErrorLocator locator;
    nlohmann::json::sax_parse(text.begin(), text.end(), &locator,
                              nlohmann::json::input_format_t::json, /*strict=*/true);
    *message = locator.Describe();
    return false;
  }
  // Objects are std::map: keys come out sorted. No indentation, no spaces.
  *out = value.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
  return true;
}

// ---------------------------------------------------------------------------------------
// Regular expressions.

struct Pcre2CodeFree {
  void operator()(pcre2_code* code) const noexcept { pcre2_code_free(code); }
};
struct Pcre2MatchDataFree {
  void operator()(pcre2_match_data* data) const noexcept { pcre2_match_data_free(data); }
};
struct Pcre2MatchContextFree {
  void operator()(pcre2_match_context* context) const noexcept {
    pcre2_match_context_free(context);
  }
};
using Pcre2CodePtr = std::unique_ptr<pcre2_code, Pcre2CodeFree>;
using Pcre2MatchDataPtr = std::unique_ptr<pcre2_match_data, Pcre2MatchDataFree>;
using Pcre2MatchContextPtr = std::unique_ptr<pcre2_match_context, Pcre2MatchContextFree>;

std::string Pcre2ErrorMessage(int code) {
  std::array<PCRE2_UCHAR, 256> buffer{};
  if (pcre2_get_error_message(code, buffer.data(), buffer.size()) < 0) {
    return "error " + std::to_string(code);
  }
  return reinterpret_cast<const char*>(buffer.data());
}

// ---------------------------------------------------------------------------------------
// XPath.

// The function library of XPath 1.0, all that libxml2 knows without a namespace.
// clang-format off
constexpr std::array<std::string_view, 27> kXPathCoreFunctions = {
    "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
    "starts-with", "contains", "substring-before", "substring-after", "substring",
    "string-length", "normalize-space", "translate", "boolean", "not", "true", "false", "lang",
    "number", "sum", "floor", "ceiling", "round"};
// clang-format on

// libxml2 resolves function names, namespace prefixes and variables only when evaluation
// reaches them, so a typo inside a predicate would surface as a failed check much later.
// This scanner follows the lexical rules of XPath 1.0 (section 3.7) far enough to find
// function calls, prefixes and variables, and reports the ones no evaluation can resolve.
class XPathNameChecker {
 public:
  explicit XPathNameChecker(std::string_view xpath) : xpath_(xpath) {}

  // A description of the first unresolvable name, or nothing.
  std::optional<std::string> FindProblem() {
    while (true) {
      SkipSpaces();
      if (AtEnd()) return std::nullopt;
      if (auto problem = NextToken()) return problem;
    }
  }

 private:
  static bool IsNameStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  }
  static bool IsNameChar(char c) {
    return IsNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
  }
  static bool IsCoreFunction(std::string_view name) {
    return std::find(kXPathCoreFunctions.begin(), kXPathCoreFunctions.end(), name) !=
           kXPathCoreFunctions.end();
  }
  static bool IsNodeType(std::string_view name) {
    return name == "node" || name == "text" || name == "comment" ||
           name == "processing-instruction";
  }

  bool AtEnd() const { return pos_ >= xpath_.size(); }
  char At(std::size_t offset) const {
    return pos_ + offset < xpath_.size() ? xpath_[pos_ + offset] : '\0';
  }
  void SkipSpaces() {
    while (!AtEnd() && IsAsciiSpace(xpath_[pos_])) ++pos_;
  }
  std::string_view ReadNcName() {
    const std::size_t start = pos_;
    while (!AtEnd() && IsNameChar(xpath_[pos_])) ++pos_;
    return xpath_.substr(start, pos_ - start);
  }

  std::optional<std::string> NextToken() {
    const char c = At(0);
    if (c == '"' || c == '\'') {
      const std::size_t end = xpath_.find(c, pos_ + 1);
      pos_ = end == std::string_view::npos ? xpath_.size() : end + 1;
      operand_expected_ = false;
    } else if ((c >= '0' && c <= '9') || (c == '.' && At(1) >= '0' && At(1) <= '9')) {
      while (!AtEnd() && ((At(0) >= '0' && At(0) <= '9') || At(0) == '.')) ++pos_;
      operand_expected_ = false;
    } else if (c == '.') {
      pos_ += At(1) == '.' ? 2 : 1;
      operand_expected_ = false;
    } else if (c == '$') {
      ++pos_;
      return "variables are not supported ($" + std::string(ReadNcName()) + ")";
    } else if (c == ')' || c == ']') {
      ++pos_;
      operand_expected_ = false;
    } else if (c == '*') {
      ++pos_;
      operand_expected_ = !operand_expected_;  // a name test, or the multiply operator
    } else if (IsNameStart(c)) {
      return Name();
    } else {
      // ( [ , @ :: / // | + - = != < <= > >= : all followed by an operand.
      pos_ += (c == ':' && At(1) == ':') || (c == '/' && At(1) == '/') ||
                      ((c == '!' || c == '<' || c == '>') && At(1) == '=')
                  ? 2
                  : 1;
      operand_expected_ = true;
    }
    return std::nullopt;
  }

  std::optional<std::string> Name() {
    const std::string_view name = ReadNcName();
    if (!operand_expected_) {  // an operator name: and, or, div, mod
      operand_expected_ = true;
      return std::nullopt;
    }
    std::string_view prefix;
    std::string_view local = name;
    if (At(0) == ':' && At(1) != ':') {
      ++pos_;
      prefix = name;
      if (At(0) == '*') {
        ++pos_;
        local = "*";
      } else {
        local = ReadNcName();
      }
    }
    const std::size_t after_name = pos_;
    SkipSpaces();
    const bool call = At(0) == '(';
    const bool axis = At(0) == ':' && At(1) == ':';
    pos_ = after_name;
    operand_expected_ = axis;
    if (!prefix.empty() && prefix != "xml") {
      return "unbound namespace prefix \"" + std::string(prefix) + "\"";
    }
    if (call && !IsNodeType(local) && (!prefix.empty() || !IsCoreFunction(local))) {
      const std::string full =
          prefix.empty() ? std::string(local) : std::string(prefix) + ":" + std::string(local);
      return "unknown function \"" + full + "()\"";
    }
    return std::nullopt;
  }

  std::string_view xpath_;
  std::size_t pos_ = 0;
  bool operand_expected_ = true;
};

// Compiles `xpath` and evaluates it once on a tiny document, so that syntax errors, unknown
// functions and unbound prefixes are reported when the configuration is loaded.
bool ValidateXPath(const std::string& xpath, std::string* error) {
  const auto fail = [&](const std::string& why) {
    SetError(error, "invalid XPath \"" + xpath + "\": " + why);
    return false;
  };
  if (TrimAscii(xpath).empty()) return fail("empty");
  if (xpath.find('\0') != std::string::npos) return fail("NUL character");
  if (auto problem = XPathNameChecker(xpath).FindProblem()) return fail(*problem);
  content::ScopedXmlErrorSilencer silence;
  static constexpr std::string_view kProbe = "<html><body><p class='x'>x</p></body></html>";
  XmlDocPtr probe(
      xmlReadMemory(kProbe.data(), static_cast<int>(kProbe.size()), nullptr, "UTF-8", kXmlOptions));
  XPathContextPtr context(xmlXPathNewContext(probe.get()));
  if (probe == nullptr || context == nullptr) return fail("cannot set up an XPath context");
  xmlResetLastError();
  XPathCompExprPtr compiled(xmlXPathCtxtCompile(context.get(), AsXmlChar(xpath)));
  XPathObjectPtr result;
  if (compiled != nullptr) result.reset(xmlXPathCompiledEval(compiled.get(), context.get()));
  if (result == nullptr) return fail(content::DescribeLastXPathError());
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------

struct Normalizer::Impl {
  std::string xpath;  // "" selects the whole document
  std::vector<Pcre2CodePtr> patterns;
  std::vector<std::string> pattern_sources;
  Pcre2MatchContextPtr match_context;

  bool InitSelector(const SelectorSpec& select, std::string* error);
  bool InitPatterns(const std::vector<std::string>& sources, std::string* error);

  bool Extract(std::string_view body, ContentKind kind, std::string_view charset, std::string* text,
               Result* result) const;
  bool ExtractMarkup(const PreparedInput& input, ContentKind kind, std::string* text,
                     Result* result) const;
  bool Select(xmlDoc* doc, bool html, std::string* text, Result* result) const;
  bool RemoveIgnored(std::string* text, Result* result) const;
};

bool Normalizer::Impl::InitSelector(const SelectorSpec& select, std::string* error) {
  switch (select.kind) {
    case SelectorSpec::Kind::kNone:
      return true;
    case SelectorSpec::Kind::kXPath:
      xpath = select.expression;
      break;
    case SelectorSpec::Kind::kCss:
      if (!CssCompiler(select.expression).Compile(&xpath, error)) return false;
      break;
  }
  return ValidateXPath(xpath, error);
}

bool Normalizer::Impl::InitPatterns(const std::vector<std::string>& sources, std::string* error) {
  match_context.reset(pcre2_match_context_create(nullptr));
  if (match_context == nullptr) {
    SetError(error, "cannot allocate a PCRE2 match context");
    return false;
  }
  pcre2_set_match_limit(match_context.get(), kRegexMatchLimit);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    int code = 0;
    PCRE2_SIZE offset = 0;
    Pcre2CodePtr compiled(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(sources[i].data()),
                                        sources[i].size(), PCRE2_UTF | PCRE2_MULTILINE, &code,
                                        &offset, nullptr));
    if (compiled == nullptr) {
      SetError(error, "invalid ignore pattern \"" + sources[i] + "\": " + Pcre2ErrorMessage(code) +
                          " at offset " + std::to_string(offset));
      return false;
    }
    pcre2_jit_compile(compiled.get(), PCRE2_JIT_COMPLETE);  // the interpreter if it fails
    patterns.push_back(std::move(compiled));
    pattern_sources.push_back(sources[i]);
  }
  return true;
}

bool Normalizer::Impl::Extract(std::string_view body, ContentKind kind, std::string_view charset,
                               std::string* text, Result* result) const {
  PreparedInput input;
  if (!PrepareInput(body, kind, charset, &input, &result->message)) {
    result->error = FetchError::kParse;
    return false;
  }
  switch (kind) {
    case ContentKind::kHtml:
    case ContentKind::kXml:
      return ExtractMarkup(input, kind, text, result);
    case ContentKind::kJson:
      if (CanonicalJson(input.bytes, text, &result->message)) return true;
      result->error = FetchError::kParse;
      return false;
    case ContentKind::kMarkdown:
    case ContentKind::kText:
      text->assign(input.bytes);
      return true;
  }
  return true;
}

bool Normalizer::Impl::ExtractMarkup(const PreparedInput& input, ContentKind kind,
                                     std::string* text, Result* result) const {
  if (input.bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    *result = ParseFailure("document too large for the parser");
    return false;
  }
  if (TrimAscii(input.bytes).empty()) return true;  // nothing to parse: empty text
  content::ScopedXmlErrorSilencer silence;
  const char* encoding = input.encoding.empty() ? nullptr : input.encoding.c_str();
  const int size = static_cast<int>(input.bytes.size());
  if (kind == ContentKind::kHtml) {
    XmlDocPtr doc(htmlReadMemory(input.bytes.data(), size, nullptr, encoding, kHtmlOptions));
    // The HTML parser recovers from anything; no tree means no content.
    return doc == nullptr || Select(doc.get(), /*html=*/true, text, result);
  }
  XmlParserCtxtPtr parser(xmlNewParserCtxt());
  if (parser == nullptr) {
    *result = ParseFailure("cannot allocate an XML parser");
    return false;
  }
  XmlDocPtr doc(
      xmlCtxtReadMemory(parser.get(), input.bytes.data(), size, nullptr, encoding, kXmlOptions));
  if (doc == nullptr) {
    *result = ParseFailure("malformed XML: " + content::DescribeXmlError(parser->lastError));
    return false;
  }
  return Select(doc.get(), /*html=*/false, text, result);
}

bool Normalizer::Impl::Select(xmlDoc* doc, bool html, std::string* text, Result* result) const {
  TextExtractor extractor(html);
  if (xpath.empty()) {
    if (xmlNode* root = xmlDocGetRootElement(doc)) extractor.Append(root);
    *text = extractor.Take();
    return true;
  }
  XPathContextPtr context(xmlXPathNewContext(doc));
  if (context == nullptr) {
    *result = ParseFailure("cannot allocate an XPath context");
    return false;
  }
  xmlResetLastError();
  XPathObjectPtr selected(xmlXPathEvalExpression(AsXmlChar(xpath), context.get()));
  if (selected == nullptr) {
    *result = ParseFailure("XPath \"" + xpath + "\" failed: " + content::DescribeLastXPathError());
    return false;
  }
  if (selected->type != XPATH_NODESET) {  // string(...), count(...): the value itself
    XmlCharPtr value(xmlXPathCastToString(selected.get()));
    *text = std::string(AsView(value.get()));
    return true;
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
  *text = extractor.Take();
  return true;
}

bool Normalizer::Impl::RemoveIgnored(std::string* text, Result* result) const {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    const pcre2_code* code = patterns[i].get();
    Pcre2MatchDataPtr match_data(pcre2_match_data_create_from_pattern(code, nullptr));
    if (match_data == nullptr) {
      *result = ParseFailure("cannot allocate PCRE2 match data");
      return false;
    }
    std::string out(text->size() + 1, '\0');  // removing never makes the text longer
    const auto substitute = [&](std::uint32_t options) {
      PCRE2_SIZE length = out.size();
      const int rc = pcre2_substitute(
          code, reinterpret_cast<PCRE2_SPTR>(text->data()), text->size(), 0,
          PCRE2_SUBSTITUTE_GLOBAL | options, match_data.get(), match_context.get(),
          reinterpret_cast<PCRE2_SPTR>(""), 0, reinterpret_cast<PCRE2_UCHAR*>(out.data()), &length);
      if (rc >= 0) out.resize(length);
      return rc;
    };
    int rc = substitute(0);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) rc = substitute(PCRE2_NO_JIT);
    if (rc < 0) {
      *result = ParseFailure("ignore pattern \"" + pattern_sources[i] +
                             "\" failed: " + Pcre2ErrorMessage(rc));
      return false;
    }
    *text = std::move(out);
  }
  return true;
}

Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Normalizer::~Normalizer() = default;

std::unique_ptr<Normalizer> Normalizer::Create(const SelectorSpec& select,
                                               const std::vector<std::string>& ignore_patterns,
                                               std::string* error) {
  try {
    content::EnsureXmlInitialized();
    auto impl = std::make_unique<Impl>();
    if (!impl->InitSelector(select, error) || !impl->InitPatterns(ignore_patterns, error)) {
      return nullptr;
    }
    return std::unique_ptr<Normalizer>(new Normalizer(std::move(impl)));
  } catch (const std::exception& e) {
    SetError(error, std::string("cannot build the normalizer: ") + e.what());
    return nullptr;
  }
}

// Extraction, then folding, then the ignore patterns (which so see single spaces and
// trimmed lines, as the user reads the text), then folding again around what they removed.
Normalizer::Result Normalizer::Normalize(std::string_view body, ContentKind kind,
                                         std::string_view charset) const {
  return Normalize(body, kind, charset, {});
}

// ... and last the volatile masks, on the text as LearnVolatileMasks saw it.
Normalizer::Result Normalizer::Normalize(std::string_view body, ContentKind kind,
                                         std::string_view charset,
                                         const std::vector<std::string>& masks) const {
  try {
    Result result;
    std::string text;
    if (!impl_->Extract(body, kind, charset, &text, &result)) return result;
    text = FoldWhitespace(text);
    if (!impl_->RemoveIgnored(&text, &result)) return result;
    if (!impl_->patterns.empty()) text = FoldWhitespace(text);
    result.text = masks.empty() ? std::move(text) : ApplyMasks(text, masks, &result.masked);
    return result;
  } catch (const std::exception& e) {
    Result result;
    result.error = FetchError::kIo;
    result.message = std::string("normalization failed: ") + e.what();
    return result;
  }
}

namespace {

// "text/html; charset=utf-8" -> "text/html".
std::string MediaType(std::string_view content_type) {
  return AsciiLowered(TrimAscii(content_type.substr(0, content_type.find(';'))));
}

// The extension of the last path segment of a URI, lowercase, without the dot.
std::string UriExtension(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));
  const std::size_t slash = uri.rfind('/');
  if (slash != std::string_view::npos) uri.remove_prefix(slash + 1);
  const std::size_t dot = uri.rfind('.');
  if (dot == std::string_view::npos) return "";
  return AsciiLowered(uri.substr(dot + 1));
}

ContentKind KindFromExtension(std::string_view uri) {
  const std::string extension = UriExtension(uri);
  if (extension == "html" || extension == "htm" || extension == "xhtml") return ContentKind::kHtml;
  if (extension == "md" || extension == "markdown") return ContentKind::kMarkdown;
  if (extension == "json") return ContentKind::kJson;
  if (extension == "xml" || extension == "rss" || extension == "atom") return ContentKind::kXml;
  return ContentKind::kText;
}

}  // namespace

ContentKind DetectContentKind(std::string_view content_type, std::string_view uri) {
  const std::string type = MediaType(content_type);
  if (type == "text/html" || type == "application/xhtml+xml") return ContentKind::kHtml;
  if (type == "application/json" || type.ends_with("+json")) return ContentKind::kJson;
  if (type == "text/markdown" || type == "text/x-markdown") return ContentKind::kMarkdown;
  if (type == "application/xml" || type == "text/xml" || type.ends_with("+xml")) {
    return ContentKind::kXml;
  }
  if (type.empty() || type == "application/octet-stream") return KindFromExtension(uri);
  return ContentKind::kText;
}

std::string ContentHash(std::string_view text) {
  const XXH128_hash_t hash = XXH3_128bits(text.data(), text.size());
  std::array<char, 33> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx%016llx",
                static_cast<unsigned long long>(hash.high64),
                static_cast<unsigned long long>(hash.low64));
  return std::string(hex.data(), 32);
}

}  // namespace freshd::watchers
