// Change detection (DESIGN.md 6.1): reduce a document to its normalized text, then hash it.
// Two fetches are "the same" exactly when their normalized texts are byte-equal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "formats/formats.h"
#include "watchers/fetch_error.h"

namespace freshd::watchers {

enum class ContentKind { kHtml, kXml, kJson, kMarkdown, kText };

// From the Content-Type header when it says something, else from the URI's extension;
// unknown types are treated as text.
ContentKind DetectContentKind(std::string_view content_type, std::string_view uri);

struct SelectorSpec {
  enum class Kind { kNone, kXPath, kCss };
  Kind kind = Kind::kNone;
  std::string expression;
  // Documents (PDF, Office, OpenDocument): the pages or slides kept ("1-3,7"; "" all), and a
  // regex the heading path of a kept section must match ("" all).
  std::string pages;
  std::string heading;
};

// Section markers: the normalized text of a paged or sectioned document holds, before each
// section, a line of its own (between blank lines) of kSectionMarker followed by
// `key=value` fields separated by kFieldSeparator: `page` (from 1) and `heading` (the
// heading path, " > "-joined). Chunking (rag/chunking.h) cuts at them and carries them into
// each chunk's metadata. Content text never holds kSectionMarker: it is replaced by a space.
inline constexpr char kSectionMarker = '\x1e';
inline constexpr char kFieldSeparator = '\x1f';

// Compiled once per source and reused for every document of it. Thread-safe to share.
class Normalizer {
 public:
  // InvalidArgument on an invalid regex, XPath or CSS selector. Never holds nullptr.
  static freshd::Result<std::unique_ptr<Normalizer>> Create(
      const SelectorSpec& select, const std::vector<std::string>& ignore_patterns,
      const formats::ExtractLimits& limits = {});
  ~Normalizer();

  struct Result {
    FetchError error = FetchError::kNone;  // kParse on binary data, bad JSON, bad markup
    std::string message;                   // what was wrong, for the log
    std::string text;                      // the normalized text
    std::size_t masked = 0;                // volatile fragments replaced by "<volatile>"
    std::size_t invalid_utf8 = 0;          // ill-formed UTF-8 sequences replaced by U+FFFD
    // Binary data that is no document format freshd reads (an image, an archive): not an
    // error, but no text either; the caller hashes the bytes.
    bool unsupported = false;
    formats::Format format = formats::Format::kText;
    bool truncated = false;  // a document cut at max_pages or the size cap: part is left out
  };

  // Any body: its format from its bytes, Content-Type and URI (formats::DetectFormat); a
  // document format is extracted (formats::Extract, within the limits given to Create) and
  // normalized section by section, with section markers and `select`'s pages and heading
  // applied; other binary data is `unsupported`; text goes to Normalize with the kind
  // DetectContentKind gives. A damaged or encrypted document is a `parse` error, one that
  // unzips past the limits `too_large`.
  Result NormalizeBody(std::string_view body, std::string_view content_type, std::string_view uri,
                       std::string_view charset, const std::vector<std::string>& masks) const;

  // HTML: text of the `select` part (or the whole body), without scripts, styles, nav,
  // header, footer, noscript, template; block elements become line breaks. JSON: canonical
  // (keys sorted, no insignificant whitespace). Markdown and text: as is. Then every match
  // of an ignore pattern is removed, and whitespace is folded (runs of spaces/tabs to one
  // space, blank-line runs to one blank line, lines trimmed).
  // `charset` is from the Content-Type header ("" when absent). A UTF-8 body may hold
  // ill-formed sequences: each is replaced by U+FFFD and counted in `invalid_utf8`, so one
  // bad byte does not cost the whole document; binary data (a NUL byte) is refused.
  Result Normalize(std::string_view body, ContentKind kind, std::string_view charset) const;
  // The same, then every match of each of the document's volatile masks (learned with
  // LearnVolatileMasks, watchers/volatility.h) is replaced by "<volatile>" (ApplyMasks);
  // `masked` counts the replacements. An invalid mask is skipped, never an error.
  Result Normalize(std::string_view body, ContentKind kind, std::string_view charset,
                   const std::vector<std::string>& masks) const;

 private:
  struct Impl;
  Result NormalizeDocument(std::string_view body, formats::Format format,
                           const std::vector<std::string>& masks) const;
  explicit Normalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// XXH3 128-bit hash of the text as 32 lowercase hex digits.
std::string ContentHash(std::string_view text);

}  // namespace freshd::watchers
