// PDF with Poppler's C++ API: one section per page.
#include <algorithm>
#include <climits>
#include <memory>
#include <mutex>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>
#include <string>

#include "formats/extractors.h"
#include "formats/sections.h"

namespace freshd::formats {
namespace {

// Poppler's error messages, kept from stderr: the last one on this thread names the damage.
thread_local std::string last_poppler_error;

void KeepPopplerError(const std::string& message, void*) { last_poppler_error = message; }

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(KeepPopplerError, nullptr); });
}

std::string DamageMessage() {
  std::string message = "damaged PDF";
  if (!last_poppler_error.empty()) message += " (" + last_poppler_error + ")";
  return message;
}

// A page's text: Poppler ends each line with a newline and leaves an empty line between
// blocks, which are our paragraphs.
void AddPageText(const poppler::page& page, SectionBuilder& builder) {
  const poppler::byte_array utf8 = page.text(poppler::rectf(), poppler::page::physical_layout).to_utf8();
  const std::string_view text(utf8.data(), utf8.size());
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string_view::npos) end = text.size();
    builder.AddParagraph(text.substr(start, end - start));
    start = end + 2;
  }
}

}  // namespace

Result<Extracted> ExtractPdf(std::string_view body, const ExtractLimits& limits) {
  SilencePoppler();
  last_poppler_error.clear();
  if (body.size() > INT_MAX) return Status::ResourceExhausted("PDF larger than 2 GiB");
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(body.data(), static_cast<int>(body.size())));
  if (document == nullptr) return Status::InvalidArgument(DamageMessage());
  if (document->is_locked()) {
    return Status::PermissionDenied("encrypted PDF (no password tried)");
  }
  const int pages = std::max(document->pages(), 0);
  SectionBuilder builder(limits.max_bytes);
  for (int i = 0; i < pages && !builder.full(); ++i) {
    if (static_cast<std::uint64_t>(i) >= limits.max_pages) {
      builder.MarkTruncated();
      break;
    }
    builder.StartPage(static_cast<std::uint32_t>(i + 1));
    std::unique_ptr<poppler::page> page(document->create_page(i));
    if (page != nullptr) AddPageText(*page, builder);
  }
  return std::move(builder).Finish(static_cast<std::uint32_t>(pages));
}

}  // namespace freshd::formats
