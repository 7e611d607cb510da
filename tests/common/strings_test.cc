#include "common/strings.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::strings {
namespace {

TEST_CASE("Trim removes ASCII whitespace or the given characters from both ends", "[strings]") {
  CHECK(Trim(" \t\n\r\f\vword  word\n") == "word  word");
  CHECK(Trim("   ").empty());
  CHECK(Trim("").empty());
  CHECK(Trim("//a/b//", "/") == "a/b");
  CHECK(TrimLeft("  a  ") == "a  ");
  CHECK(TrimRight("  a  ") == "  a");
  CHECK(TrimRight("line\r\n", "\r\n") == "line");
  CHECK(Trim("\xC2\xA0x") == "\xC2\xA0x");  // a no-break space is not ASCII whitespace
}

TEST_CASE("ASCII classes and case ignore other bytes", "[strings]") {
  CHECK(IsAsciiSpace('\v'));
  CHECK_FALSE(IsAsciiSpace('\0'));
  CHECK(IsAsciiDigit('7'));
  CHECK_FALSE(IsAsciiDigit('a'));
  CHECK(IsAsciiAlpha('Z'));
  CHECK_FALSE(IsAsciiAlpha('\xC3'));
  CHECK(AsciiLowered("HeLLo-\xC3\x89") == "hello-\xC3\x89");
  CHECK(AsciiLower('Q') == 'q');
}

TEST_CASE("No-case comparisons", "[strings]") {
  CHECK(EqualsNoCase("Content-Type", "content-type"));
  CHECK_FALSE(EqualsNoCase("abc", "abcd"));
  CHECK(StartsWithNoCase("HTTPS://x", "https://"));
  CHECK_FALSE(StartsWithNoCase("http", "https://"));
}

TEST_CASE("HexValue reads both cases and refuses the rest", "[strings]") {
  CHECK(HexValue('0') == 0);
  CHECK(HexValue('a') == 10);
  CHECK(HexValue('F') == 15);
  CHECK(HexValue('g') == -1);
  CHECK(HexValue('\xFF') == -1);
}

TEST_CASE("Join puts the separator between items only", "[strings]") {
  CHECK(Join(std::vector<std::string>{"a", "b", "c"}, ", ") == "a, b, c");
  CHECK(Join(std::vector<std::string_view>{"one"}, "|") == "one");
  CHECK(Join(std::vector<std::string>{}, ", ").empty());
}

}  // namespace
}  // namespace freshd::strings
