// Instants as text, for people and for other programs.
#pragma once

#include <cstdint>
#include <string>

namespace freshd {

enum class TimePrecision { kSeconds, kMilliseconds };

// RFC 3339 in UTC: "2026-01-01T00:00:00Z", or "2026-01-01T00:00:00.123Z" with milliseconds
// (always three digits, so that such strings sort as the instants do). Any instant after
// 1970, given in milliseconds since the Unix epoch.
std::string FormatRfc3339(std::int64_t unix_ms, TimePrecision precision);

}  // namespace freshd
