#include "watchers/url.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace freshd::watchers {
namespace {

TEST_CASE("ResolveUrl follows RFC 3986", "[url]") {
  // The normal examples of RFC 3986 section 5.4.1.
  const std::string base = "http://a/b/c/d;p?q";
  struct Case {
    const char* reference;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"g:h", "g:h"},
      {"g", "http://a/b/c/g"},
      {"./g", "http://a/b/c/g"},
      {"g/", "http://a/b/c/g/"},
      {"/g", "http://a/g"},
      {"//g", "http://g"},
      {"?y", "http://a/b/c/d;p?y"},
      {"g?y", "http://a/b/c/g?y"},
      {"#s", "http://a/b/c/d;p?q#s"},
      {"g#s", "http://a/b/c/g#s"},
      {"g?y#s", "http://a/b/c/g?y#s"},
      {";x", "http://a/b/c/;x"},
      {"", "http://a/b/c/d;p?q"},
      {".", "http://a/b/c/"},
      {"./", "http://a/b/c/"},
      {"..", "http://a/b/"},
      {"../", "http://a/b/"},
      {"../g", "http://a/b/g"},
      {"../..", "http://a/"},
      {"../../g", "http://a/g"},
      {"../../../g", "http://a/g"},
      {"/./g", "http://a/g"},
      {"g/../h", "http://a/b/c/h"},
  };
  for (const Case& c : cases) {
    INFO(c.reference);
    CHECK(ResolveUrl(base, c.reference) == c.expected);
  }
  CHECK(ResolveUrl("https://example.com", "a.html") == "https://example.com/a.html");
  CHECK(ResolveUrl("https://example.com/x", "  https://other.org/y  ") == "https://other.org/y");
  CHECK(ResolveUrl("", "relative/path") == "relative/path");
}

TEST_CASE("UrlScheme is the lowercased scheme of an absolute URL", "[url]") {
  CHECK(UrlScheme("HTTPS://example.com/") == "https");
  CHECK(UrlScheme("javascript:void(0)") == "javascript");
  CHECK(UrlScheme("  file:///etc/passwd") == "file");
  CHECK(UrlScheme("/relative/path") == "");
  CHECK(UrlScheme("page.html?x=a:b") == "");
  CHECK(UrlScheme("//cdn.example.org/x") == "");
}

}  // namespace
}  // namespace freshd::watchers
