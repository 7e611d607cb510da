// The engine in simulated time: a scripted fetcher and a manual clock, no sockets, no
// sleeps. Hours of schedule run in milliseconds.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <sstream>

#include "tests/daemon/engine_fixture.h"

using freshd::daemon::EngineOptions;
using freshd::testing::EngineFixture;
using freshd::testing::FakeFetcher;
using freshd::testing::NoProbes;
using freshd::watchers::FetchError;
using namespace std::chrono_literals;

namespace {

std::string Url(const std::string& path) { return "http://example.test" + path; }

std::string Page(const std::string& text) {
  return "<html><body><main><h1>Policy</h1><p>" + text + "</p></main></body></html>";
}

std::string PageSource(const std::string& name) {
  return "      - name: " + name + "\n        http: { url: \"" + Url("/" + name) + "\" }\n";
}

std::string SitemapSource(const std::string& name) {
  return "      - name: " + name + "\n        sitemap: { url: \"" + Url("/sitemap.xml") + "\" }\n";
}

std::string Workload(const std::string& sources) {
  return "  - name: w\n    strategy: rag\n    sources:\n" + sources;
}

std::string SitemapXml(const std::vector<std::string>& paths) {
  std::string xml =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& path : paths) xml += "<url><loc>" + Url(path) + "</loc></url>";
  return xml + "</urlset>";
}

// A page as a CMS renders it: its article, then the time of rendering (to the minute) and a
// new request id in each answer (unless `ids` is null), with no validators. No ignore rule
// covers them.
freshd::watchers::HttpResponse RenderedPage(const freshd::scheduler::Clock& clock,
                                            const std::string& article, std::mt19937* ids) {
  const auto minutes =
      std::chrono::duration_cast<std::chrono::minutes>(clock.Now().time_since_epoch()).count();
  char rendered[16];
  std::snprintf(rendered, sizeof rendered, "%02d:%02d", static_cast<int>(minutes / 60 % 24),
                static_cast<int>(minutes % 60));
  const std::string id = ids == nullptr ? "" : "</p><p>Request id " + std::to_string((*ids)());
  auto response = FakeFetcher::Html(Page(article + "</p><p>Rendered at " + rendered + " UTC" + id));
  response.etag.clear();
  return response;
}

// The sum of a counter's (or gauge's) series whose labels include `label` (e.g.
// result="changed").
double CounterSum(const std::string& exposition, const std::string& name,
                  const std::string& label) {
  std::istringstream lines(exposition);
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// A sitemap of four pages, all served.
void ServeFourPages(FakeFetcher& fetcher) {
  for (const char* name : {"/a", "/b", "/c", "/d"})
    fetcher.Serve(Url(name), FakeFetcher::Html(Page(name)));
  fetcher.Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml({"/a", "/b", "/c", "/d"})));
}

}  // namespace

TEST_CASE("first checks are spread over the first minute and then come every interval") {
  std::string sources;
  for (int i = 0; i < 20; ++i) sources += PageSource("p" + std::to_string(i));
  EngineFixture engine(Workload(sources));
  for (int i = 0; i < 20; ++i) {
    engine.fetcher().Serve(Url("/p" + std::to_string(i)), FakeFetcher::Html(Page("text")));
  }
  const auto start = engine.clock().Now();
  engine.StartSchedule();
  CHECK(engine.fetcher().Requests(Url("/p0")) == 0);  // nothing fires before its time

  engine.Advance(60s);
  std::set<long> seconds;
  for (int i = 0; i < 20; ++i) {
    const auto times = engine.fetcher().RequestTimes(Url("/p" + std::to_string(i)));
    REQUIRE(times.size() == 1);
    seconds.insert(std::chrono::duration_cast<std::chrono::seconds>(times[0] - start).count());
  }
  CHECK(seconds.size() >= 10);  // spread, not fired together

  // The default interval is 15 minutes, each run jittered by at most 10%.
  // Each source's next run comes at least 13.5 minutes after its first.
  engine.Advance(12min + 29s);
  for (int i = 0; i < 20; ++i) CHECK(engine.fetcher().Requests(Url("/p" + std::to_string(i))) == 1);
  engine.Advance(4h - 13min - 29s);
  for (int i = 0; i < 20; ++i) {
    const auto times = engine.fetcher().RequestTimes(Url("/p" + std::to_string(i)));
    CHECK(times.size() >= 15);
    CHECK(times.size() <= 18);
    for (std::size_t k = 1; k < times.size(); ++k) {
      CHECK(times[k] - times[k - 1] >= 13min + 30s);
      CHECK(times[k] - times[k - 1] <= 16min + 30s);
    }
  }
  CHECK(engine.State("p0").checks == engine.fetcher().RequestTimes(Url("/p0")).size());
}

