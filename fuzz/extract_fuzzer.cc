// Document extraction: DetectFormat on the input as a body (no Content-Type, no name), then
// Extract in the format found, with small limits. Any input must give a value or an error,
// never a crash; what comes out stays within the limits and is UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "formats/formats.h"

namespace {

constexpr std::uint32_t kMaxPages = 20;
constexpr std::uint64_t kMaxBytes = 1 << 20;

bool ValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    if (lead < 0x80)
      length = 1;
    else if ((lead >> 5) == 0x6)
      length = 2;
    else if ((lead >> 4) == 0xE)
      length = 3;
    else if ((lead >> 3) == 0x1E)
      length = 4;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using freshd::formats::Format;
  const Format format = freshd::formats::DetectFormat("", "", body);
  if (format == Format::kText || format == Format::kUnsupported) return 0;
  freshd::formats::ExtractLimits limits;
  limits.max_pages = kMaxPages;
  limits.max_bytes = kMaxBytes;
  limits.max_total_unzipped = 4 * kMaxBytes;
  const auto extracted = freshd::formats::Extract(format, body, limits);
  if (!extracted.ok()) return 0;
  std::uint64_t total = 0;
  for (const auto& section : extracted->sections) {
    if (section.page > kMaxPages || section.text.empty()) std::abort();
    if (!ValidUtf8(section.text) || !ValidUtf8(section.heading)) std::abort();
    total += section.text.size();
  }
  if (total > kMaxBytes) std::abort();
  return 0;
}
