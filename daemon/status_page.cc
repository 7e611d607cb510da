#include "daemon/status_page.h"

#include <cstdio>

#include "daemon/status_page_html.h"
#include "version.h"

namespace freshd::daemon {
namespace {

using nlohmann::json;
using namespace status_page;  // NOLINT(google-build-using-namespace): the page's own pieces

constexpr const char* kStyle = R"css(
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa;--card:#fff;
--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;
--info:#0969da;--info-bg:#ddf4ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans",Roboto,sans-serif}
main{max-width:1440px;margin:0 auto;padding:0 20px 40px}
.top{background:#24292f;color:#fff;margin-bottom:24px}
.top div{max-width:1440px;margin:0 auto;padding:14px 20px 10px;display:flex;gap:8px 24px;
align-items:baseline;flex-wrap:wrap}
.top h1{font-size:22px;margin:0;letter-spacing:.3px}
.top .version{color:#b7bdc8;font-size:14px;font-weight:normal;margin-left:6px}
.top .summary{font-size:14px;color:#e6e9ee}
.top .summary b{color:#ff8182}
.top .now{margin-left:auto;font-size:14px;color:#b7bdc8}
.top nav{flex-basis:100%;font-size:13px;color:#b7bdc8}
.top nav a{color:#9cd1ff;margin-right:14px}
h2{font-size:18px;margin:28px 0 12px}
h4{font-size:13px;text-transform:uppercase;letter-spacing:.6px;color:var(--muted);margin:14px 0 4px}
h4 time,h4 .rel{text-transform:none;letter-spacing:0;font-weight:normal}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 18px}
.card.mismatch{border-left:5px solid var(--warn)}
.card.sink{max-width:760px}.card.sink.failing{border-left:5px solid var(--bad)}
.card h3{font-size:19px;margin:0;display:inline;margin-right:8px}
.alert{background:var(--warn-bg);color:#4d3800;border-radius:6px;padding:6px 10px;margin:10px 0 0}
.alert.bad-alert{background:var(--bad-bg);color:#82071e}
dl{display:grid;grid-template-columns:150px 1fr;gap:4px 12px;margin:12px 0 0}
dt{color:var(--muted)}dd{margin:0}
.word{font-weight:600;font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:14px}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;font-size:13px;font-weight:600;
border:1px solid currentColor;white-space:nowrap}
.ok{color:var(--ok);background:var(--ok-bg)}.bad{color:var(--bad);background:var(--bad-bg)}
.warn{color:var(--warn);background:var(--warn-bg)}.info{color:var(--info);background:var(--info-bg)}
.none{color:var(--muted);background:var(--bg)}
.sub,.note,.rel{color:var(--muted);font-size:13px}
ol,ul{margin:0;padding-left:22px}li{margin:2px 0}
.reasons li{font-size:14px}
.missing li{color:var(--warn)}
.card footer{margin-top:12px;color:var(--muted);font-size:13px}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);
border-radius:8px;overflow:hidden}
th,td{padding:8px 10px;text-align:left;vertical-align:top;border-bottom:1px solid var(--line)}
th{background:#eef1f4;font-size:13px;color:var(--muted);font-weight:600;white-space:nowrap}
tr.failing td{background:#fff8f8}
td.when{white-space:nowrap;font-size:13px}td.when>div+div{margin-top:4px}
time,.rel{white-space:nowrap}td:first-child{min-width:150px}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.target{min-width:170px;max-width:280px;font-family:ui-monospace,"DejaVu Sans Mono",monospace;
font-size:13px}
.target{overflow-wrap:normal;word-break:normal;hyphens:none}
.error{color:var(--bad);font-size:13px;margin-top:4px;overflow-wrap:break-word;max-width:260px}
svg.changes{display:block}
svg.changes rect{fill:var(--info)}svg.changes rect.zero{fill:#c8d1da}
svg.changes .axis path{fill:none;stroke:#8c959f}
svg.changes text{font-size:9px;fill:var(--muted)}
.empty{color:var(--muted);background:var(--card);border:1px dashed var(--line);border-radius:8px;
padding:16px}
)css";

const json& ArrayIn(const json& document, const char* key) {
  static const json kEmpty = json::array();
  if (document.is_array()) return document;
  if (document.is_object() && document.contains(key) && document[key].is_array()) {
    return document[key];
  }
  return kEmpty;
}

std::string Fixed3(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", value);
  return text;
}

// ok or failing, with the failures in a row, the errors in all and the last error.
std::string StateCell(const json& source) {
  std::string html = Str(source, "state") == "failing" ? Word("failing", "bad") : Word("ok", "ok");
  if (const double failures = Number(source, "consecutive_failures"); failures > 0) {
    html += "<div class=\"sub\">" + Escape(Str(source, "consecutive_failures")) + " failure" +
            (failures == 1 ? "" : "s") + " in a row</div>";
  }
  const double errors = Number(source, "errors");
  html += "<div class=\"sub\">" + Escape(Str(source, "errors")) + " error" +
          (errors == 1 ? "" : "s") + " in all</div>";
  if (Str(source, "state") == "failing") {
    html += "<div class=\"error\">" + Escape(Str(source, "last_error")) + "</div>";
  }
  return html;
}

// The name, kind, workload and documents (those failing, those not indexed) of a source.
std::string SourceCell(const json& source) {
  const double documents = Number(source, "documents");
  std::string html = "<td><b>" + Escape(Str(source, "source")) + "</b><div class=\"sub\">" +
                     Escape(Str(source, "kind")) + " &middot; workload " +
                     Escape(Str(source, "workload")) + "</div><div class=\"sub\">" +
                     Escape(Str(source, "documents")) + " document" + (documents == 1 ? "" : "s") +
                     "</div>";
  const std::string failing = Str(source, "documents_failing");
  if (!failing.empty() && failing != "0") {
    html += "<div class=\"sub\">" + Escape(failing) + " failing</div>";
  }
  const std::string unsupported = Str(source, "documents_unsupported");
  if (!unsupported.empty() && unsupported != "0") {
    html += "<div class=\"sub\">" + Escape(unsupported) + " not indexed (binary)</div>";
  }
  return html + "</td>";
}

// When the source is checked next; while it backs off after failures, until when.
std::string NextCheck(const json& source, std::int64_t now_ms) {
  if (const std::string until = Str(source, "backoff_until"); !until.empty()) {
    return Word("backing off", "warn") + "<div>until " + When(until, now_ms) + "</div>";
  }
  return When(Str(source, "next_check"), now_ms, "<span class=\"sub\">checking now</span>");
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
            ", freshness " + Fixed3(Number(allocation, "expected_freshness")) + "</div>";
  }
  return html;
}

std::string SourceRow(const json& source, const StatusPageInput& input) {
  const std::string name = Str(source, "source");
  const auto times = input.change_times.find(name);
  static const std::vector<std::int64_t> kNone;
  std::string html = Str(source, "state") == "failing" ? "<tr class=\"failing\">" : "<tr>";
  html += SourceCell(source);
  html += "<td class=\"target\">" + Target(Str(source, "target")) + "</td>";
  html += "<td>" + StateCell(source) + "</td>";
  html += "<td class=\"when\"><div>checked " + When(Str(source, "last_check"), input.now_ms) +
          "</div><div>changed " + When(Str(source, "last_change"), input.now_ms) + "</div></td>";
  html += "<td class=\"when\">" + NextCheck(source, input.now_ms) + "<div class=\"sub\">" +
          Polling(source) + " &middot; <a href=\"/api/v1/sources?source=" + UrlComponent(name) +
          "\">documents</a></div></td>";
  html += "<td>" +
          ChangeChart(times == input.change_times.end() ? kNone : times->second, input.now_ms) +
          "</td>";
  return html + "</tr>";
}

std::string Count(std::size_t n, const char* noun, const char* plural) {
  return std::to_string(n) + " " + (n == 1 ? noun : plural);
}

// Counts, with the failing ones in bold: sources, and the sink when it fails.
std::string Summary(const json& workloads, const json& sources, const json& index) {
  std::size_t failing = 0, mismatches = 0;
  for (const json& source : sources) failing += Str(source, "state") == "failing";
  for (const json& workload : workloads) mismatches += workload.value("mismatch", false);
  const std::string failing_text = std::to_string(failing) + " failing";
  std::string html = Count(workloads.size(), "workload", "workloads") + " &middot; " +
                     Count(sources.size(), "source", "sources") + " &middot; " +
                     (failing > 0 ? "<b>" + failing_text + "</b>" : failing_text) + " &middot; ";
  if (index.is_object() && index.contains("state")) {
    html += Str(index, "state") == "ok" ? "sink ok &middot; " : "<b>sink failing</b> &middot; ";
  }
  return html + Count(mismatches, "mismatch", "mismatches");
}

std::string Header(const json& workloads, const json& sources, const StatusPageInput& input) {
  std::string html = "<header class=\"top\"><div><h1>freshd<span class=\"version\">" +
                     Escape(FRESHD_VERSION) + "</span></h1><span class=\"summary\">" +
                     Summary(workloads, sources, input.index) + "</span><span class=\"now\">" +
                     FormatUtc(input.now_ms) + "</span><nav>";
  if (input.refresh_seconds > 0) {
    html += "reloads every " + std::to_string(input.refresh_seconds) + " s &middot; ";
  }
  return html +
         "<a href=\"/metrics\">/metrics</a><a href=\"/api/v1/workloads\">/api/v1/workloads</a>"
         "<a href=\"/api/v1/sources\">/api/v1/sources</a><a href=\"/api/v1/index\">/api/v1/index"
         "</a></nav></div></header>";
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

std::string SourceSection(const json& sources, const StatusPageInput& input) {
  std::string html = "<section><h2>Sources</h2>";
  if (sources.empty()) return html + "<p class=\"empty\">No sources configured.</p></section>";
  html +=
      "<table><thead><tr><th>Source</th><th>Target</th><th>State</th>"
      "<th>Last check and change</th><th>Next check and polling</th>"
      "<th>Changes per UTC day (30 d)</th></tr></thead><tbody>";
  for (const json& source : sources) html += SourceRow(source, input);
  return html + "</tbody></table></section>";
}

}  // namespace

std::string RenderStatusPage(const StatusPageInput& input) {
  const json& workloads = ArrayIn(input.workloads, "workloads");
  const json& sources = ArrayIn(input.sources, "sources");
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (input.refresh_seconds > 0) {
    html +=
        "<meta http-equiv=\"refresh\" content=\"" + std::to_string(input.refresh_seconds) + "\">";
  }
  html += "<title>freshd status</title><style>";
  html += kStyle;
  html += "</style></head><body>" + Header(workloads, sources, input) + "<main>";
  html += SinkSection(input.index, input.now_ms);
  html += WorkloadSection(workloads, input.now_ms);
  html += SourceSection(sources, input);
  return html + "</main></body></html>\n";
}

}  // namespace freshd::daemon
