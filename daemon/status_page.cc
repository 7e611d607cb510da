#include "daemon/status_page.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>

#include "version.h"

namespace freshd::daemon {
namespace {

using nlohmann::json;

constexpr int kChartDays = 30;
constexpr std::int64_t kDayMs = 86'400'000;

constexpr const char* kStyle = R"css(
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;
--info:#0969da;--info-bg:#ddf4ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Roboto,sans-serif}
main{max-width:1240px;margin:0 auto;padding:0 20px 40px}
.top{background:#24292f;color:#fff;margin-bottom:24px}
.top div{max-width:1240px;margin:0 auto;padding:14px 20px;display:flex;gap:24px;
align-items:baseline;flex-wrap:wrap}
.top h1{font-size:22px;margin:0;letter-spacing:.3px}
.top .version{color:#b7bdc8;font-size:14px;font-weight:normal;margin-left:6px}
.top .summary{font-size:14px;color:#e6e9ee}
.top time{margin-left:auto;font-size:14px;color:#b7bdc8}
h2{font-size:18px;margin:28px 0 12px}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin:14px 0 4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px}
.card.mismatch{border-left:5px solid var(--warn)}
.card h3{font-size:19px;margin:0;display:inline;margin-right:8px}
.alert{background:var(--warn-bg);color:#4d3800;border-radius:6px;padding:6px 10px;margin:10px 0 0}
dl{display:grid;grid-template-columns:150px 1fr;gap:4px 12px;margin:12px 0 0}
dt{color:var(--muted)}dd{margin:0}
.word{font-weight:600;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:14px}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:13px;font-weight:600;
border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok);background:var(--ok-bg)}.bad{color:var(--bad);background:var(--bad-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}.info{color:var(--info);background:var(--info-bg)}
.none{color:var(--muted);background:var(--bg)}
.sub,.note{color:var(--muted);font-size:13px}
ol,ul{margin:0;padding-left:22px}li{margin:2px 0}
.reasons li{font-size:14px}
.missing li{color:var(--warn)}
.card footer{margin-top:12px;color:var(--muted);font-size:13px}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);
border-radius:8px;overflow:hidden}
th,td{padding:8px 10px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{background:#eef1f4;font-size:13px;color:var(--muted);font-weight:600;white-space:nowrap}
tr.failing td{background:#fff8f8}
td.when{white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.target{max-width:260px;overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",
monospace;font-size:13px}
.error{color:var(--bad);font-size:13px;margin-top:4px;overflow-wrap:anywhere;max-width:240px}
svg.changes{display:block}
svg.changes rect{fill:var(--info)}svg.changes rect.zero{fill:#c8d1da}
.empty{color:var(--muted);background:var(--card);border:1px dashed var(--line);border-radius:8px;
padding:16px}
)css";

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A field as text: "" when absent or null, numbers in their JSON form.
std::string Str(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) return "";
  const json& value = object[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

const json& ArrayIn(const json& document, const char* key) {
  static const json kEmpty = json::array();
  if (document.is_array()) return document;
  if (document.is_object() && document.contains(key) && document[key].is_array()) {
    return document[key];
  }
  return kEmpty;
}

std::string Printf(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

// 42 s, 5 min, 3.2 h, 12 d: one decimal below ten of a unit, none above.
std::string HumanDuration(double seconds) {
  struct Unit {
    double seconds;
    const char* name;
  };
  static constexpr std::array<Unit, 4> kUnits{{{86400, "d"}, {3600, "h"}, {60, "min"}, {1, "s"}}};
  for (const Unit& unit : kUnits) {
    if (seconds < unit.seconds && unit.seconds > 1) continue;
    const double amount = seconds / unit.seconds;
    std::string number = Printf(amount < 10 ? "%.1f" : "%.0f", amount);
    if (number.ends_with(".0")) number.resize(number.size() - 2);
    return number + " " + unit.name;
  }
  return "0 s";
}

// RFC 3339 UTC ("2024-05-01T12:00:03Z") as Unix ms; 0 when absent or unreadable.
std::int64_t ParseTimestamp(const std::string& text) {
  std::tm utc{};
  if (text.empty() || strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc) == nullptr) return 0;
  return static_cast<std::int64_t>(timegm(&utc)) * 1000;
}

std::string FormatUtc(std::int64_t unix_ms, const char* format = "%Y-%m-%d %H:%M:%S UTC") {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::strftime(text, sizeof(text), format, &utc);
  return text;
}

// "3 min ago" with the exact time as a tooltip, or "never".
std::string Age(const std::string& timestamp, std::int64_t now_ms) {
  const std::int64_t when = ParseTimestamp(timestamp);
  if (when <= 0) return "<span class=\"sub\">never</span>";
  const double seconds = std::max<double>(0, static_cast<double>(now_ms - when) / 1000.0);
  const std::string age = seconds < 5 ? "just now" : HumanDuration(seconds) + " ago";
  return "<span title=\"" + FormatUtc(when) + "\">" + age + "</span>";
}

std::string Word(const std::string& word, const char* css) {
  return "<span class=\"word badge " + std::string(css) + "\">" + Escape(word) + "</span>";
}

// An <ol> or <ul> of escaped lines.
std::string List(const json& lines, const std::string& tag, const char* css) {
  if (!lines.is_array() || lines.empty()) return "";
  std::string html = "<" + tag + " class=\"" + css + "\">";
  for (const json& line : lines) {
    html += "<li>" + Escape(line.is_string() ? line.get<std::string>() : line.dump()) + "</li>";
  }
  return html + "</" + tag + ">";
}

std::string Interval(const json& interval) {
  const auto number = [&](const char* key) -> std::optional<double> {
    if (!interval.is_object() || !interval.contains(key) || !interval[key].is_number()) {
      return std::nullopt;
    }
    return interval[key].get<double>();
  };
  const auto estimate = number("estimate");
  if (!estimate) return "<span class=\"sub\">no change seen yet</span>";
  const auto lower = number("lower");
  const auto upper = number("upper");
  return "<b>&asymp; " + HumanDuration(*estimate) + "</b> <span class=\"sub\">(bounds " +
         (lower ? HumanDuration(*lower) : "0 s") + " &ndash; " +
         (upper ? HumanDuration(*upper) : "&infin;") + ")</span>";
}

const char* RecommendationCss(const std::string& recommendation, bool mismatch) {
  if (recommendation == "undecided" || recommendation.empty()) return "none";
  return mismatch ? "warn" : "ok";
}

std::string PerSource(const json& splits) {
  if (!splits.is_array() || splits.empty()) return "";
  std::string html = "<dt>Per source</dt><dd>";
  bool first = true;
  for (const json& split : splits) {
    if (!first) html += " &middot; ";
    first = false;
    html += Escape(Str(split, "source")) + " <b>" + Escape(Str(split, "frequency")) + "</b>";
  }
  return html + "</dd>";
}

std::string Pending(const json& workload, std::int64_t now_ms) {
  const std::string published = Str(workload, "recommendation");
  const std::string current = Str(workload, "current_recommendation");
  if (current.empty() || current == published) return "";
  std::string html = " <span class=\"note\">(latest assessment: <span class=\"word\">" +
                     Escape(current) + "</span>";
  if (const std::string since = Str(workload, "candidate_since"); !since.empty()) {
    html += ", held since " + Age(since, now_ms);
  }
  return html + ")</span>";
}

std::string WorkloadCard(const json& workload, std::int64_t now_ms) {
  const std::string name = Str(workload, "workload");
  const std::string strategy = Str(workload, "strategy");
  const std::string recommendation = Str(workload, "recommendation");
  const bool mismatch = workload.value("mismatch", false);
  std::string html = std::string("<article class=\"card") + (mismatch ? " mismatch" : "") +
                     "\"><h3>" + Escape(name) + "</h3>";
  if (mismatch) {
    html += Word("mismatch", "warn");
  } else {
    html += recommendation == "undecided" ? Word("no decision yet", "none") : Word("matches", "ok");
  }
  if (mismatch) {
    html += "<p class=\"alert\"><b>Mismatch:</b> this workload runs <b>" + Escape(strategy) +
            "</b>; freshd recommends <b>" + Escape(recommendation) + "</b>.</p>";
  }
  html += "<dl><dt>Current strategy</dt><dd>" + Word(strategy, "info") + "</dd>";
  html += "<dt>Recommendation</dt><dd>" +
          Word(recommendation, RecommendationCss(recommendation, mismatch)) +
          Pending(workload, now_ms) + "</dd>";
  html += "<dt>Frequency class</dt><dd><b>" + Escape(Str(workload, "frequency")) + "</b></dd>";
  html += "<dt>Change interval</dt><dd>" +
          Interval(workload.value("change_interval_seconds", json::object())) + "</dd>";
  html += PerSource(workload.value("sources", json::array())) + "</dl>";
  const json reasons = workload.value("reasons", json::array());
  const json missing = workload.value("missing", json::array());
  html += "<h4>Decision path</h4>" + (reasons.empty() ? std::string("<p class=\"sub\">none yet</p>")
                                                      : List(reasons, "ol", "reasons"));
  html += "<h4>Missing</h4>" + (missing.empty() ? std::string("<p class=\"sub\">nothing</p>")
                                                : List(missing, "ul", "missing"));
  html += "<footer>assessed " + Age(Str(workload, "assessed_at"), now_ms) + "</footer>";
  return html + "</article>";
}

// Changes per UTC day over the 30 days that end today, one bar per day.
std::string ChangeChart(const std::vector<std::int64_t>& times, std::int64_t now_ms) {
  std::array<int, kChartDays> counts{};
  const std::int64_t today = now_ms / kDayMs;
  for (std::int64_t time : times) {
    const std::int64_t back = today - time / kDayMs;
    if (time > 0 && back >= 0 && back < kChartDays) ++counts[kChartDays - 1 - back];
  }
  const int most = std::max(1, *std::max_element(counts.begin(), counts.end()));
  int total = 0;
  for (int count : counts) total += count;
  constexpr int kBar = 5, kStep = 7, kHeight = 30;
  const std::string summary =
      std::to_string(total) + " change" + (total == 1 ? "" : "s") +
      " in the last 30 days (since start-up; before it, each document's last change)";
  std::string svg = "<svg class=\"changes\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                    std::to_string(kChartDays * kStep) + "\" height=\"" + std::to_string(kHeight) +
                    "\" role=\"img\" aria-label=\"" + summary + "\"><title>" + summary + "</title>";
  for (int day = 0; day < kChartDays; ++day) {
    const int count = counts[day];
    const int height = count == 0 ? 2 : std::max(3, count * kHeight / most);
    const std::string date = FormatUtc((today - (kChartDays - 1 - day)) * kDayMs, "%Y-%m-%d");
    svg += "<rect" + std::string(count == 0 ? " class=\"zero\"" : "") + " x=\"" +
           std::to_string(day * kStep) + "\" y=\"" + std::to_string(kHeight - height) +
           "\" width=\"" + std::to_string(kBar) + "\" height=\"" + std::to_string(height) +
           "\"><title>" + date + ": " + std::to_string(count) + " change" +
           (count == 1 ? "" : "s") + "</title></rect>";
  }
  return svg + "</svg><div class=\"sub\">" + std::to_string(total) + " in 30 d</div>";
}

std::string StateCell(const json& source) {
  if (Str(source, "state") != "failing") return Word("ok", "ok");
  return Word("failing", "bad") + "<div class=\"error\">" + Escape(Str(source, "last_error")) +
         "</div>";
}

std::string Documents(const json& source) {
  std::string html = Escape(Str(source, "documents"));
  const std::string failing = Str(source, "documents_failing");
  if (!failing.empty() && failing != "0") {
    html += "<div class=\"sub\">" + Escape(failing) + " failing</div>";
  }
  const std::string unsupported = Str(source, "documents_unsupported");
  if (!unsupported.empty() && unsupported != "0") {
    html += "<div class=\"sub\">" + Escape(unsupported) + " not indexed (binary)</div>";
  }
  return html;
}

double Number(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_number()
             ? object[key].get<double>()
             : 0;
}

// "every 15 min", or for an adaptive source its budget, the allocation's intervals and
// expected freshness, and a link to each document's rate, interval and next check.
std::string Polling(const json& source) {
  const json schedule = source.value("schedule", json::object());
  if (Str(schedule, "mode") != "adaptive") {
    return "every " + HumanDuration(Number(schedule, "interval_seconds"));
  }
  std::string html = "adaptive, " + Escape(Str(schedule, "budget"));
  const json allocation = schedule.value("allocation", json());
  if (allocation.is_object()) {
    html += "<div class=\"sub\">" + HumanDuration(Number(allocation, "shortest_interval_seconds")) +
            " &ndash; " + HumanDuration(Number(allocation, "longest_interval_seconds")) +
            ", freshness " + Printf("%.3f", Number(allocation, "expected_freshness")) + "</div>";
  }
  return html +
         "<div class=\"sub\"><a href=\"/api/v1/sources?source=" + Escape(Str(source, "source")) +
         "\">per document</a></div>";
}

std::string SourceRow(const json& source,
                      const std::map<std::string, std::vector<std::int64_t>>& change_times,
                      std::int64_t now_ms) {
  const std::string name = Str(source, "source");
  const bool failing = Str(source, "state") == "failing";
  const auto times = change_times.find(name);
  static const std::vector<std::int64_t> kNone;
  std::string html = failing ? "<tr class=\"failing\">" : "<tr>";
  html += "<td><b>" + Escape(name) + "</b><div class=\"sub\">workload " +
          Escape(Str(source, "workload")) + "</div></td>";
  html += "<td>" + Escape(Str(source, "kind")) + "</td>";
  html += "<td class=\"target\">" + Escape(Str(source, "target")) + "</td>";
  html += "<td>" + StateCell(source) + "</td>";
  html += "<td class=\"num\">" + Documents(source) + "</td>";
  html += "<td class=\"when\">" + Age(Str(source, "last_check"), now_ms) + "</td>";
  html += "<td class=\"when\">" + Age(Str(source, "last_change"), now_ms) + "</td>";
  html += "<td class=\"num\">" + Escape(Str(source, "errors")) + "</td>";
  html += "<td>" + Polling(source) + "</td>";
  html +=
      "<td>" + ChangeChart(times == change_times.end() ? kNone : times->second, now_ms) + "</td>";
  return html + "</tr>";
}

std::string Header(const json& workloads, const json& sources, std::int64_t now_ms) {
  int failing = 0, mismatches = 0;
  for (const json& source : sources) failing += Str(source, "state") == "failing";
  for (const json& workload : workloads) mismatches += workload.value("mismatch", false);
  const auto count = [](std::size_t n, const char* noun, const char* plural) {
    return std::to_string(n) + " " + (n == 1 ? noun : plural);
  };
  return "<header class=\"top\"><div><h1>freshd<span class=\"version\">" + Escape(FRESHD_VERSION) +
         "</span></h1><span class=\"summary\">" + count(workloads.size(), "workload", "workloads") +
         " &middot; " + count(sources.size(), "source", "sources") + " &middot; " +
         std::to_string(failing) + " failing &middot; " +
         count(mismatches, "mismatch", "mismatches") + "</span><time>" + FormatUtc(now_ms) +
         "</time></div></header>";
}

std::string WorkloadSection(const json& workloads, std::int64_t now_ms) {
  std::string html = "<section><h2>Workloads</h2>";
  if (workloads.empty()) {
    return html +
           "<p class=\"empty\">No assessment yet: the first one runs a few seconds after "
           "start-up.</p></section>";
  }
  html += "<div class=\"cards\">";
  for (const json& workload : workloads) html += WorkloadCard(workload, now_ms);
  return html + "</div></section>";
}

std::string SourceSection(const json& sources,
                          const std::map<std::string, std::vector<std::int64_t>>& change_times,
                          std::int64_t now_ms) {
  std::string html = "<section><h2>Sources</h2>";
  if (sources.empty()) return html + "<p class=\"empty\">No sources configured.</p></section>";
  html +=
      "<table><thead><tr><th>Source</th><th>Kind</th><th>Target</th><th>State</th>"
      "<th>Documents</th><th>Last check</th><th>Last change</th><th>Errors</th><th>Polling</th>"
      "<th>Changes per day (30 d)</th></tr></thead><tbody>";
  for (const json& source : sources) html += SourceRow(source, change_times, now_ms);
  return html + "</tbody></table></section>";
}

}  // namespace

std::string RenderStatusPage(const json& workloads, const json& sources,
                             const std::map<std::string, std::vector<std::int64_t>>& change_times,
                             std::int64_t now_ms) {
  const json& workload_list = ArrayIn(workloads, "workloads");
  const json& source_list = ArrayIn(sources, "sources");
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>freshd status</title><style>";
  html += kStyle;
  html += "</style></head><body>" + Header(workload_list, source_list, now_ms) + "<main>";
  html += WorkloadSection(workload_list, now_ms);
  html += SourceSection(source_list, change_times, now_ms);
  return html + "</main></body></html>\n";
}

}  // namespace freshd::daemon
