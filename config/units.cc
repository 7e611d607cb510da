#include "config/units.h"

#include <array>
#include <cstddef>
#include <limits>

#include "common/strings.h"

namespace freshd::config {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
constexpr std::int64_t kYear = 365 * kDay;

// In the only order in which they may be combined.
constexpr std::array<Unit, 7> kDurationUnits = {{{"y", kYear},
                                                 {"w", kWeek},
                                                 {"d", kDay},
                                                 {"h", kHour},
                                                 {"m", kMinute},
                                                 {"s", kSecond},
                                                 {"ms", 1}}};

constexpr std::int64_t kMaxMillis = std::numeric_limits<std::int64_t>::max();

// Reads the digits at text[*pos...]; nullopt when there are none or the number overflows.
std::optional<std::uint64_t> ReadNumber(std::string_view text, std::size_t* pos) {
  const std::size_t start = *pos;
  std::uint64_t value = 0;
  for (; *pos < text.size() && strings::IsAsciiDigit(text[*pos]); ++*pos) {
    const std::uint64_t digit = text[*pos] - '0';
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (*pos == start) return std::nullopt;
  return value;
}

// The index in kDurationUnits of the unit written at text[*pos...], advancing *pos past it.
std::optional<std::size_t> ReadDurationUnit(std::string_view text, std::size_t* pos) {
  const std::string_view rest = text.substr(*pos);
  // "ms" before "m": the longest suffix wins.
  if (rest.starts_with("ms")) {
    *pos += 2;
    return kDurationUnits.size() - 1;
  }
  for (std::size_t i = 0; i + 1 < kDurationUnits.size(); ++i) {
    if (rest.starts_with(kDurationUnits[i].suffix)) {
      *pos += 1;
      return i;
    }
  }
  return std::nullopt;
}

std::string FormatUnits(std::uint64_t millis, std::size_t first_unit) {
  std::string out;
  for (std::size_t i = first_unit; i < kDurationUnits.size() && millis > 0; ++i) {
    const auto unit = static_cast<std::uint64_t>(kDurationUnits[i].millis);
    if (millis < unit) continue;
    out += std::to_string(millis / unit);
    out += kDurationUnits[i].suffix;
    millis %= unit;
  }
  return out;
}

// Candidates that spend the whole day count on years, on weeks, on both or on neither; the
// shortest wins, then the one with fewer parts, then the one with larger units.
std::string FormatPositive(std::uint64_t millis) {
  const std::uint64_t below_day = millis % kDay;
  const std::uint64_t days = millis / kDay;
  const std::string tail = FormatUnits(below_day, 3);
  std::string best;
  std::size_t best_parts = 0;
  for (const bool use_years : {true, false}) {
    for (const bool use_weeks : {true, false}) {
      std::uint64_t rest = days;
      std::string text;
      std::size_t parts = 0;
      auto take = [&](bool use, std::uint64_t unit, char suffix) {
        if (!use || rest < unit) return;
        text += std::to_string(rest / unit) + suffix;
        rest %= unit;
        ++parts;
      };
      take(use_years, 365, 'y');
      take(use_weeks, 7, 'w');
      take(true, 1, 'd');
      text += tail;
      parts += tail.empty() ? 0 : 1;
      if (best.empty() || text.size() < best.size() ||
          (text.size() == best.size() && parts < best_parts)) {
        best = text;
        best_parts = parts;
      }
    }
  }
  return best;
}

struct SizeUnit {
  std::string_view suffix;
  std::uint64_t bytes;
};

constexpr std::uint64_t kKi = 1024;
constexpr std::array<SizeUnit, 10> kSizeUnits = {{{"B", 1},
                                                  {"KiB", kKi},
                                                  {"MiB", kKi* kKi},
                                                  {"GiB", kKi* kKi* kKi},
                                                  {"TiB", kKi* kKi* kKi* kKi},
                                                  {"KB", 1000},
                                                  {"MB", 1000 * 1000},
                                                  {"GB", 1000 * 1000 * 1000},
                                                  {"TB", 1000ULL * 1000 * 1000 * 1000},
                                                  {"", 1}}};

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;
  std::size_t pos = 0;
  std::size_t next_unit = 0;  // units must come in descending order, each at most once
  std::int64_t total = 0;
  while (pos < text.size()) {
    const std::optional<std::uint64_t> count = ReadNumber(text, &pos);
    if (!count) return std::nullopt;
    const std::optional<std::size_t> unit = ReadDurationUnit(text, &pos);
    if (!unit || *unit < next_unit) return std::nullopt;
    next_unit = *unit + 1;
    const auto millis = static_cast<std::uint64_t>(kDurationUnits[*unit].millis);
    if (*count > static_cast<std::uint64_t>(kMaxMillis - total) / millis) return std::nullopt;
    total += static_cast<std::int64_t>(*count * millis);
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  const std::int64_t millis = duration.count();
  if (millis == 0) return "0s";
  // Negated in unsigned arithmetic, where the most negative value has a magnitude too.
  if (millis < 0) return "-" + FormatPositive(0 - static_cast<std::uint64_t>(millis));
  return FormatPositive(static_cast<std::uint64_t>(millis));
}

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  std::size_t pos = 0;
  const std::optional<std::uint64_t> count = ReadNumber(text, &pos);
  if (!count) return std::nullopt;
  const std::string_view suffix = text.substr(pos);
  for (const SizeUnit& unit : kSizeUnits) {
    if (suffix != unit.suffix) continue;
    if (*count > std::numeric_limits<std::uint64_t>::max() / unit.bytes) return std::nullopt;
    return *count * unit.bytes;
  }
  return std::nullopt;
}

}  // namespace freshd::config
