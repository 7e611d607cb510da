// Query strings: decoding, absent versus empty parameters, and strict counts.
#include "daemon/http_query.h"

#include <catch2/catch.hpp>
#include <string>

namespace freshd::daemon {
namespace {

TEST_CASE("PathOf drops the query", "[http_query]") {
  CHECK(PathOf("/api/v1/search?q=a") == "/api/v1/search");
  CHECK(PathOf("/metrics") == "/metrics");
  CHECK(PathOf("/?") == "/");
}

TEST_CASE("QueryParameter decodes '+' and percent escapes of either case", "[http_query]") {
  CHECK(QueryParameter("/s?q=refund+policy", "q") == "refund policy");
  CHECK(QueryParameter("/s?q=caf%C3%a9&k=3", "q") == "caf\xc3\xa9");
  CHECK(QueryParameter("/s?k=3&q=a%26b", "q") == "a&b");
  CHECK(QueryParameter("/s?q=100%", "q") == "100%");
  CHECK(QueryParameter("/s?q=%4", "q") == "%4");
  CHECK(QueryParameter("/s?q=%zz", "q") == "%zz");
}

TEST_CASE("QueryParameter keeps bytes above 0x7f after a '%' as they are", "[http_query]") {
  // std::isxdigit on these (negative chars) was undefined behaviour.
  CHECK(QueryParameter("/s?q=%\xe9\xe9", "q") == "%\xe9\xe9");
  CHECK(QueryParameter("/s?q=%4\xff", "q") == "%4\xff");
  CHECK(QueryParameter("/s?q=\x80%41", "q") ==
        "\x80"
        "A");
}

TEST_CASE("QueryParameter tells an absent parameter from an empty one", "[http_query]") {
  CHECK_FALSE(QueryParameter("/s", "q").has_value());
  CHECK_FALSE(QueryParameter("/s?qq=1&kq=2", "q").has_value());
  CHECK(QueryParameter("/s?q=", "q") == "");
  CHECK(QueryParameter("/s?q", "q") == "");
  CHECK(QueryParameter("/s?q=1&q=2", "q") == "1");
}

TEST_CASE("ParseDigits takes decimal digits only and saturates", "[http_query]") {
  CHECK(ParseDigits("0") == 0u);
  CHECK(ParseDigits("42") == 42u);
  CHECK(ParseDigits("99999999999999999999999") == UINT64_MAX);
  CHECK_FALSE(ParseDigits("").has_value());
  CHECK_FALSE(ParseDigits("-1").has_value());
  CHECK_FALSE(ParseDigits("+1").has_value());
  CHECK_FALSE(ParseDigits(" 1").has_value());
  CHECK_FALSE(ParseDigits("1e3").has_value());
  CHECK_FALSE(ParseDigits("abc").has_value());
}

TEST_CASE("CountParameter falls back when absent and caps large values and refuses the rest",
          "[http_query]") {
  CHECK(CountParameter("/s?q=a", "k", 5, 100).value() == 5);
  CHECK(CountParameter("/s?k=7", "k", 5, 100).value() == 7);
  CHECK(CountParameter("/s?k=1000", "k", 5, 100).value() == 100);
  CHECK(CountParameter("/s?k=99999999999999999999999", "k", 5, 100).value() == 100);
  for (const char* target : {"/s?k=abc", "/s?k=0", "/s?k=-1", "/s?k=", "/s?k=2.5"}) {
    INFO(target);
    const Result<std::size_t> count = CountParameter(target, "k", 5, 100);
    CHECK(count.status().IsInvalidArgument());
    CHECK(count.status().message().find("'k' must be a whole number of at least 1") == 0);
  }
  CHECK(CountParameter("/s?limit=-1", "limit", 1000, 10000).status().message() ==
        "'limit' must be a whole number of at least 1 (values above 10000 count as 10000), "
        "not '-1'");
}

}  // namespace
}  // namespace freshd::daemon
