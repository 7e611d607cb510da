// The status page at `/`: the HTML it renders from the API's JSON (the page in a real
// browser is status_page_browser_test.cc).
#include "daemon/status_page.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using freshd::daemon::RenderStatusPage;
using freshd::daemon::StatusPageInput;
using nlohmann::json;

namespace {

constexpr std::int64_t kNow = 1'717'243'200'000;  // 2024-06-01T12:00:00Z
constexpr std::int64_t kDay = 86'400'000;

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// The markup of each `<svg class="changes">` element, in order.
std::vector<std::string> Charts(const std::string& html) {
  std::vector<std::string> charts;
  for (auto at = html.find("<svg class=\"changes\""); at != std::string::npos;
       at = html.find("<svg class=\"changes\"", at + 1)) {
    charts.push_back(html.substr(at, html.find("</svg>", at) - at));
  }
  return charts;
}

json Workloads() {
  return {{"workloads",
           {{{"workload", "handbook"},
             {"strategy", "rag"},
             {"recommendation", "fine_tuning"},
             {"current_recommendation", "fine_tuning"},
             {"mismatch", true},
             {"frequency", "stable"},
             {"change_interval_seconds",
              {{"estimate", 200 * 86400.0}, {"lower", 95 * 86400.0}, {"upper", nullptr}}},
             {"reasons", {"no document changed in 120 d"}},
             {"missing", json::array()},
             {"assessed_at", "2024-06-01T11:59:00Z"}}}}};
}

json Sources() {
  return {{"sources",
           {{{"workload", "handbook"},
             {"source", "<script>alert('name')</script>"},
             {"kind", "http"},
             {"target", "https://example.org/?a=1&b=2"},
             {"state", "failing"},
             {"last_error", "http_status: <script>alert(\"error\")</script>"},
             {"documents", 3},
             {"errors", 7},
             {"last_check", "2024-06-01T11:58:00Z"},
             {"last_change", nullptr},
             {"next_check", "2024-06-01T12:05:00Z"},
             {"consecutive_failures", 3},
             {"backoff_until", "2024-06-01T12:05:00Z"}},
            {{"workload", "handbook"},
             {"source", "folder"},
             {"kind", "directory"},
             {"target", "/srv/docs/**/*.md"},
             {"state", "ok"},
             {"documents", 12},
             {"errors", 0},
             {"last_check", "2024-06-01T11:59:30Z"},
             {"last_change", "2024-06-01T10:00:00Z"},
             {"next_check", "2024-06-01T12:00:30Z"},
             {"consecutive_failures", 0},
             {"backoff_until", nullptr}}}}};
}

// GET /api/v1/index of a webhook sink that is down.
json FailingSink() {
  return {{"sink", "webhook"},
          {"state", "failing"},
          {"pending_operations", 42},
          {"chunks", 7},
          {"last_error", "connect: <refused>"},
          {"oldest_pending_detected", "2024-06-01T11:45:00Z"},
          {"oldest_pending_age_seconds", 900},
          {"last_acknowledged", nullptr},
          {"last_lag_seconds", nullptr},
          {"warnings", {"pgvector is not installed: vectors are not stored"}}};
}

// The text of the element that starts at the first `open` (e.g. "<header"), to its `close`.
std::string Element(const std::string& html, const std::string& open, const std::string& close) {
  const auto at = html.find(open);
  if (at == std::string::npos) return "";
  return html.substr(at, html.find(close, at) - at);
}

}  // namespace