TEST_CASE("a failing source backs off exponentially and recovers its interval") {
  EngineFixture engine(Workload(PageSource("down")));
  engine.fetcher().Serve(Url("/down"), FakeFetcher::Failure(FetchError::kConnect, "refused"));
  engine.StartSchedule();
  engine.Advance(24h);

  const auto times = engine.fetcher().RequestTimes(Url("/down"));
  REQUIRE(times.size() >= 6);
  // After k failures the wait is 15 min * 2^k (+-10%), capped at 6 hours.
  CHECK(times[1] - times[0] >= 27min);
  CHECK(times[1] - times[0] <= 33min);
  CHECK(times[2] - times[1] >= 54min);
  CHECK(times[2] - times[1] <= 66min);
  CHECK(times[3] - times[2] >= 108min);
  CHECK(times[3] - times[2] <= 132min);
  for (std::size_t k = 1; k < times.size(); ++k) CHECK(times[k] - times[k - 1] <= 6h + 36min);
  CHECK(engine.State("down").failing);
  CHECK(engine.scheduler().ConsecutiveFailures("down") == times.size());
  const std::string failures = "source=\"down\"";
  CHECK(CounterSum(engine.MetricsText(), "freshd_source_consecutive_failures", failures) ==
        static_cast<double>(times.size()));

  engine.fetcher().Serve(Url("/down"), FakeFetcher::Html(Page("back")));
  engine.Advance(7h);  // the next attempt, at most one capped wait away
  CHECK_FALSE(engine.State("down").failing);
  CHECK(engine.scheduler().ConsecutiveFailures("down") == 0);
  CHECK(CounterSum(engine.MetricsText(), "freshd_source_consecutive_failures", failures) == 0);
  const int after_recovery = engine.fetcher().Requests(Url("/down"));
  engine.Advance(1h);
  CHECK(engine.fetcher().Requests(Url("/down")) >= after_recovery + 3);  // every ~15 min again
}

TEST_CASE("a document dropped from its listing is removed only at its second miss") {
  EngineFixture engine(Workload(SitemapSource("pages")));
  ServeFourPages(engine.fetcher());
  CHECK(engine.Check("pages").changed == 4);

  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml({"/a", "/b", "/d"})));
  engine.Advance(15min);
  const auto first_miss = engine.Check("pages");
  CHECK_FALSE(first_miss.failed);
  CHECK(first_miss.changed == 0);  // c missing once: kept, in case the sitemap glitched
  CHECK(engine.State("pages").documents == 4);

  engine.Advance(15min);
  const auto second_miss = engine.Check("pages");
  CHECK(second_miss.changed == 1);  // missing twice in a row: removed
  CHECK(engine.State("pages").documents == 3);
  CHECK(engine.fetcher().Requests(Url("/c")) == 1);  // a listed-out page is not fetched
}

TEST_CASE("a listing that suddenly drops most of its documents is refused and nothing removed") {
  EngineFixture engine(Workload(SitemapSource("pages")));
  ServeFourPages(engine.fetcher());
  REQUIRE(engine.Check("pages").changed == 4);

  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml({"/a"})));
  for (int run = 0; run < 3; ++run) {
    engine.Advance(15min);
    const auto result = engine.Check("pages");
    CHECK(result.failed);
    CHECK(result.changed == 0);
  }
  CHECK(engine.State("pages").documents == 4);
  CHECK(engine.State("pages").last_error.find("lost 3 of its 4 documents") != std::string::npos);

  ServeFourPages(engine.fetcher());  // the listing is whole again: nothing was lost
  CHECK_FALSE(engine.Check("pages").failed);
  CHECK(engine.State("pages").documents == 4);
}

