#include "daemon/http_query.h"

#include <algorithm>
#include <limits>

#include "common/url.h"

namespace freshd::daemon {

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<std::string> QueryParameter(std::string_view target, std::string_view name) {
  const std::size_t query_start = target.find('?');
  if (query_start == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(query_start + 1);
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    const std::size_t equals = pair.find('=');
    if (pair.substr(0, equals) == name) {
      return url::FormDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::optional<std::uint64_t> ParseDigits(std::string_view text) {
  if (text.empty()) return std::nullopt;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    number = number > (kMax - digit) / 10 ? kMax : number * 10 + digit;
  }
  return number;
}

Result<std::size_t> CountParameter(std::string_view target, std::string_view name,
                                   std::size_t fallback, std::size_t cap) {
  const std::optional<std::string> text = QueryParameter(target, name);
  if (!text) return fallback;
  const std::optional<std::uint64_t> number = ParseDigits(*text);
  if (!number || *number == 0) {
    return Status::InvalidArgument(
        "'" + std::string(name) + "' must be a whole number of at least 1 (values above " +
        std::to_string(cap) + " count as " + std::to_string(cap) + "), not '" + *text + "'");
  }
  return static_cast<std::size_t>(std::min<std::uint64_t>(*number, cap));
}

}  // namespace freshd::daemon
