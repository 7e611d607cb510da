// Normalizer orchestration (decode, extract, fold, ignore, mask), DetectContentKind, ContentHash.
#include "watchers/normalize.h"

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <utility>

#include "watchers/content_charset.h"
#include "watchers/content_css.h"
#include "watchers/content_html.h"
#include "watchers/content_text.h"
#include "watchers/content_xml.h"
#include "watchers/content_xpath.h"
#include "watchers/normalize_impl.h"
#include "watchers/volatility.h"

namespace freshd::watchers {
namespace {

using content::AsciiLowered;
using content::TrimAscii;

Normalizer::Result ParseFailure(std::string message) {
  Normalizer::Result result;
  result.error = FetchError::kParse;
  result.message = std::move(message);
  return result;
}

}  // namespace

// ---------------------------------------------------------------------------------------

Status Normalizer::Impl::InitSelector(const SelectorSpec& select) {
  if (!select.pages.empty()) {
    freshd::Result<std::vector<formats::PageRange>> ranges = formats::ParsePageRanges(select.pages);
    if (!ranges.ok()) return ranges.status();
    pages = std::move(ranges).value();
  }
  if (!select.heading.empty()) {
    freshd::Result<std::unique_ptr<UrlFilter>> compiled = UrlFilter::Create(select.heading);
    if (!compiled.ok()) return compiled.status();
    heading = std::move(compiled).value();
  }
  switch (select.kind) {
    case SelectorSpec::Kind::kNone:
      return Status::OK();
    case SelectorSpec::Kind::kXPath:
      xpath = select.expression;
      break;
    case SelectorSpec::Kind::kCss: {
      freshd::Result<std::string> compiled = content::CompileCssToXPath(select.expression);
      if (!compiled.ok()) return compiled.status();
      xpath = std::move(compiled).value();
      break;
    }
  }
  return content::ValidateXPath(xpath);
}

bool Normalizer::Impl::Extract(std::string_view body, ContentKind kind, std::string_view charset,
                               std::string* text, Result* result) const {
  content::PreparedInput input;
  if (const Status prepared = content::PrepareInput(body, kind, charset, &input); !prepared.ok()) {
    result->error = FetchError::kParse;
    result->message = prepared.message();
    return false;
  }
  result->invalid_utf8 = input.replaced;
  switch (kind) {
    case ContentKind::kHtml:
    case ContentKind::kXml: {
      freshd::Result<std::string> extracted = content::ExtractMarkupText(input, kind, xpath);
      if (extracted.ok()) {
        *text = std::move(extracted).value();
        return true;
      }
      *result = ParseFailure(extracted.status().message());
      return false;
    }
    case ContentKind::kJson: {
      freshd::Result<std::string> canonical = content::CanonicalJson(input.bytes);
      if (canonical.ok()) {
        *text = std::move(canonical).value();
        return true;
      }
      result->error = FetchError::kParse;
      result->message = canonical.status().message();
      return false;
    }
    case ContentKind::kMarkdown:
    case ContentKind::kText:
      text->assign(input.bytes);
      return true;
  }
  return true;
}

bool Normalizer::Impl::RemoveIgnored(std::string* text, Result* result) const {
  const Status removed = ignore.Remove(text);
  if (removed.ok()) return true;
  *result = ParseFailure(removed.message());
  return false;
}

// Folding, then the ignore patterns (which so see single spaces and trimmed lines, as the
// user reads the text), then folding again around what they removed. No section marker
// survives: markers are the normalizer's to write.
bool Normalizer::Impl::Clean(std::string* text, Result* result) const {
  std::replace(text->begin(), text->end(), kSectionMarker, ' ');
  *text = content::FoldWhitespace(*text);
  if (!RemoveIgnored(text, result)) return false;
  if (!ignore.empty()) *text = content::FoldWhitespace(*text);
  return true;
}

Normalizer::Normalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Normalizer::~Normalizer() = default;

freshd::Result<std::unique_ptr<Normalizer>> Normalizer::Create(
    const SelectorSpec& select, const std::vector<std::string>& ignore_patterns,
    const formats::ExtractLimits& limits) {
  try {
    content::EnsureXmlInitialized();
    auto impl = std::make_unique<Impl>();
    impl->limits = limits;
    if (Status status = impl->InitSelector(select); !status.ok()) return status;
    if (Status status = impl->ignore.Compile(ignore_patterns); !status.ok()) return status;
    return std::unique_ptr<Normalizer>(new Normalizer(std::move(impl)));
  } catch (const std::exception& e) {  // an allocation, or libxml2's setup
    return Status::ResourceExhausted(std::string("cannot build the normalizer: ") + e.what());
  }
}

// Extraction, then Clean.
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
    if (!impl_->Clean(&text, &result)) return result;
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