TEST_CASE("a reload keeps the counters and due times of the sources that stay") {
  EngineFixture engine(Workload(PageSource("kept") + PageSource("dropped")));
  for (const char* name : {"/kept", "/dropped", "/added"}) {
    engine.fetcher().Serve(Url(name), FakeFetcher::Html(Page(name)));
  }
  engine.StartSchedule();
  engine.Advance(1h);
  const auto kept_checks = engine.State("kept").checks;
  const auto kept_due = engine.scheduler().DueTime("kept");
  REQUIRE(kept_checks >= 3);
  REQUIRE(engine.State("kept").documents == 1);

  REQUIRE(engine.Reconfigure(Workload(PageSource("kept") + PageSource("added"))).empty());
  engine.scheduler().Remove("dropped");  // as the daemon does for sources that left
  engine.StartSchedule();
  CHECK(engine.engine().FindSource("dropped") == nullptr);
  CHECK(engine.State("kept").checks == kept_checks);
  CHECK(engine.State("kept").documents == 1);
  CHECK(engine.scheduler().DueTime("kept") == kept_due);

  const int dropped_requests = engine.fetcher().Requests(Url("/dropped"));
  engine.Advance(1min);
  CHECK(engine.fetcher().Requests(Url("/added")) == 1);  // new: within the first minute
  engine.Advance(1h);
  CHECK(engine.fetcher().Requests(Url("/dropped")) == dropped_requests);
  CHECK(engine.State("kept").checks > kept_checks);
}

TEST_CASE("the volatility probe masks a clock in the page and still sees a real change") {
  EngineOptions options;  // probes on: every new page, 3 s apart
  EngineFixture engine(Workload(PageSource("page")), options);
  auto at = [](const std::string& policy, const std::string& time) {
    return FakeFetcher::Html(Page(policy + "</p><p>Rendered at " + time + " UTC"));
  };
  engine.fetcher().Script(Url("/page"), {at("Refunds within 30 days.", "10:00:01"),
                                         at("Refunds within 30 days.", "10:00:04"),
                                         at("Refunds within 30 days.", "10:00:07")});
  CHECK(engine.Check("page").changed == 1);
  engine.Advance(10s);  // the two probes
  CHECK(engine.fetcher().Requests(Url("/page")) == 3);

  engine.fetcher().Serve(Url("/page"), at("Refunds within 30 days.", "11:13:52"));
  engine.Advance(1h);
  CHECK(engine.Check("page").changed == 0);  // only the clock moved: masked

  engine.fetcher().Serve(Url("/page"), at("Refunds within 14 days.", "12:00:00"));
  engine.Advance(1h);
  CHECK(engine.Check("page").changed == 1);
  CHECK(engine.State("page").changes == 1);
}

TEST_CASE("pages with a render time and a request id record no false change from the first check") {
  std::string sources;
  for (int i = 0; i < 8; ++i) sources += PageSource("p" + std::to_string(i));
  EngineFixture engine(Workload(sources), EngineOptions{}, "defaults: { interval: 1m }\n");
  std::mt19937 ids(1);
  for (int i = 0; i < 8; ++i) {
    engine.fetcher().Respond(Url("/p" + std::to_string(i)), [&engine, &ids, i] {
      return RenderedPage(engine.clock(), "Article " + std::to_string(i) + " stays.", &ids);
    });
  }
  engine.StartSchedule();
  engine.Advance(1h);

  std::uint64_t checks = 0;
  int requests = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string name = "p" + std::to_string(i);
    CHECK(engine.State(name).changes == 0);
    checks += engine.State(name).checks;
    requests += engine.fetcher().Requests(Url("/" + name));
  }
  CHECK(checks >= 8 * 30);
  // Only the first sight of each page counts as changed.
  const std::string metrics = engine.MetricsText();
  CHECK(CounterSum(metrics, "freshd_source_checks_total", "result=\"changed\"") == 8);
  CHECK(CounterSum(metrics, "freshd_source_checks_total", "result=\"unchanged\"") == checks - 8);
  // The probes that confirmed the minutes' moves are requests of their own.
  CHECK(requests > static_cast<int>(checks));
}

TEST_CASE("a real edit of a page with a render time is recorded as one change") {
  EngineFixture engine(Workload(PageSource("page")), EngineOptions{},
                       "defaults: { interval: 1m }\n");
  std::mt19937 ids(2);
  std::string article = "Refunds within 30 days.";
  engine.fetcher().Respond(Url("/page"),
                           [&] { return RenderedPage(engine.clock(), article, &ids); });
  engine.StartSchedule();
  engine.Advance(10min);  // the clock's minutes are learned as volatile by then
  REQUIRE(engine.State("page").changes == 0);
  const auto checks_before = engine.State("page").checks;
  const int requests_before = engine.fetcher().Requests(Url("/page"));

  article = "Refunds within 14 days.";
  engine.Advance(10min);
  CHECK(engine.State("page").changes == 1);  // once, though it stays and the clock moves on
  const auto checks = engine.State("page").checks - checks_before;
  const int requests = engine.fetcher().Requests(Url("/page")) - requests_before;
  // The edit held its check for the probes: a quick one that saw nothing move, then two
  // a minute apart; a request each, beside the checks.
  CHECK(requests == static_cast<int>(checks) + 3);
}

