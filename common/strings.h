// Small string helpers that every library uses: ASCII classes and case, trimming, joining,
// hex digits. ASCII only, whatever the locale: freshd reads protocols and configuration,
// not prose. Every function is pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace freshd::strings {

// The whitespace that Trim removes by default: space, \t, \n, \r, \f and \v.
inline constexpr std::string_view kAsciiSpaces = " \t\n\r\f\v";

inline bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

inline char AsciiLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string AsciiLowered(std::string_view text);

// `text` without the leading and trailing characters that are in `chars`.
std::string_view Trim(std::string_view text, std::string_view chars = kAsciiSpaces);
std::string_view TrimLeft(std::string_view text, std::string_view chars = kAsciiSpaces);
std::string_view TrimRight(std::string_view text, std::string_view chars = kAsciiSpaces);

// Comparisons that ignore ASCII case.
bool EqualsNoCase(std::string_view a, std::string_view b);
bool StartsWithNoCase(std::string_view text, std::string_view prefix);

// The value of a hex digit (either case), or -1. Defined for every char, negative ones
// included (unlike std::isxdigit).
int HexValue(char c);

// The items with `separator` between them: Join({"a", "b"}, ", ") is "a, b".
template <typename Range>
std::string Join(const Range& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    out += item;
    first = false;
  }
  return out;
}

}  // namespace freshd::strings
