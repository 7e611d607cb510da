// Adaptive scheduling (DESIGN.md 6.3) in simulated time: per-document schedules, the
// budget as a hard cap, the allocation by change rate, and listing hints.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "daemon/adaptive_work.h"
#include "daemon/document_schedule.h"
#include "tests/daemon/engine_fixture.h"
#include "tests/support/temp_dir.h"

using freshd::daemon::DocumentSchedule;
using freshd::daemon::DocumentSlot;
using freshd::testing::EngineFixture;
using freshd::testing::FakeFetcher;
using freshd::testing::TempDir;
using namespace std::chrono_literals;
namespace scheduler = freshd::scheduler;
namespace store = freshd::store;

namespace {

std::string Url(const std::string& path) { return "http://example.test" + path; }

std::string Page(const std::string& text) {
  return "<html><body><main><h1>Policy</h1><p>" + text + "</p></main></body></html>";
}

// A sitemap of `paths`, each with its lastmod (Unix seconds) when given.
std::string SitemapXml(const std::vector<std::string>& paths,
                       const std::map<std::string, std::int64_t>& lastmod = {}) {
  std::string xml =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& path : paths) {
    xml += "<url><loc>" + Url(path) + "</loc>";
    if (auto found = lastmod.find(path); found != lastmod.end()) {
      const std::time_t seconds = found->second;
      char text[32];
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&seconds));
      xml += std::string("<lastmod>") + text + "</lastmod>";
    }
    xml += "</url>";
  }
  return xml + "</urlset>";
}

std::string AdaptiveSitemap(const std::string& settings) {
  return "  - name: w\n    strategy: rag\n    sources:\n"
         "      - name: site\n        sitemap: { url: \"" +
         Url("/sitemap.xml") + "\" }\n        interval: adaptive\n" + settings;
}

std::vector<std::string> Paths(int count) {
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) paths.push_back("/p" + std::to_string(i));
  return paths;
}

int DocumentRequests(const FakeFetcher& fetcher, const std::vector<std::string>& paths) {
  int total = 0;
  for (const auto& path : paths) total += fetcher.Requests(Url(path));
  return total;
}

// The most requests to `paths` in any window of `window`.
std::size_t BusiestWindow(const FakeFetcher& fetcher, const std::vector<std::string>& paths,
                          scheduler::Duration window) {
  std::vector<scheduler::TimePoint> times;
  for (const auto& path : paths) {
    auto t = fetcher.RequestTimes(Url(path));
    times.insert(times.end(), t.begin(), t.end());
  }
  std::sort(times.begin(), times.end());
  std::size_t busiest = 0;
  for (std::size_t i = 0, j = 0; j < times.size(); ++j) {
    while (times[j] - times[i] >= window) ++i;
    busiest = std::max(busiest, j - i + 1);
  }
  return busiest;
}

double Gauge(const std::string& metrics, const std::string& name) {
  const std::string prefix = name + "{";
  for (std::size_t at = metrics.find(prefix); at != std::string::npos;
       at = metrics.find(prefix, at + 1)) {
    if (at > 0 && metrics[at - 1] != '\n') continue;
    const std::size_t space = metrics.find("} ", at);
    return std::stod(metrics.substr(space + 2));
  }
  return -1;
}

}  // namespace

TEST_CASE("the schedule table finds due documents in time order and moves them") {
  TempDir dir;
  store::StoreOptions options;
  freshd::daemon::DeclareScheduleTable(options);
  auto opened = store::StateStore::Open(dir / "state", options);
  REQUIRE(opened.ok());
  DocumentSchedule schedule(**opened);
  store::WriteSet writes;
  schedule.Put(writes, "s", "http://x/late", std::nullopt, DocumentSlot{.due_ms = 3000});
  schedule.Put(writes, "s", "http://x/early", std::nullopt, DocumentSlot{.due_ms = 1000});
  schedule.Put(writes, "other", "http://x/o", std::nullopt, DocumentSlot{.due_ms = 10});
  REQUIRE(schedule.Apply(writes).ok());

  auto next = schedule.NextDue("s");
  REQUIRE(next.ok());
  CHECK(**next == 1000);
  auto due = schedule.Due("s", 2000, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().uri == "http://x/early");

  // Moving a document takes it out of its old place in the index.
  store::WriteSet move;
  DocumentSlot later{.due_ms = 5000, .interval_ms = 60000};
  schedule.Put(move, "s", "http://x/early", due->front().slot, later);
  REQUIRE(schedule.Apply(move).ok());
  due = schedule.Due("s", 4000, 10);
  REQUIRE(due.ok());
  REQUIRE(due->size() == 1);
  CHECK(due->front().uri == "http://x/late");
  auto slot = schedule.Get("s", "http://x/early");
  REQUIRE(slot.ok());
  CHECK(**slot == later);
}

TEST_CASE("an adaptive sitemap checks every document and never exceeds its budget") {
  const auto paths = Paths(30);
  EngineFixture engine(
      AdaptiveSitemap("        budget: 10/m\n        min_interval: 1m\n"
                      "        max_interval: 30m\n"
                      "        listing_interval: 10m\n"));
  for (const auto& path : paths) engine.fetcher().Serve(Url(path), FakeFetcher::Html(Page(path)));
  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml(paths)));
  engine.StartSchedule();
  for (int minute = 0; minute < 120; ++minute) engine.Advance(1min);

  for (const auto& path : paths) CHECK(engine.fetcher().Requests(Url(path)) >= 2);
  CHECK(BusiestWindow(engine.fetcher(), paths, 60s) <= 10);
  // The budget is used, not left idle: 90% of it is planned (the rest is headroom for
  // hinted checks and probes), 9 checks a minute.
  CHECK(DocumentRequests(engine.fetcher(), paths) >= 120 * 8);
  // The listing is read on its own interval: 12 times in 120 minutes, not at every check.
  CHECK(engine.fetcher().Requests(Url("/sitemap.xml")) <= 13);
  CHECK(Gauge(engine.MetricsText(), "freshd_source_request_budget_per_second") ==
        Approx(10.0 / 60));
}

