#include "config/units.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace freshd::config {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("ParseDuration reads each unit", "[units]") {
  CHECK(ParseDuration("500ms") == milliseconds(500));
  CHECK(ParseDuration("30s") == seconds(30));
  CHECK(ParseDuration("15m") == minutes(15));
  CHECK(ParseDuration("6h") == hours(6));
  CHECK(ParseDuration("30d") == days(30));
  CHECK(ParseDuration("12w") == days(84));
  CHECK(ParseDuration("1y") == days(365));
  CHECK(ParseDuration("0") == milliseconds(0));
  CHECK(ParseDuration("0s") == milliseconds(0));
  CHECK(ParseDuration("007s") == seconds(7));
}

TEST_CASE("ParseDuration reads combinations in descending order", "[units]") {
  CHECK(ParseDuration("1h30m") == minutes(90));
  CHECK(ParseDuration("1m500ms") == milliseconds(60'500));
  CHECK(ParseDuration("1d12h") == hours(36));
  CHECK(ParseDuration("1y2w3d4h5m6s7ms") ==
        days(365 + 14 + 3) + hours(4) + minutes(5) + seconds(6) + milliseconds(7));
}

TEST_CASE("ParseDuration rejects anything else", "[units]") {
  for (const char* text : {"", "abc", "5", "-5m", "+5m", "1.5h", "5 m", " 5m", "5m ", "5M", "m",
                           "ms", "30m1h", "1h1h", "1ms5s", "5mss", "5sec", "1h-30m", "0x10s"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(ParseDuration(text).has_value());
  }
}

TEST_CASE("ParseDuration rejects values that overflow 64-bit milliseconds", "[units]") {
  const auto max = milliseconds(std::numeric_limits<std::int64_t>::max());
  CHECK(ParseDuration("9223372036854775807ms") == max);
  CHECK_FALSE(ParseDuration("9223372036854775808ms").has_value());
  CHECK(ParseDuration("106751991167d") == days(106751991167));
  CHECK_FALSE(ParseDuration("106751991168d").has_value());
  // Each part fits, their sum does not.
  CHECK_FALSE(ParseDuration("106751991167d24h").has_value());
  CHECK_FALSE(ParseDuration("99999999999999999999999s").has_value());
}

TEST_CASE("FormatDuration writes the shortest exact form", "[units]") {
  CHECK(FormatDuration(milliseconds(0)) == "0s");
  CHECK(FormatDuration(milliseconds(500)) == "500ms");
  CHECK(FormatDuration(minutes(90)) == "1h30m");
  CHECK(FormatDuration(seconds(61) + milliseconds(5)) == "1m1s5ms");
  CHECK(FormatDuration(days(7)) == "1w");
  CHECK(FormatDuration(days(14)) == "2w");
  CHECK(FormatDuration(days(30)) == "30d");
  CHECK(FormatDuration(days(90)) == "90d");
  CHECK(FormatDuration(days(365)) == "1y");
  CHECK(FormatDuration(days(366)) == "366d");
  CHECK(FormatDuration(days(1) + milliseconds(1)) == "1d1ms");
  CHECK(FormatDuration(-seconds(90)) == "-1m30s");
}

TEST_CASE("FormatDuration round-trips through ParseDuration", "[units]") {
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  for (const std::int64_t millis :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{999}, std::int64_t{1000},
        std::int64_t{90'061'001}, std::int64_t{86'400'000} * 366,
        std::int64_t{86'400'000} * 800 + 7, std::int64_t{604'800'000} * 52, max, max - 1}) {
    const std::string text = FormatDuration(milliseconds(millis));
    INFO("millis " << millis << " -> '" << text << "'");
    CHECK(ParseDuration(text) == milliseconds(millis));
  }
}

TEST_CASE("ParseSize reads binary and decimal units and plain bytes", "[units]") {
  CHECK(ParseSize("512KiB") == 512u * 1024);
  CHECK(ParseSize("10MiB") == 10u * 1024 * 1024);
  CHECK(ParseSize("1GiB") == 1024u * 1024 * 1024);
  CHECK(ParseSize("2TiB") == 2ull * 1024 * 1024 * 1024 * 1024);
  CHECK(ParseSize("100B") == 100u);
  CHECK(ParseSize("1500") == 1500u);
  CHECK(ParseSize("1KB") == 1000u);
  CHECK(ParseSize("10MB") == 10'000'000u);
  CHECK(ParseSize("2GB") == 2'000'000'000u);
  CHECK(ParseSize("0") == 0u);
}

TEST_CASE("ParseSize rejects anything else", "[units]") {
  for (const char* text : {"", "KiB", "-1", "-1KiB", "1.5MiB", "10 MiB", "10mib", "10kib", "10XB",
                           "MiB10", "10MiBs", "+10", " 10"}) {
    INFO("text: '" << text << "'");
    CHECK_FALSE(ParseSize(text).has_value());
  }
}

TEST_CASE("ParseSize rejects values that overflow 64 bits", "[units]") {
  CHECK(ParseSize("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK_FALSE(ParseSize("18446744073709551616").has_value());
  CHECK(ParseSize("16777215TiB") == 16777215ull << 40);
  CHECK_FALSE(ParseSize("16777216TiB").has_value());
}

}  // namespace
}  // namespace freshd::config
