#include "daemon/http_query.h"

#include <algorithm>
#include <limits>

namespace freshd::daemon {
namespace {

// The value of a hex digit, or -1. Unlike std::isxdigit, defined for every char, negative
// ones included.
int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormDecode(std::string_view raw) {
  std::string value;
  value.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '+') {
      value += ' ';
    } else if (raw[i] == '%' && i + 2 < raw.size() && HexDigit(raw[i + 1]) >= 0 &&
               HexDigit(raw[i + 2]) >= 0) {
      value += static_cast<char>(HexDigit(raw[i + 1]) * 16 + HexDigit(raw[i + 2]));
      i += 2;
    } else {
      value += raw[i];
    }
  }
  return value;
}

}  // namespace

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
      return FormDecode(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
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

Count CountParameter(std::string_view target, std::string_view name, std::size_t fallback,
                     std::size_t cap) {
  const std::optional<std::string> text = QueryParameter(target, name);
  if (!text) return {fallback, ""};
  const std::optional<std::uint64_t> number = ParseDigits(*text);
  if (!number || *number == 0) {
    return {0, "'" + std::string(name) + "' must be a whole number of at least 1 (values above " +
                   std::to_string(cap) + " count as " + std::to_string(cap) + "), not '" + *text +
                   "'"};
  }
  return {static_cast<std::size_t>(std::min<std::uint64_t>(*number, cap)), ""};
}

}  // namespace freshd::daemon
