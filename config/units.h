// Durations and sizes written as Prometheus writes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace freshd::config {

// "500ms", "30s", "15m", "6h", "30d", "12w", "1y" and combinations in descending order
// ("1h30m"). Days are 24 h, weeks 7 d, years 365 d. nullopt for anything else.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// Formats as the shortest exact combination ("1h30m", "500ms", "0s").
std::string FormatDuration(std::chrono::milliseconds duration);

// "512KiB", "10MiB", "1GiB", "100B", "1500" (bytes), also "KB"/"MB"/"GB" in powers of
// ten. nullopt for anything else, and on overflow.
std::optional<std::uint64_t> ParseSize(std::string_view text);

}  // namespace freshd::config
