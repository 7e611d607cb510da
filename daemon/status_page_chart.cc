// The change-history chart of a source: an inline SVG, one bar per UTC day, with its scale.
#include <algorithm>
#include <array>

#include "daemon/status_page_html.h"

namespace freshd::daemon::status_page {
namespace {

constexpr int kDays = 30;
constexpr std::int64_t kDayMs = 86'400'000;
// Geometry in px: the count labels left of the bars, the dates below them.
constexpr int kLeft = 24, kTop = 6, kPlot = 30, kBottom = 13, kBar = 4, kStep = 6;
constexpr int kWidth = kLeft + kDays * kStep, kHeight = kTop + kPlot + kBottom;
constexpr int kBaseline = kTop + kPlot;

std::string Px(int value) { return std::to_string(value); }

std::string Label(int x, int y, const char* anchor, const std::string& text) {
  return "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" text-anchor=\"" + anchor + "\">" + text +
         "</text>";
}

std::string Plural(int count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

// The count scale (0 and the tallest bar's count) and the dates of the first, middle and
// last day.
std::string Axes(int most, std::int64_t first_day) {
  std::string svg = "<g class=\"axis\"><path d=\"M" + Px(kLeft - 3) + " " + Px(kTop) + "V" +
                    Px(kBaseline) + "H" + Px(kWidth) + "\"/>";
  svg += Label(kLeft - 5, kTop + 7, "end", std::to_string(most));
  svg += Label(kLeft - 5, kBaseline, "end", "0");
  const int date_y = kHeight - 2;
  svg += Label(kLeft, date_y, "start", FormatUtc(first_day * kDayMs, "%m-%d"));
  svg += Label(kLeft + (kDays / 2) * kStep + kBar / 2, date_y, "middle",
               FormatUtc((first_day + kDays / 2) * kDayMs, "%m-%d"));
  svg += Label(kWidth, date_y, "end", FormatUtc((first_day + kDays - 1) * kDayMs, "%m-%d"));
  return svg + "</g>";
}

}  // namespace

std::string ChangeChart(const std::vector<std::int64_t>& times, std::int64_t now_ms) {
  std::array<int, kDays> counts{};
  const std::int64_t today = now_ms / kDayMs;
  const std::int64_t first_day = today - (kDays - 1);
  for (std::int64_t time : times) {
    const std::int64_t back = today - time / kDayMs;
    if (time > 0 && back >= 0 && back < kDays) ++counts[kDays - 1 - back];
  }
  const int most = std::max(1, *std::max_element(counts.begin(), counts.end()));
  int total = 0;
  for (int count : counts) total += count;
  const std::string summary =
      Plural(total, "change") +
      " in the last 30 days (since start-up; before it, each document's last change)";
  std::string svg = "<svg class=\"changes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    Px(kWidth) + "\" height=\"" + Px(kHeight) + "\" role=\"img\" aria-label=\"" +
                    summary + "\"><title>" + summary + "</title>";
  for (int day = 0; day < kDays; ++day) {
    const int count = counts[day];
    const int height = count == 0 ? 2 : std::max(3, count * kPlot / most);
    svg += "<rect" + std::string(count == 0 ? " class=\"zero\"" : "") + " x=\"" +
           Px(kLeft + day * kStep) + "\" y=\"" + Px(kBaseline - height) + "\" width=\"" + Px(kBar) +
           "\" height=\"" + Px(height) + "\"><title>" +
           FormatUtc((first_day + day) * kDayMs, "%Y-%m-%d") + ": " + Plural(count, "change") +
           "</title></rect>";
  }
  svg += Axes(most, first_day);
  return svg + "</svg><div class=\"sub\">" + std::to_string(total) + " in 30 d</div>";
}

}  // namespace freshd::daemon::status_page
