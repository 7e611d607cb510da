// Applying volatility masks: the PCRE2 compilation and matching behind ApplyMasks.
#include "watchers/volatility_pcre.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <memory>
#include <string>

#include "watchers/volatility.h"

namespace freshd::watchers {
namespace {

// As the normalizer's limit for ignore patterns: per start position of a match attempt.
constexpr std::uint32_t kMaskMatchLimit = 1'000'000;

struct CodeFree {
  void operator()(pcre2_code* code) const noexcept { pcre2_code_free(code); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* data) const noexcept { pcre2_match_data_free(data); }
};
struct MatchContextFree {
  void operator()(pcre2_match_context* context) const noexcept {
    pcre2_match_context_free(context);
  }
};
using CodePtr = std::unique_ptr<pcre2_code, CodeFree>;
using MatchDataPtr = std::unique_ptr<pcre2_match_data, MatchDataFree>;
using MatchContextPtr = std::unique_ptr<pcre2_match_context, MatchContextFree>;

CodePtr CompileMask(std::string_view mask) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  return CodePtr(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(mask.data()), mask.size(),
                               PCRE2_UTF | PCRE2_MULTILINE, &code, &offset, nullptr));
}

MatchContextPtr MakeMatchContext() {
  MatchContextPtr context(pcre2_match_context_create(nullptr));
  if (context != nullptr) pcre2_set_match_limit(context.get(), kMaskMatchLimit);
  return context;
}

// Byte length of the UTF-8 sequence starting with `lead` (1 for a stray byte).
std::size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Applies one compiled mask to `text`, appending the result to *out. False (and *out
// unspecified) when matching fails with an error.
bool ApplyOne(const pcre2_code* code, const std::string& text, std::string* out,
              std::size_t* fragments) {
  const MatchDataPtr data(pcre2_match_data_create_from_pattern(code, nullptr));
  const MatchContextPtr context = MakeMatchContext();
  if (data == nullptr || context == nullptr) return false;
  std::uint32_t groups = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t copied = 0;  // text[0, copied) is in *out
  std::size_t start = 0;
  while (start <= text.size()) {
    const int rc = pcre2_match(code, subject, text.size(), start, 0, data.get(), context.get());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) return false;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const std::size_t match_start = ovector[0];
    const std::size_t match_end = ovector[1];
    if (match_start > match_end) return false;  // \K in a lookahead: no sensible span
    const auto replace = [&](std::size_t from, std::size_t to) {
      if (from == PCRE2_UNSET || from < copied || from >= to) return;  // unset, nested, empty
      const std::string_view fragment = std::string_view(text).substr(from, to - from);
      // Already masked (by an earlier mask): left as it is, and not counted again.
      if (fragment == kVolatilePlaceholder) return;
      out->append(text, copied, from - copied);
      out->append(kVolatilePlaceholder);
      copied = to;
      ++*fragments;
    };
    if (groups == 0) {
      replace(match_start, match_end);
    } else {
      for (std::uint32_t g = 1; g <= groups; ++g) replace(ovector[2 * g], ovector[2 * g + 1]);
    }
    if (match_end > match_start) {
      start = match_end;
    } else if (match_end < text.size()) {
      start = match_end + Utf8Length(static_cast<unsigned char>(text[match_end]));
    } else {
      break;
    }
  }
  out->append(text, copied, std::string::npos);
  return true;
}

}  // namespace

bool MaskMatchesWholeLine(std::string_view mask, std::string_view line) {
  const CodePtr code = CompileMask(mask);
  if (code == nullptr) return false;
  const MatchDataPtr data(pcre2_match_data_create_from_pattern(code.get(), nullptr));
  const MatchContextPtr context = MakeMatchContext();
  if (data == nullptr || context == nullptr) return false;
  const int rc = pcre2_match(code.get(), reinterpret_cast<PCRE2_SPTR>(line.data()), line.size(), 0,
                             PCRE2_ANCHORED, data.get(), context.get());
  if (rc < 0) return false;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
  return ovector[0] == 0 && ovector[1] == line.size();
}

std::string ApplyMasks(std::string_view normalized_text, const std::vector<std::string>& masks,
                       std::size_t* masked) {
  std::size_t count = 0;
  std::string text(normalized_text);
  for (const std::string& mask : masks) {
    const CodePtr code = CompileMask(mask);
    if (code == nullptr) continue;  // invalid: skipped
    std::string out;
    out.reserve(text.size());
    std::size_t fragments = 0;
    if (!ApplyOne(code.get(), text, &out, &fragments)) continue;  // failed on this text
    text = std::move(out);
    count += fragments;
  }
  if (masked != nullptr) *masked = count;
  return text;
}

}  // namespace freshd::watchers
