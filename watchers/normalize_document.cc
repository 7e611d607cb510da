// Bodies of any format: documents (PDF, Office, OpenDocument) section by section, with
// section markers; other binary data unsupported; text as before.
#include <exception>
#include <string>

#include "watchers/normalize.h"
#include "watchers/normalize_impl.h"
#include "watchers/volatility.h"

namespace freshd::watchers {
namespace {

FetchError ExtractionError(const Status& status) {
  return status.IsResourceExhausted() ? FetchError::kTooLarge : FetchError::kParse;
}

// "\x1epage=4\x1fheading=Refunds > Window", or "" for a section with no location.
std::string SectionMarker(const formats::Section& section) {
  std::string marker;
  if (section.page > 0) marker.append("page=").append(std::to_string(section.page));
  if (!section.heading.empty()) {
    if (!marker.empty()) marker += kFieldSeparator;
    std::string heading = section.heading;
    for (char& c : heading) {
      if (c == kSectionMarker || c == kFieldSeparator || c == '\n' || c == '\r') c = ' ';
    }
    marker.append("heading=").append(heading);
  }
  return marker.empty() ? marker : kSectionMarker + marker;
}

}  // namespace

Normalizer::Result Normalizer::NormalizeBody(std::string_view body, std::string_view content_type,
                                             std::string_view uri, std::string_view charset,
                                             const std::vector<std::string>& masks) const {
  const formats::Format format = formats::DetectFormat(content_type, uri, body);
  if (format == formats::Format::kText) {
    return Normalize(body, DetectContentKind(content_type, uri), charset, masks);
  }
  if (format == formats::Format::kUnsupported) {
    Result result;
    result.unsupported = true;
    result.format = format;
    return result;
  }
  return NormalizeDocument(body, format, masks);
}

// Each kept section is cleaned on its own (the ignore patterns never see a marker), then
// the sections are joined, each after its marker, and last the volatile masks.
Normalizer::Result Normalizer::NormalizeDocument(std::string_view body, formats::Format format,
                                                 const std::vector<std::string>& masks) const {
  Result result;
  result.format = format;
  try {
    freshd::Result<formats::Extracted> extracted = formats::Extract(format, body, impl_->limits);
    if (!extracted.ok()) {
      result.error = ExtractionError(extracted.status());
      result.message = std::string(formats::ToString(format)) + ": " + extracted.status().message();
      return result;
    }
    result.truncated = extracted->truncated;
    std::string text;
    for (formats::Section& section : extracted->sections) {
      if (!formats::PageSelected(impl_->pages, section.page)) continue;
      if (impl_->heading && !impl_->heading->Matches(section.heading)) continue;
      if (!impl_->Clean(&section.text, &result)) return result;
      if (section.text.empty()) continue;
      const std::string marker = SectionMarker(section);
      if (!text.empty()) text += "\n\n";
      if (!marker.empty()) text.append(marker).append("\n\n");
      text += section.text;
    }
    result.text = masks.empty() ? std::move(text) : ApplyMasks(text, masks, &result.masked);
    return result;
  } catch (const std::exception& e) {
    result.error = FetchError::kIo;
    result.message = std::string("normalization failed: ") + e.what();
    return result;
  }
}

}  // namespace freshd::watchers
