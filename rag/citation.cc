#include "rag/citation.h"

#include "common/strings.h"

namespace freshd::rag {
namespace {

std::string PercentDecoded(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = strings::HexValue(text[i + 1]);
      const int low = strings::HexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    decoded.push_back(text[i]);
  }
  return decoded;
}

}  // namespace

std::string WithLocation(std::string_view name, std::uint32_t page, std::string_view heading) {
  std::string cited(name);
  if (page > 0) cited.append(", page ").append(std::to_string(page));
  if (!heading.empty()) cited.append(" \xC2\xA7 ").append(heading);  // U+00A7 SECTION SIGN
  return cited;
}

std::string DocumentName(std::string_view uri) {
  std::string_view path = uri.substr(0, uri.find_first_of("?#"));
  while (path.ends_with('/')) path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || name.ends_with(':')) return std::string(uri);  // "", "/", "https://"
  return PercentDecoded(name);
}

std::string Citation(std::string_view uri, std::uint32_t page, std::string_view heading) {
  return WithLocation(DocumentName(uri), page, heading);
}

}  // namespace freshd::rag
