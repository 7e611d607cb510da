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

TEST_CASE("WithoutUserinfo drops user and password from the authority only", "[url]") {
  CHECK(WithoutUserinfo("http://user:SECRET@127.0.0.1:8080/page?q=1#f") ==
        "http://127.0.0.1:8080/page?q=1#f");
  CHECK(WithoutUserinfo("https://user@example.com") == "https://example.com");
  CHECK(WithoutUserinfo("https://a:p@ss@example.com/") == "https://example.com/");
  CHECK(WithoutUserinfo("https://u:p@[::1]:9/") == "https://[::1]:9/");
  CHECK(WithoutUserinfo("https://example.com/a@b?mail=x@y") == "https://example.com/a@b?mail=x@y");
  CHECK(WithoutUserinfo("mailto:web@example.com") == "mailto:web@example.com");
  CHECK(WithoutUserinfo("https://example.com/") == "https://example.com/");
}

TEST_CASE("SameOrigin compares scheme, host and port, with default ports", "[url]") {
  CHECK(SameOrigin("http://Example.com/a", "HTTP://example.com:80/b?c"));
  CHECK(SameOrigin("https://example.com:443/", "https://user:pw@example.com/x"));
  CHECK(SameOrigin("http://[::1]:8080/a", "http://[::1]:8080/b"));
  CHECK_FALSE(SameOrigin("http://example.com/", "https://example.com/"));
  CHECK_FALSE(SameOrigin("http://example.com/", "http://example.com:8080/"));
  CHECK_FALSE(SameOrigin("http://example.com/", "http://example.com.evil.org/"));
  CHECK_FALSE(SameOrigin("http://example.com@evil.org/", "http://example.com/"));
  CHECK_FALSE(SameOrigin("http://[::1]/", "http://[::2]/"));
  CHECK_FALSE(SameOrigin("/relative", "/relative"));
}

}  // namespace
}  // namespace freshd::watchers
