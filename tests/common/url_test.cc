#include "common/url.h"

#include <catch2/catch.hpp>
#include <string>

namespace freshd::url {
namespace {

TEST_CASE("SplitUrl gives the five parts and JoinUrl puts them back", "[url]") {
  const UrlParts parts = SplitUrl("https://u:p@host:8/a/b?q=1#frag");
  CHECK(parts.scheme == "https");
  CHECK(parts.has_authority);
  CHECK(parts.authority == "u:p@host:8");
  CHECK(parts.path == "/a/b");
  CHECK(parts.query == "q=1");
  CHECK(parts.fragment == "frag");
  for (const char* url : {"https://u:p@host:8/a/b?q=1#frag", "mailto:web@example.com", "g?y#s",
                          "//cdn.example.org", "?", "#", "a:b", "/p?"}) {
    INFO(url);
    CHECK(JoinUrl(SplitUrl(url)) == url);
  }
  CHECK_FALSE(SplitUrl("/relative").has_authority);
  CHECK(SplitUrl("1http://x/").scheme.empty());  // a scheme starts with a letter
}

TEST_CASE("UserinfoOf decodes user and password and ends at the last at sign", "[url]") {
  const auto info = UserinfoOf("https://ops%40example.com:p%3Ass@word@example.com/s.xml");
  REQUIRE(info.has_value());
  CHECK(info->user == "ops@example.com");
  CHECK(info->password == "p:ss@word");
  const auto user_only = UserinfoOf("https://reader@example.com/feed");
  REQUIRE(user_only.has_value());
  CHECK(user_only->user == "reader");
  CHECK(user_only->password.empty());
  CHECK_FALSE(UserinfoOf("https://example.com/a@b").has_value());
  CHECK_FALSE(UserinfoOf("mailto:web@example.com").has_value());
}

TEST_CASE("PercentDecode decodes escapes and keeps a lone percent sign", "[url]") {
  CHECK(PercentDecode("p%40ss") == "p@ss");
  CHECK(PercentDecode("%e2%82%ac") == "\xE2\x82\xAC");
  CHECK(PercentDecode("100%") == "100%");
  CHECK(PercentDecode("%zz%4") == "%zz%4");
  CHECK(PercentDecode("a+b") == "a+b");
  CHECK(PercentDecode("") == "");
  CHECK(PercentDecode("%00") == std::string(1, '\0'));
}

TEST_CASE("FormDecode reads a plus as a space but an encoded plus as a plus", "[url]") {
  CHECK(FormDecode("a+b%2Bc") == "a b+c");
  CHECK(FormDecode("%zz+") == "%zz ");
}

TEST_CASE("SameOrigin ignores case and default ports but not hosts", "[url]") {
  CHECK(SameOrigin("  https://Example.COM/a", "https://example.com:443/b"));
  CHECK_FALSE(SameOrigin("https://example.com/", "https://example.org/"));
  CHECK_FALSE(SameOrigin("not a url", "not a url"));
}

}  // namespace
}  // namespace freshd::url
