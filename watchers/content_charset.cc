// Charset detection and conversion to UTF-8, UTF-8 repair and binary-data checks.
#include "watchers/content_charset.h"

#include <iconv.h>
#include <libxml/encoding.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <utility>

#include "watchers/content_text.h"

namespace freshd::watchers::content {
namespace {

// Bytes of an HTML document searched for <meta charset> (as the HTML standard's prescan).
constexpr std::size_t kCharsetPrescanBytes = 1024;

// Byte-level checks: binary data, and UTF-8 well-formedness and repair.

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

// The UTF-8 sequence that starts at s[i]: its length when it is well-formed (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), else the length of its maximal
// subpart, the bytes that one U+FFFD replaces (Unicode 3.9, as WHATWG's decoder does).
struct Utf8Sequence {
  std::size_t length;
  bool valid;
};

Utf8Sequence NextUtf8Sequence(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return {1, true};
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
    return {1, false};
  }
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) return {k, false};
    const auto next = static_cast<unsigned char>(s[i + k]);
    if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return {k, false};
  }
  return {length, true};
}

bool IsValidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Sequence sequence = NextUtf8Sequence(s, i);
    if (!sequence.valid) return false;
    i += sequence.length;
  }
  return true;
}

// `s` with each maximal subpart of an ill-formed sequence replaced by U+FFFD, in *out;
// returns the number of replacements.
std::size_t ReplaceInvalidUtf8(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size() + 16);
  std::size_t replaced = 0;
  for (std::size_t i = 0; i < s.size();) {
    const Utf8Sequence sequence = NextUtf8Sequence(s, i);
    if (sequence.valid) {
      out->append(s.substr(i, sequence.length));
    } else {
      out->append(kReplacementCharacter);
      ++replaced;
    }
    i += sequence.length;
  }
  return replaced;
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
Result<std::string> TranscodeToUtf8(std::string_view in, const std::string& charset) {
  IconvHandle handle(DecoderName(charset));
  if (!handle.valid()) return Status::InvalidArgument("unsupported charset \"" + charset + "\"");
  std::string decoded;
  std::string* out = &decoded;
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
    return Status::InvalidArgument("cannot decode as " + charset + " at byte offset " +
                                   std::to_string(in.size() - in_left));
  }
  out->resize(written);
  return decoded;
}

// Returns true when libxml2 has a decoder for `name` (its own or through iconv).
bool LibxmlKnowsEncoding(const std::string& name) {
  xmlCharEncodingHandler* handler = xmlFindCharEncodingHandler(name.c_str());
  if (handler == nullptr) return false;
  xmlCharEncCloseFunc(handler);
  return true;
}

bool IsMarkup(ContentKind kind) { return kind == ContentKind::kHtml || kind == ContentKind::kXml; }

}  // namespace

Status PrepareInput(std::string_view body, ContentKind kind, std::string_view header_charset,
                    PreparedInput* input) {
  const std::string label = EffectiveCharset(body, kind, header_charset);
  if (!IsWideLabel(label)) {
    if (auto binary = DescribeBinary(body)) return Status::InvalidArgument(std::move(*binary));
  }
  if (IsUtf8Label(label)) {
    if (!IsValidUtf8(body)) {
      input->replaced = ReplaceInvalidUtf8(body, &input->transcoded);
      body = input->transcoded;
    }
    if (!IsMarkup(kind) && body.starts_with(kUtf8Bom)) body.remove_prefix(kUtf8Bom.size());
    input->bytes = body;
    input->encoding = "UTF-8";
    return Status::OK();
  }
  if (IsMarkup(kind)) {
    input->bytes = body;
    if (IsWideLabel(label) && (label == "utf-16" || label == "utf16") && HasUtf16Bom(body)) {
      return Status::OK();  // libxml2 reads the byte order mark itself
    }
    input->encoding = DecoderName(label);
    if (!LibxmlKnowsEncoding(input->encoding)) {
      return Status::InvalidArgument("unsupported charset \"" + label + "\"");
    }
    return Status::OK();
  }
  Result<std::string> decoded = TranscodeToUtf8(body, label);
  if (!decoded.ok()) return decoded.status();
  input->transcoded = std::move(decoded).value();
  if (auto binary = DescribeBinary(input->transcoded)) {
    return Status::InvalidArgument(std::move(*binary) + " (after decoding from " + label + ")");
  }
  std::string_view text = input->transcoded;
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  input->bytes = text;
  input->encoding = "UTF-8";
  return Status::OK();
}

}  // namespace freshd::watchers::content