TEST_CASE("a change is recorded unconfirmed when the probes' budget is spent") {
  EngineOptions options;
  options.max_probes_waiting = 0;
  EngineFixture engine(Workload(PageSource("page")), options);
  engine.fetcher().Serve(Url("/page"), FakeFetcher::Html(Page("Refunds within 30 days.")));
  CHECK(engine.Check("page").changed == 1);
  engine.fetcher().Serve(Url("/page"), FakeFetcher::Html(Page("Refunds within 14 days.")));
  const auto before = engine.clock().Now();
  CHECK(engine.Check("page").changed == 1);
  CHECK(engine.clock().Now() == before);  // recorded at once: no probe, no wait
  CHECK(engine.fetcher().Requests(Url("/page")) == 2);
}

TEST_CASE("a clock first learned at a change is masked when only its line moved") {
  // No probe at first sight: the clock is learned when its first move is confirmed, and the
  // recorded text is known by its lines' hashes.
  EngineFixture engine(Workload(PageSource("page")), NoProbes());
  engine.fetcher().Respond(Url("/page"), [&] {
    return RenderedPage(engine.clock(), "Refunds within 30 days.", nullptr);
  });
  CHECK(engine.Check("page").changed == 1);
  engine.Advance(1min);
  CHECK(engine.Check("page").changed == 0);
  CHECK(engine.State("page").changes == 0);
  engine.Advance(1h);
  CHECK(engine.Check("page").changed == 0);
}

TEST_CASE("a real edit that comes with a clock's first move is still a change") {
  EngineFixture engine(Workload(PageSource("page")), NoProbes());
  std::string article = "Refunds within 30 days.";
  engine.fetcher().Respond(Url("/page"),
                           [&] { return RenderedPage(engine.clock(), article, nullptr); });
  CHECK(engine.Check("page").changed == 1);
  engine.Advance(1min);
  article = "Refunds within 14 days.";
  CHECK(engine.Check("page").changed == 1);
  CHECK(engine.State("page").changes == 1);
  engine.Advance(1min);
  CHECK(engine.Check("page").changed == 0);  // the clock is masked from then on
}

TEST_CASE("pages first seen unprobed with a render time and a request id record no false change") {
  // Beyond the sample of new pages probed in a run: nothing is masked at first sight. The
  // first move's quick probes learn the request id, the slower ones the minutes.
  std::string sources;
  for (int i = 0; i < 4; ++i) sources += PageSource("p" + std::to_string(i));
  EngineFixture engine(Workload(sources), NoProbes(), "defaults: { interval: 1m }\n");
  std::mt19937 ids(3);
  for (int i = 0; i < 4; ++i) {
    engine.fetcher().Respond(Url("/p" + std::to_string(i)), [&engine, &ids, i] {
      return RenderedPage(engine.clock(), "Article " + std::to_string(i) + " stays.", &ids);
    });
  }
  engine.StartSchedule();
  engine.Advance(1h);
  for (int i = 0; i < 4; ++i) {
    CHECK(engine.State("p" + std::to_string(i)).changes == 0);
    CHECK(engine.State("p" + std::to_string(i)).checks >= 20);
  }
}

TEST_CASE("a real edit of an unprobed page with a render time and a request id is one change") {
  EngineFixture engine(Workload(PageSource("page")), NoProbes());
  std::mt19937 ids(4);
  std::string article = "Refunds within 30 days.";
  engine.fetcher().Respond(Url("/page"),
                           [&] { return RenderedPage(engine.clock(), article, &ids); });
  CHECK(engine.Check("page").changed == 1);
  engine.Advance(1min);
  article = "Refunds within 14 days.";
  CHECK(engine.Check("page").changed == 1);
  engine.Advance(1min);
  CHECK(engine.Check("page").changed == 0);
  CHECK(engine.State("page").changes == 1);
}
