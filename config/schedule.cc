// The keys that say when a source's documents are checked (DESIGN.md 6.3): a fixed
// `interval`, or `interval: adaptive` with its `budget`, `min_interval`, `max_interval` and
// `listing_interval`.
#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <string_view>

#include "config/sections.h"
#include "config/units.h"

namespace freshd::config::internal {
namespace {

// The ring of RequestBudget holds one time per request of the cap: 8 MB at most.
constexpr std::uint64_t kMaxBudgetRequests = 1'000'000;

constexpr std::array<std::string_view, 4> kAdaptiveKeys = {"budget", "min_interval", "max_interval",
                                                           "listing_interval"};

struct BudgetUnit {
  char letter;
  Duration per;
};
constexpr std::array<BudgetUnit, 4> kBudgetUnits = {{{'s', std::chrono::seconds(1)},
                                                     {'m', std::chrono::minutes(1)},
                                                     {'h', std::chrono::hours(1)},
                                                     {'d', std::chrono::hours(24)}}};

// "400/m": a positive count of requests per s, m, h or d; nullopt for anything else.
std::optional<RequestBudget> ParseBudget(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 2 != text.size()) {
    return std::nullopt;
  }
  RequestBudget budget;
  const char* end = text.data() + slash;
  const auto [ptr, ec] = std::from_chars(text.data(), end, budget.requests);
  if (ec != std::errc() || ptr != end || budget.requests == 0) return std::nullopt;
  const auto unit = std::find_if(kBudgetUnits.begin(), kBudgetUnits.end(),
                                 [&](const BudgetUnit& u) { return u.letter == text.back(); });
  if (unit == kBudgetUnits.end()) return std::nullopt;
  budget.per = unit->per;
  return budget;
}

std::optional<RequestBudget> ReadBudget(Reader& reader, const std::optional<Value>& value) {
  if (!value) return std::nullopt;
  const std::optional<std::string> text = reader.ReadString(value);
  if (!text) return std::nullopt;
  const Location where = value->where;
  const std::optional<RequestBudget> budget = ParseBudget(*text);
  if (!budget) {
    reader.Error(where,
                 "'budget' must be a number of requests per s, m, h or d, such as 400/m, not " +
                     Quote(*text));
  } else if (budget->requests > kMaxBudgetRequests) {
    reader.Error(where, "'budget' must be at most " + std::to_string(kMaxBudgetRequests) +
                            " requests per window, not " + Quote(*text));
  } else {
    return budget;
  }
  return std::nullopt;
}

// Sets `interval` (a duration, or `adaptive`); true when it was read without error.
bool ReadInterval(Reader& reader, const std::optional<Value>& value, FetchSettings* settings) {
  if (!value) return true;
  if (value->node.IsScalar() && value->node.Scalar() == "adaptive") {
    settings->adaptive = true;
    return true;
  }
  const std::optional<Duration> interval = reader.ReadDuration(value);
  if (!interval) return false;
  settings->interval = *interval;
  settings->adaptive = false;
  return true;
}

// min_interval above max_interval, reported at the later of the two written in `map`.
void CheckIntervalLimits(Reader& reader, const Map& map, const FetchSettings& settings) {
  const std::optional<Value> min = map.Get("min_interval");
  const std::optional<Value> max = map.Get("max_interval");
  if ((!min && !max) || settings.min_interval <= settings.max_interval) return;
  Location where;
  if (min && max) {
    where = Before(max->where, min->where) ? min->where : max->where;
  } else {
    where = min ? min->where : max->where;
  }
  reader.Error(where, "'min_interval' (" + FormatDuration(settings.min_interval) +
                          ") must not be longer than 'max_interval' (" +
                          FormatDuration(settings.max_interval) + ")");
}

// A source that polls at a fixed interval and sets a key of adaptive polling: an error
// rather than a silently ignored budget.
void CheckFixedSource(Reader& reader, const Map& map, std::string_view context,
                      const FetchSettings& settings) {
  for (const std::string_view key : kAdaptiveKeys) {
    if (const Entry* entry = map.Find(key)) {
      reader.Error(entry->key_where, Quote(key) + " applies only to 'interval: adaptive'; " +
                                         std::string(context) + " polls every " +
                                         FormatDuration(settings.interval));
    }
  }
}

}  // namespace

void ReadSchedule(Reader& reader, const Map& map, std::string_view context, bool source,
                  FetchSettings* settings) {
  const std::optional<Value> interval = map.Get("interval");
  const bool interval_ok = ReadInterval(reader, interval, settings);
  if (std::optional<RequestBudget> budget = ReadBudget(reader, map.Get("budget"))) {
    settings->budget = budget;
  }
  Assign(reader.ReadDuration(map.Get("min_interval")), &settings->min_interval);
  Assign(reader.ReadDuration(map.Get("max_interval")), &settings->max_interval);
  Assign(reader.ReadDuration(map.Get("listing_interval")), &settings->listing_interval);
  CheckIntervalLimits(reader, map, *settings);
  if (!interval_ok) return;
  if (settings->adaptive && interval && !settings->budget && !map.Find("budget")) {
    reader.Error(interval->where, "'interval: adaptive' needs a budget, such as 'budget: 400/m'");
  }
  // `defaults` may hold the adaptive keys for the sources that choose `interval: adaptive`.
  if (source && !settings->adaptive) CheckFixedSource(reader, map, context, *settings);
}

}  // namespace freshd::config::internal
