// The normalizer: HTML, XML, JSON, Markdown and text bodies, through the XPath and CSS
// selectors, ignore patterns and volatile masks. The first byte picks the content kind, the
// normalizer and the header charset; the rest is the body. One normalizer in four compiles
// the body's first line as its own selector (CSS or XPath), which fuzzes the selector
// compilers too.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "watchers/normalize.h"

namespace {

using freshd::watchers::ContentKind;
using freshd::watchers::FetchError;
using freshd::watchers::Normalizer;
using freshd::watchers::SelectorSpec;

constexpr std::array kKinds = {ContentKind::kHtml, ContentKind::kXml, ContentKind::kJson,
                               ContentKind::kMarkdown, ContentKind::kText};
constexpr std::array<std::string_view, 4> kCharsets = {"", "utf-8", "iso-8859-1", "shift_jis"};

std::unique_ptr<Normalizer> MustCreate(SelectorSpec select, std::vector<std::string> ignore) {
  auto normalizer = Normalizer::Create(select, ignore);
  if (!normalizer.ok()) std::abort();  // the fixed specs below are valid
  return std::move(normalizer).value();
}

// Created once: compiling is per source, normalizing per document.
const std::array<std::unique_ptr<Normalizer>, 3>& FixedNormalizers() {
  static const auto* normalizers = new std::array<std::unique_ptr<Normalizer>, 3>{
      MustCreate({}, {}),
      MustCreate({SelectorSpec::Kind::kXPath, "//main//article | //item/title"},
                 {R"(Updated \d+ minutes ago)", R"(\b[0-9a-f]{32}\b)"}),
      MustCreate({SelectorSpec::Kind::kCss, "main > article.policy p, #content li"},
                 {"(?i)last modified:.*"}),
  };
  return *normalizers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const ContentKind kind = kKinds[(control & 0x07) % kKinds.size()];
  const std::size_t which = (control >> 3) & 0x03;
  const std::string_view charset = kCharsets[(control >> 5) & 0x03];
  const bool masked = (control & 0x80) != 0;

  std::unique_ptr<Normalizer> own;
  const Normalizer* normalizer = nullptr;
  if (which < FixedNormalizers().size()) {
    normalizer = FixedNormalizers()[which].get();
  } else {
    const std::size_t line_end = body.find('\n');
    if (line_end == std::string_view::npos) return 0;
    const SelectorSpec select{masked ? SelectorSpec::Kind::kXPath : SelectorSpec::Kind::kCss,
                              std::string(body.substr(0, line_end))};
    body.remove_prefix(line_end + 1);
    auto created = Normalizer::Create(select, {});
    if (!created.ok()) return 0;
    own = std::move(created).value();
    normalizer = own.get();
  }

  const Normalizer::Result result =
      masked && which < FixedNormalizers().size()
          ? normalizer->Normalize(body, kind, charset, {R"(\d{2}:\d{2})", "(a|b"})
          : normalizer->Normalize(body, kind, charset);
  (void)freshd::watchers::ContentHash(result.text);
  // Plain text normalizes to a fixed point: its output normalizes to itself. (Unless the
  // output is refused as binary: folding whitespace can raise the share of control bytes
  // past the one in ten that the binary check allows.)
  if (which == 0 && !masked && kind == ContentKind::kText && result.error == FetchError::kNone) {
    const Normalizer::Result again = normalizer->Normalize(result.text, kind, "");
    if (again.error == FetchError::kNone && again.text != result.text) std::abort();
  }
  return 0;
}