TEST_CASE("the status page escapes text from outside and draws a 30-day chart per source") {
  const std::map<std::string, std::vector<std::int64_t>> changes = {
      {"folder", {kNow - 40 * kDay, kNow - 2 * kDay, kNow - 1000, kNow - 500, kNow - 100}}};
  const std::string html = RenderStatusPage({Workloads(), Sources(), nullptr, changes, kNow});

  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&quot;error&quot;)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("title=\"https://example.org/?a=1&amp;b=2\"") != std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  CHECK(html.find("src=") == std::string::npos);

  const auto charts = Charts(html);
  REQUIRE(charts.size() == 2);
  for (const auto& chart : charts) CHECK(Count(chart, "<rect") == 30);
  // Today's bar holds the three changes of today; the one 40 days ago is off the chart.
  CHECK(charts[1].find("2024-06-01: 3 changes") != std::string::npos);
  CHECK(charts[1].find("2024-05-30: 1 change<") != std::string::npos);
  CHECK(charts[1].find("4 changes in the last 30 days") != std::string::npos);
  CHECK(charts[0].find("0 changes in the last 30 days") != std::string::npos);
  // The scale: counts on the left (0 and the tallest bar's 3), dates below.
  CHECK(charts[1].find(">3</text>") != std::string::npos);
  CHECK(charts[1].find(">0</text>") != std::string::npos);
  CHECK(charts[1].find(">05-03</text>") != std::string::npos);
  CHECK(charts[1].find(">06-01</text>") != std::string::npos);

  CHECK(html.find("mismatch") != std::string::npos);
  CHECK(html.find("fine_tuning") != std::string::npos);
  CHECK(html.find("200 d") != std::string::npos);  // the interval in human units
  CHECK(html.find("95 d") != std::string::npos);
  CHECK(html.find("&infin;") != std::string::npos);  // an unbounded upper bound
  CHECK(html.find("no document changed in 120 d") != std::string::npos);
  CHECK(html.find("failing") != std::string::npos);
}

TEST_CASE("the status page shows a failing sink with its pending operations and lag") {
  const std::string html = RenderStatusPage({Workloads(), Sources(), FailingSink(), {}, kNow});
  const std::string header = Element(html, "<header", "</header>");
  CHECK(header.find("<b>sink failing</b>") != std::string::npos);
  CHECK(header.find("<b>1 failing</b>") != std::string::npos);  // the failing source
  const std::string sink = Element(html, "<section id=\"rag-store\">", "</section>");
  CHECK(sink.find("<h3>webhook</h3>") != std::string::npos);
  CHECK(sink.find(">failing</span>") != std::string::npos);
  CHECK(sink.find("<dt>Pending operations</dt><dd>42</dd>") != std::string::npos);
  CHECK(sink.find("<dt>Chunks held</dt><dd>7</dd>") != std::string::npos);
  CHECK(sink.find("connect: &lt;refused&gt;") != std::string::npos);
  // The lag is the age of the oldest pending operation, with when its change was detected.
  CHECK(sink.find("<b>15 min</b>") != std::string::npos);
  CHECK(sink.find("2024-06-01 11:45:00 UTC") != std::string::npos);
  CHECK(sink.find("pgvector is not installed: vectors are not stored") != std::string::npos);
}

TEST_CASE("a sink that delivers is ok in the header and shows the last acknowledgement's lag") {
  json index = {{"sink", "embedded"},        {"state", "ok"},
                {"pending_operations", 0},   {"chunks", 12},
                {"last_error", nullptr},     {"oldest_pending_detected", nullptr},
                {"last_lag_seconds", 0.237}, {"last_acknowledged", "2024-06-01T11:59:00Z"}};
  const std::string html = RenderStatusPage({Workloads(), Sources(), index, {}, kNow});
  CHECK(Element(html, "<header", "</header>").find("sink ok") != std::string::npos);
  const std::string sink = Element(html, "<section id=\"rag-store\">", "</section>");
  CHECK(sink.find("<b>237 ms</b>") != std::string::npos);
  CHECK(sink.find("Last error") == std::string::npos);
  CHECK(sink.find("Warnings") == std::string::npos);  // no "warnings" key: none shown
  // Without the sink's state the page says so and the header does not guess.
  const std::string unknown = RenderStatusPage({Workloads(), Sources(), nullptr, {}, kNow});
  CHECK(unknown.find("not reported") != std::string::npos);
  CHECK(Element(unknown, "<header", "</header>").find("sink") == std::string::npos);
}

