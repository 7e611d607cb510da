#include "common/time_text.h"

#include <catch2/catch.hpp>

namespace freshd {
namespace {

TEST_CASE("FormatRfc3339 writes UTC with or without milliseconds", "[time]") {
  CHECK(FormatRfc3339(1767225600123, TimePrecision::kMilliseconds) == "2026-01-01T00:00:00.123Z");
  CHECK(FormatRfc3339(1767225600123, TimePrecision::kSeconds) == "2026-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1767225600007, TimePrecision::kMilliseconds) == "2026-01-01T00:00:00.007Z");
  CHECK(FormatRfc3339(0, TimePrecision::kMilliseconds) == "1970-01-01T00:00:00.000Z");
}

TEST_CASE("FormatRfc3339 strings with milliseconds sort as their instants", "[time]") {
  const std::string earlier = FormatRfc3339(1767225599999, TimePrecision::kMilliseconds);
  const std::string later = FormatRfc3339(1767225600001, TimePrecision::kMilliseconds);
  CHECK(earlier < later);
}

}  // namespace
}  // namespace freshd
