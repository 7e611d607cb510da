#include "watchers/fetch_error.h"

#include <catch2/catch.hpp>

namespace freshd::watchers {
namespace {

TEST_CASE("ToLabel gives the reason label of every error", "[fetch_error]") {
  CHECK(ToLabel(FetchError::kNone).empty());
  CHECK(ToLabel(FetchError::kTimeout) == "timeout");
  CHECK(ToLabel(FetchError::kDns) == "dns");
  CHECK(ToLabel(FetchError::kConnect) == "connect");
  CHECK(ToLabel(FetchError::kTls) == "tls");
  CHECK(ToLabel(FetchError::kHttp4xx) == "http_4xx");
  CHECK(ToLabel(FetchError::kHttp5xx) == "http_5xx");
  CHECK(ToLabel(FetchError::kTooLarge) == "too_large");
  CHECK(ToLabel(FetchError::kParse) == "parse");
  CHECK(ToLabel(FetchError::kIo) == "io");
}

}  // namespace
}  // namespace freshd::watchers