TEST_CASE("each source shows its next check and its backoff and failures in a row") {
  const std::string html = RenderStatusPage({Workloads(), Sources(), nullptr, {}, kNow});
  const std::string failing = Element(html, "<tr class=\"failing\">", "</tr>");
  CHECK(failing.find("3 failures in a row") != std::string::npos);
  CHECK(failing.find(">backing off</span>") != std::string::npos);
  CHECK(failing.find("until <time datetime=\"2024-06-01T12:05:00Z\">2024-06-01 12:05:00 UTC") !=
        std::string::npos);
  CHECK(failing.find("in 5 min") != std::string::npos);
  const std::string ok = Element(html, "<tr><td><b>folder</b>", "</tr>");
  CHECK(ok.find("backing off") == std::string::npos);
  CHECK(ok.find("in a row") == std::string::npos);
  CHECK(ok.find("2024-06-01 12:00:30 UTC</time> <span class=\"rel\">in 30 s</span>") !=
        std::string::npos);
}

TEST_CASE("times are absolute in UTC with their distance from now beside them") {
  const std::string html = RenderStatusPage({Workloads(), Sources(), nullptr, {}, kNow});
  CHECK(html.find("2024-06-01 11:58:00 UTC</time> <span class=\"rel\">2 min ago</span>") !=
        std::string::npos);
  CHECK(html.find("2024-06-01 10:00:00 UTC</time> <span class=\"rel\">2 h ago</span>") !=
        std::string::npos);
  // The decision path says when it was assessed: its words are of that time.
  CHECK(html.find("Decision path, as assessed <time datetime=\"2024-06-01T11:59:00Z\">") !=
        std::string::npos);
  CHECK(Element(html, "<header", "</header>").find("2024-06-01 12:00:00 UTC") != std::string::npos);
}

TEST_CASE("the status page reloads itself and links to /metrics and the API") {
  const std::string html = RenderStatusPage({Workloads(), Sources(), nullptr, {}, kNow});
  CHECK(html.find("<meta http-equiv=\"refresh\" content=\"30\">") != std::string::npos);
  for (const char* link : {"/metrics", "/api/v1/workloads", "/api/v1/sources", "/api/v1/index",
                           "/api/v1/workloads/handbook", "/api/v1/sources?source=folder"}) {
    INFO(link);
    CHECK(html.find("href=\"" + std::string(link) + "\"") != std::string::npos);
  }
  // A name in a link is percent-encoded: "<script>..." is no markup there either.
  CHECK(html.find(
            "href=\"/api/v1/sources?source=%3Cscript%3Ealert%28%27name%27%29%3C%2Fscript%3E\"") !=
        std::string::npos);
  StatusPageInput still{Workloads(), Sources(), nullptr, {}, kNow};
  still.refresh_seconds = 0;
  CHECK(RenderStatusPage(still).find("http-equiv") == std::string::npos);
}

TEST_CASE("targets may break only at slashes and before query parts: never inside a word") {
  json sources = Sources();
  const std::string long_part(60, 'x');
  sources["sources"][1]["target"] = "https://docs.example.org/a/" + long_part + "?page=2&lang=en";
  const std::string html = RenderStatusPage({Workloads(), sources, nullptr, {}, kNow});
  CHECK(html.find(">https://<wbr>docs.example.org/<wbr>a/<wbr>") != std::string::npos);
  CHECK(html.find("<wbr>?page=2<wbr>&amp;lang=en</span>") != std::string::npos);
  // The 60-character part is shortened; the whole target is in the title.
  CHECK(html.find(std::string(18, 'x') + "\u2026" + std::string(18, 'x') + "<wbr>") !=
        std::string::npos);
  CHECK(html.find("title=\"https://docs.example.org/a/" + long_part + "?page=2&amp;lang=en\"") !=
        std::string::npos);
  CHECK(html.find("overflow-wrap:anywhere") == std::string::npos);
}

TEST_CASE("a change interval under a second is shown in milliseconds") {
  json workloads = Workloads();
  workloads["workloads"][0]["change_interval_seconds"] = {
      {"estimate", 0.237}, {"lower", 0.2}, {"upper", 0.3}};
  const std::string html = RenderStatusPage({workloads, Sources(), nullptr, {}, kNow});
  CHECK(html.find("&asymp; 237 ms</b> <span class=\"sub\">(bounds 200 ms &ndash; 300 ms)") !=
        std::string::npos);
}
