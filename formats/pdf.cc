// PDF with Poppler's C++ API: one section per page.
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>

#include "formats/extractors.h"
#include "formats/sections.h"

namespace freshd::formats {
namespace {

// Poppler's error messages, kept from stderr: the last one on this thread names the damage.
thread_local std::string last_poppler_error;

void KeepPopplerError(const std::string& message, void*) {
  last_poppler_error = message;
  std::replace(last_poppler_error.begin(), last_poppler_error.end(), '\n', ' ');
}

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function(KeepPopplerError, nullptr); });
}

std::string DamageMessage() {
  std::string message = "damaged PDF";
  if (!last_poppler_error.empty()) message += " (" + last_poppler_error + ")";
  return message;
}

// A page's words in Poppler's reading order (columns kept apart, unlike its physical
// layout, which interleaves the lines of side-by-side columns), grouped into paragraphs
// here: a line that starts below the previous one by more than half its height, or above
// it (the next column), begins a paragraph. Poppler's own text modes either interleave
// columns or run a column's paragraphs together. A paragraph's lines are joined with
// spaces, so the same text wrapped differently reads the same.
void AddPageText(const poppler::page& page, SectionBuilder& builder) {
  std::string paragraph;
  double line_top = 0, line_bottom = 0, previous_right = 0;
  bool space_after = false;
  for (const poppler::text_box& word : page.text_list()) {
    const poppler::rectf box = word.bbox();
    const double height = std::max(box.height(), 1.0);
    const bool same_line = !paragraph.empty() && std::abs(box.top() - line_top) < height / 2;
    if (!paragraph.empty()) {
      const bool below = box.top() - line_bottom > height / 2;
      const bool above = box.bottom() < line_top;
      const bool far_right = same_line && box.left() - previous_right > 2 * height;
      if ((!same_line && (below || above)) || far_right) {
        builder.AddParagraph(paragraph);
        paragraph.clear();
      } else if (!same_line || space_after || box.left() - previous_right > height / 8) {
        paragraph += ' ';
      }
    }
    if (!same_line) line_top = box.top();
    line_bottom = box.bottom();
    previous_right = box.right();
    space_after = word.has_space_after();
    const poppler::byte_array utf8 = word.text().to_utf8();
    paragraph.append(utf8.data(), utf8.size());
  }
  builder.AddParagraph(paragraph);
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