TEST_CASE("the allocation checks a page that changes more often than the stable ones") {
  const auto paths = Paths(10);
  EngineFixture engine(
      AdaptiveSitemap("        budget: 4/m\n        min_interval: 1m\n"
                      "        max_interval: 2h\n"
                      "        listing_interval: 1h\n"));
  for (const auto& path : paths) engine.fetcher().Serve(Url(path), FakeFetcher::Html(Page(path)));
  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml(paths)));
  engine.StartSchedule();
  // /p0 changes every 20 minutes; the others never. Reallocated every hour for 6 hours.
  int version = 0;
  for (int minute = 1; minute <= 6 * 60; ++minute) {
    if (minute % 20 == 0) {
      engine.fetcher().Serve(Url("/p0"), FakeFetcher::Html(Page("v" + std::to_string(++version))));
    }
    engine.Advance(1min);
    if (minute % 60 == 0) engine.Reallocate();
  }
  // The last two hours, after learning: the changing page is checked far more often.
  const auto since = engine.clock().Now() - 2h;
  auto recent = [&](const std::string& path) {
    auto times = engine.fetcher().RequestTimes(Url(path));
    return std::count_if(times.begin(), times.end(), [&](auto t) { return t >= since; });
  };
  const auto fast = recent("/p0");
  for (std::size_t i = 1; i < paths.size(); ++i) {
    INFO(paths[i]);
    CHECK(fast >= 3 * recent(paths[i]));
    CHECK(recent(paths[i]) >= 1);  // max_interval 2h: no document starves
  }
  const std::string metrics = engine.MetricsText();
  const double freshness = Gauge(metrics, "freshd_source_expected_freshness");
  CHECK(freshness > 0.5);
  CHECK(freshness <= 1.0);
  CHECK(Gauge(metrics, "freshd_source_planned_requests_per_second") <= 4.0 / 60 + 1e-9);
}

TEST_CASE("a moved lastmod makes its document due at once") {
  const auto paths = Paths(6);
  const std::int64_t old_date = 1700000000;
  std::map<std::string, std::int64_t> lastmod;
  for (const auto& path : paths) lastmod[path] = old_date;
  // Hints followed: a tenth of 2/m polls the six pages, about every half hour each.
  EngineFixture engine(
      AdaptiveSitemap("        budget: 2/m\n        min_interval: 1m\n"
                      "        max_interval: 1d\n"
                      "        listing_interval: 5m\n"));
  for (const auto& path : paths) engine.fetcher().Serve(Url(path), FakeFetcher::Html(Page(path)));
  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml(paths, lastmod)));
  engine.StartSchedule();
  engine.Advance(5min);  // every page checked once (2/m)
  engine.Reallocate();   // nothing changed, hints trusted: long intervals for every page
  engine.Advance(6min);
  std::map<std::string, int> before;
  for (const auto& path : paths) before[path] = engine.fetcher().Requests(Url(path));

  engine.fetcher().Serve(Url("/p3"), FakeFetcher::Html(Page("edited")));
  lastmod["/p3"] = old_date + 86400;
  engine.fetcher().Serve(Url("/sitemap.xml"), FakeFetcher::Xml(SitemapXml(paths, lastmod)));
  const auto edited = engine.clock().Now();
  engine.Advance(5min);  // the next listing
  // Checked within a listing interval of the edit, not at its allotted half hour (the
  // requests after it are the probes that confirm the change).
  const auto times = engine.fetcher().RequestTimes(Url("/p3"));
  REQUIRE(times.size() > static_cast<std::size_t>(before["/p3"]));
  CHECK(times[before["/p3"]] - edited <= 5min);
  for (const auto& path : paths) {
    INFO(path);
    if (path != "/p3") CHECK(engine.fetcher().Requests(Url(path)) == before[path]);
  }
  engine.Advance(5min);  // the change's confirmation probes (a real edit: recorded after them)
  CHECK(engine.State("site").changes >= 1);
  const std::string metrics = engine.MetricsText();
  CHECK(Gauge(metrics, "freshd_source_hint_precision") == Approx(1.0));
  CHECK(Gauge(metrics, "freshd_source_hint_recall") == Approx(1.0));
}

TEST_CASE("a sitemap's lastmod is the reported date of a page that sends no Last-Modified") {
  const std::vector<std::string> paths = {"/a", "/b"};
  const std::int64_t lastmod = 1717200000;  // 2024-06-01
  EngineFixture engine(
      "  - name: w\n    strategy: rag\n    sources:\n"
      "      - name: site\n        sitemap: { url: \"" +
      Url("/sitemap.xml") + "\" }\n");
  for (const auto& path : paths) engine.fetcher().Serve(Url(path), FakeFetcher::Html(Page(path)));
  engine.fetcher().Serve(Url("/sitemap.xml"),
                         FakeFetcher::Xml(SitemapXml(paths, {{"/a", lastmod}})));
  engine.Check("site");
  auto a = engine.store().Get(store::DocumentKey{"site", Url("/a")});
  auto b = engine.store().Get(store::DocumentKey{"site", Url("/b")});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->modified_ms == lastmod * 1000);
  CHECK(b->modified_ms == 0);  // no date given: none made up
}
