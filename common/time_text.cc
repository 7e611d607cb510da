#include "common/time_text.h"

#include <cstdio>
#include <ctime>

namespace freshd {

std::string FormatRfc3339(std::int64_t unix_ms, TimePrecision precision) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &utc);
  if (precision == TimePrecision::kMilliseconds) {
    length += std::snprintf(text + length, sizeof(text) - length, ".%03d",
                            static_cast<int>(unix_ms % 1000));
  }
  return std::string(text, length) + "Z";
}

}  // namespace freshd
