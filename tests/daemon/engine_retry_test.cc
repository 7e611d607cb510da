// The engine and a host that asks it to slow down (429/503 with Retry-After), and the
// count of requests made for each source: a FakeFetcher and a ManualClock, no sockets.
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/daemon/engine_fixture.h"
#include "tests/support/temp_dir.h"

using freshd::daemon::EngineOptions;
using freshd::testing::EngineFixture;
using freshd::testing::FakeFetcher;
using freshd::watchers::FetchError;
using freshd::watchers::HttpResponse;
using namespace std::chrono_literals;

namespace {

std::string Page(const std::string& text) {
  return "<html><body><main><h1>Policy</h1><p>" + text + "</p></main></body></html>";
}

std::string PageSource(const std::string& name, const std::string& url) {
  return "      - name: " + name + "\n        http: { url: \"" + url + "\" }\n";
}

std::string Workload(const std::string& sources) {
  return "  - name: w\n    strategy: rag\n    sources:\n" + sources;
}

HttpResponse TooManyRequests(std::chrono::seconds retry_after) {
  HttpResponse response = FakeFetcher::Failure(FetchError::kHttp4xx, "HTTP 429");
  response.status = 429;
  response.retry_after = retry_after;
  return response;
}

// The value of freshd_source_requests_total for `source` (-1 when the series is absent).
double RequestsTotal(const EngineFixture& engine, const std::string& source) {
  const std::regex line("freshd_source_requests_total\\{[^}]*source=\"" + source +
                        "\"[^}]*\\} ([0-9.e+]+)");
  const std::string text = engine.MetricsText();
  std::smatch match;
  return std::regex_search(text, match, line) ? std::stod(match[1]) : -1;
}

}  // namespace

TEST_CASE("a 429 with Retry-After 120 holds every request to its host for 120 s") {
  EngineFixture engine(
      Workload(PageSource("a", "http://busy.test/a") + PageSource("b", "http://busy.test/b") +
               PageSource("c", "http://calm.test/c")),
      freshd::testing::NoProbes(), "defaults: { interval: 30s }\n");
  engine.fetcher().Script("http://busy.test/a",
                          {TooManyRequests(120s), FakeFetcher::Html(Page("a"))});
  engine.fetcher().Serve("http://busy.test/b", FakeFetcher::Html(Page("b")));
  engine.fetcher().Serve("http://calm.test/c", FakeFetcher::Html(Page("c")));
  engine.StartSchedule();
  engine.Advance(10min);

  const auto a = engine.fetcher().RequestTimes("http://busy.test/a");
  REQUIRE(a.size() >= 2);
  const auto refused = a[0];
  std::vector<std::chrono::system_clock::time_point> busy(a.begin() + 1, a.end());
  const auto b = engine.fetcher().RequestTimes("http://busy.test/b");
  busy.insert(busy.end(), b.begin(), b.end());
  int held = 0;  // requests that waited for the pause and started as it ended
  for (const auto& at : busy) {
    INFO("a request to busy.test " << (at - refused) / 1ms << " ms after the 429");
    CHECK((at <= refused || at >= refused + 120s));
    if (at == refused + 120s) ++held;
  }
  CHECK(held >= 1);
  // The other host is not held: it is checked every ~30 s through the pause.
  const auto c = engine.fetcher().RequestTimes("http://calm.test/c");
  CHECK(std::count_if(c.begin(), c.end(),
                      [&](auto at) { return at > refused && at < refused + 120s; }) >= 3);
}

TEST_CASE("freshd_source_requests_total counts listings and checks and probes") {
  const std::string sitemap =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)"
      "<url><loc>http://site.test/p1</loc></url><url><loc>http://site.test/p2</loc></url>"
      "</urlset>";
  EngineFixture engine(
      Workload("      - name: s\n        sitemap: { url: \"http://site.test/map.xml\" }\n"),
      EngineOptions{});                    // new documents are probed
  CHECK(RequestsTotal(engine, "s") == 0);  // created at zero
  engine.fetcher().Serve("http://site.test/map.xml", FakeFetcher::Xml(sitemap));
  engine.fetcher().Serve("http://site.test/p1", FakeFetcher::Html(Page("one")));
  engine.fetcher().Serve("http://site.test/p2", FakeFetcher::Html(Page("two")));
  auto fetched = [&] {
    return engine.fetcher().Requests("http://site.test/map.xml") +
           engine.fetcher().Requests("http://site.test/p1") +
           engine.fetcher().Requests("http://site.test/p2");
  };

  engine.Check("s");
  engine.Advance(5min);                                         // the probes of the two new pages
  CHECK(engine.fetcher().Requests("http://site.test/p1") > 1);  // probed
  CHECK(RequestsTotal(engine, "s") == fetched());

  const int before = fetched();
  engine.Check("s");  // conditional requests: 304s
  CHECK(fetched() == before + 3);
  CHECK(RequestsTotal(engine, "s") == fetched());

  engine.Reconfigure(Workload(PageSource("other", "http://site.test/p1")));
  CHECK(RequestsTotal(engine, "s") == -1);  // dropped with its source
}

TEST_CASE("a folder source counts its scan and each file checked as requests") {
  freshd::testing::TempDir folder;
  for (const char* name : {"a.md", "b.md", "c.md"}) {
    freshd::testing::WriteFile(folder.path() / name, std::string("# ") + name);
  }
  EngineFixture engine(Workload("      - name: docs\n        directory: { path: \"" +
                                folder.path().string() + "\", glob: \"*.md\" }\n"));
  engine.Check("docs");
  CHECK(RequestsTotal(engine, "docs") == 4);
  engine.Check("docs");
  CHECK(RequestsTotal(engine, "docs") == 8);
}
