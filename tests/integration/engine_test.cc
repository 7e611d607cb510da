// The engine against real servers on loopback: nginx for well-behaved sources, the fault
// server for the bad ones, and real folders.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/integration/engine_harness.h"
#include "tests/integration/log_capture.h"
#include "tests/store/status_testing.h"
#include "tests/support/fault_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "watchers/normalize.h"

using freshd::store::CheckOutcome;
using freshd::store::DocumentKey;
using freshd::testing::EngineHarness;
using freshd::testing::FaultServer;
using freshd::testing::MetricValue;
using freshd::testing::Nginx;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

using freshd::testing::LogCapture;

namespace {

std::string Page(const std::string& text, const std::string& footer = "") {
  return "<html><body><nav>menu</nav><main><article><h1>Policy</h1><p>" + text +
         "</p></article></main><footer>" + footer + "</footer></body></html>";
}

std::string Source(const std::string& name, const std::string& kind_yaml,
                   const std::string& extra = "") {
  return "      - name: " + name + "\n        " + kind_yaml + "\n" + extra;
}

std::string Workload(const std::string& sources) {
  return "  - name: w\n    strategy: rag\n    sources:\n" + sources;
}

// A sitemap.xml at the root of `site` listing `paths` as served by `nginx`.
void WriteSitemap(const TempDir& site, const Nginx& nginx, const std::vector<std::string>& paths) {
  std::string xml =
      R"(<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">)";
  for (const auto& path : paths) xml += "<url><loc>" + nginx.Url(path) + "</loc></url>";
  WriteFile(site.path() / "sitemap.xml", xml + "</urlset>");
}

double Checks(const EngineHarness& harness, const std::string& source, const std::string& result) {
  return MetricValue(harness.MetricsText(), "freshd_source_checks_total",
                     {"source=\"" + source + "\"", "result=\"" + result + "\""});
}

std::vector<CheckOutcome> Outcomes(EngineHarness& harness, const DocumentKey& key) {
  std::vector<CheckOutcome> outcomes;
  for (const auto& check : freshd::testing::Ok(harness.store().History(key, 100))) {
    outcomes.push_back(check.outcome);
  }
  std::reverse(outcomes.begin(), outcomes.end());
  return outcomes;
}

// Volatility probes in milliseconds: a change waits for them before it is recorded.
freshd::daemon::EngineOptions QuickProbes() {
  freshd::daemon::EngineOptions options;
  options.probe_delay = std::chrono::milliseconds(20);
  options.slow_probe_delay = std::chrono::milliseconds(100);
  return options;
}

}  // namespace

TEST_CASE("an nginx page: new, then not modified (304), then changed, then unchanged") {
  TempDir site;
  WriteFile(site.path() / "refund.html", Page("Refunds within 30 days.", "Last updated: 1"));
  Nginx nginx(site.path(), site.path() / "nginx-work");
  const std::string url = nginx.Url("/refund.html");
  EngineHarness harness(Workload(Source("refund", "http: { url: \"" + url + "\" }",
                                        "        select: { css: \"main article\" }\n"
                                        "        ignore: [\"Last updated: .*\"]\n")),
                        "", QuickProbes());
  const DocumentKey key{"refund", url};

  CHECK(harness.Check("refund").changed == 1);
  CHECK(harness.Check("refund").changed == 0);
  CHECK(Checks(harness, "refund", "not_modified") == 1);

  // Rewritten text: a new ETag, and new content.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // nginx's mtime is in seconds
  WriteFile(site.path() / "refund.html", Page("Refunds within 14 days.", "Last updated: 2"));
  CHECK(harness.Check("refund").changed == 1);

  // Only the ignored footer and the unselected nav differ: fetched, but unchanged.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  WriteFile(site.path() / "refund.html",
            "<html><body><nav>other menu</nav><main><article><h1>Policy</h1><p>Refunds within "
            "14 days.</p></article></main><footer>Last updated: 3</footer></body></html>");
  CHECK(harness.Check("refund").changed == 0);

  CHECK(Outcomes(harness, key) ==
        std::vector<CheckOutcome>{CheckOutcome::kNew, CheckOutcome::kNotModified,
                                  CheckOutcome::kChanged, CheckOutcome::kUnchanged});
  CHECK(Checks(harness, "refund", "changed") == 2);
  CHECK(Checks(harness, "refund", "unchanged") == 1);
  CHECK(harness.State("refund").documents == 1);
  CHECK(harness.State("refund").changes == 1);
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_documents",
                    {"source=\"refund\"", "state=\"supported\""}) == 1);
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_last_change_timestamp_seconds",
                    {"source=\"refund\""}) > 1.7e9);
}

TEST_CASE("a sitemap expands to its documents, filters them, and marks dropped ones removed") {
  TempDir site;
  Nginx nginx(site.path(), site.path() / "nginx-work");
  auto sitemap = [&](const std::vector<std::string>& paths) { WriteSitemap(site, nginx, paths); };
  for (const char* name : {"a", "b", "c"}) {
    WriteFile(site.path() / "policies" / (std::string(name) + ".html"), Page(name));
  }
  WriteFile(site.path() / "blog" / "x.html", Page("blog"));
  sitemap({"/policies/a.html", "/policies/b.html", "/policies/c.html", "/blog/x.html"});
  EngineHarness harness(Workload(Source("pages", "sitemap: { url: \"" + nginx.Url("/sitemap.xml") +
                                                     "\", include: \"/policies/\" }")));

  auto first = harness.Check("pages");
  CHECK(first.documents_checked == 3);
  CHECK(first.changed == 3);
  CHECK(harness.State("pages").documents == 3);
  CHECK_FALSE(harness.store().Get({"pages", nginx.Url("/blog/x.html")}).ok());

  sitemap({"/policies/a.html", "/policies/c.html"});
  auto second = harness.Check("pages");
  CHECK(second.changed == 0);  // b missing once: kept, in case the sitemap glitched
  CHECK(harness.State("pages").documents == 3);
  auto missing = harness.store().Get({"pages", nginx.Url("/policies/b.html")});
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->removed);
  CHECK(missing->consecutive_misses == 1);
  CHECK(Checks(harness, "pages", "not_modified") == 2);

  auto third = harness.Check("pages");
  CHECK(third.changed == 1);  // missing twice in a row: removed
  CHECK(harness.State("pages").documents == 2);
  CHECK(harness.store().Get({"pages", nginx.Url("/policies/b.html")})->removed);
}

TEST_CASE("a sitemap that suddenly loses most of its documents removes none and fails") {
  TempDir site;
  Nginx nginx(site.path(), site.path() / "nginx-work");
  auto sitemap = [&](const std::vector<std::string>& paths) { WriteSitemap(site, nginx, paths); };
  std::vector<std::string> all;
  for (const char* name : {"a", "b", "c", "d"}) {
    WriteFile(site.path() / (std::string(name) + ".html"), Page(name));
    all.push_back("/" + std::string(name) + ".html");
  }
  sitemap(all);
  EngineHarness harness(
      Workload(Source("pages", "sitemap: { url: \"" + nginx.Url("/sitemap.xml") + "\" }")),
      "defaults: { max_listing_drop: 0.5 }\n");
  REQUIRE(harness.Check("pages").changed == 4);

  sitemap({"/a.html"});  // three of four gone at once: a broken sitemap, most likely
  for (int run = 0; run < 3; ++run) {
    auto result = harness.Check("pages");
    CHECK(result.failed);
    CHECK(result.changed == 0);
  }
  CHECK(harness.State("pages").documents == 4);
  CHECK(harness.State("pages").last_error.find("lost 3 of its 4 documents") != std::string::npos);
  CHECK_FALSE(harness.store().Get({"pages", nginx.Url("/b.html")})->removed);
  CHECK(harness.store().Get({"pages", nginx.Url("/b.html")})->consecutive_misses == 0);
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_errors_total",
                    {"source=\"pages\"", "reason=\"parse\""}) == 3);

  sitemap(all);  // fixed: the source recovers, nothing was lost
  CHECK_FALSE(harness.Check("pages").failed);
  CHECK(harness.State("pages").documents == 4);
}

TEST_CASE("a sitemap index and an Atom feed are followed to their documents") {
  TempDir site;
  Nginx nginx(site.path(), site.path() / "nginx-work");
  WriteFile(site.path() / "one.html", Page("one"));
  WriteFile(site.path() / "two.html", Page("two"));
  WriteFile(site.path() / "part1.xml",
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>" +
                nginx.Url("/one.html") + "</loc></url></urlset>");
  WriteFile(site.path() / "part2.xml",
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>" +
                nginx.Url("/two.html") + "</loc></url></urlset>");
  WriteFile(site.path() / "index.xml",
            "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>" +
                nginx.Url("/part1.xml") + "</loc></sitemap><sitemap><loc>" +
                nginx.Url("/part2.xml") + "</loc></sitemap></sitemapindex>");
  WriteFile(site.path() / "feed.xml",
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title><entry><title>e</title>"
            "<link href=\"" +
                nginx.Url("/two.html") +
                "\"/><updated>2026-01-02T00:00:00Z"
                "</updated></entry></feed>");
  EngineHarness harness(
      Workload(Source("index", "sitemap: { url: \"" + nginx.Url("/index.xml") + "\" }") +
               Source("feed", "feed: { url: \"" + nginx.Url("/feed.xml") + "\" }")));

  CHECK(harness.Check("index").changed == 2);
  CHECK(harness.store().Get({"index", nginx.Url("/one.html")}).ok());
  CHECK(harness.store().Get({"index", nginx.Url("/two.html")}).ok());
  CHECK(harness.Check("feed").changed == 1);
  CHECK(harness.store().Get({"feed", nginx.Url("/two.html")}).ok());
}

TEST_CASE("a sitemap index is read up to the source's max_child_sitemaps") {
  TempDir site;
  Nginx nginx(site.path(), site.path() / "nginx-work");
  std::string index = "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
  for (const std::string name : {"one", "two", "three"}) {
    WriteFile(site.path() / (name + ".html"), Page(name));
    WriteFile(site.path() / (name + ".xml"),
              "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><url><loc>" +
                  nginx.Url("/" + name + ".html") + "</loc></url></urlset>");
    index += "<sitemap><loc>" + nginx.Url("/" + name + ".xml") + "</loc></sitemap>";
  }
  WriteFile(site.path() / "index.xml", index + "</sitemapindex>");
  EngineHarness harness(Workload(Source(
      "index", "sitemap: { url: \"" + nginx.Url("/index.xml") + "\", max_child_sitemaps: 2 }")));

  CHECK(harness.Check("index").changed == 2);
  CHECK(harness.store().Get({"index", nginx.Url("/two.html")}).ok());
  CHECK_FALSE(harness.store().Get({"index", nginx.Url("/three.html")}).ok());
}

TEST_CASE("a directory: files created, edited, deleted: untouched files cost no read") {
  TempDir root;
  WriteFile(root.path() / "docs" / "a.md", "# A\n\nfirst");
  WriteFile(root.path() / "docs" / "sub" / "b.md", "# B");
  WriteFile(root.path() / "docs" / "ignored.txt", "not matched by the glob");
  EngineHarness harness(Workload(
      Source("handbook", "directory: { path: " + (root / "docs") + ", glob: \"**/*.md\" }")));
  const std::string uri_a = "file://" + (root / "docs") + "/a.md";
  const std::string uri_b = "file://" + (root / "docs") + "/sub/b.md";

  CHECK(harness.Check("handbook").changed == 2);
  CHECK(harness.State("handbook").documents == 2);
  CHECK(harness.Check("handbook").changed == 0);
  CHECK(Checks(harness, "handbook", "not_modified") == 2);

  WriteFile(root.path() / "docs" / "a.md", "# A\n\nsecond version");
  WriteFile(root.path() / "docs" / "new.md", "# New");
  std::filesystem::remove(root.path() / "docs" / "sub" / "b.md");
  auto third = harness.Check("handbook");
  CHECK(third.changed == 2);  // a changed, new.md new; b missing once
  CHECK(harness.State("handbook").documents == 3);
  CHECK(Outcomes(harness, {"handbook", uri_a}) ==
        std::vector<CheckOutcome>{CheckOutcome::kNew, CheckOutcome::kNotModified,
                                  CheckOutcome::kChanged});
  CHECK_FALSE(harness.store().Get({"handbook", uri_b})->removed);
  CHECK(harness.Check("handbook").changed == 1);  // its second miss removes it
  CHECK(harness.State("handbook").documents == 2);
  CHECK(harness.store().Get({"handbook", uri_b})->removed);
}

TEST_CASE("bad sources fail with the right reason, once in the log, and the rest carry on") {
  FaultServer faults;
  faults.Route("/slow", FaultServer::Stall{});
  faults.Route("/missing", FaultServer::Plain().Status(404));
  faults.Route("/broken", FaultServer::Plain().Status(503).Body("down"));
  faults.Route("/huge", FaultServer::EndlessBody{});
  faults.Route("/bomb", FaultServer::GzipBomb{});
  faults.Route("/liar", FaultServer::LieAboutLength{"short", 100000});
  faults.Route("/loop", FaultServer::RedirectLoop{});
  faults.Route("/good", FaultServer::Plain().Header("Content-Type", "text/html").Body(Page("ok")));
  const int closed_port = freshd::testing::FreePort();

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"slow", "timeout"},   {"missing", "http_4xx"}, {"broken", "http_5xx"},
      {"huge", "too_large"}, {"bomb", "too_large"},   {"liar", "io"},
      {"loop", "io"},        {"refused", "connect"}};
  std::string sources;
  for (const auto& [name, reason] : cases) {
    const std::string url = name == "refused"
                                ? "http://127.0.0.1:" + std::to_string(closed_port) + "/"
                                : faults.Url("/" + name);
    sources += Source(name, "http: { url: \"" + url + "\" }");
  }
  sources += Source("good", "http: { url: \"" + faults.Url("/good") + "\" }");
  LogCapture log;
  EngineHarness harness(Workload(sources), "defaults: { timeout: 500ms, max_bytes: 1MiB }\n");

  for (int round = 0; round < 2; ++round) {
    for (const auto& [name, reason] : cases) {
      INFO(name);
      CHECK(harness.Check(name).failed);
    }
    CHECK_FALSE(harness.Check("good").failed);
  }
  const std::string metrics = harness.MetricsText();
  for (const auto& [name, reason] : cases) {
    INFO(name << " should fail with " << reason);
    CHECK(MetricValue(metrics, "freshd_source_errors_total",
                      {"source=\"" + name + "\"", "reason=\"" + reason + "\""}) == 2);
    CHECK(Checks(harness, name, "error") == 2);
    CHECK(log.Count("source " + name + ": ") == 1);  // logged on the change of state only
  }
  CHECK(Checks(harness, "good", "changed") == 1);
  CHECK(Checks(harness, "good", "unchanged") + Checks(harness, "good", "not_modified") == 1);
}

TEST_CASE("a page with invalid UTF-8 is indexed with U+FFFD in place of each bad sequence") {
  FaultServer server;
  server.Route("/utf8", FaultServer::Plain()
                            .Header("Content-Type", "text/plain; charset=utf-8")
                            .Body(freshd::testing::InvalidUtf8Body()));
  server.Route("/latin1", FaultServer::Plain()
                              .Header("Content-Type", "text/plain; charset=iso-8859-1")
                              .Body("caf\xE9 cr\xE8me\n"));
  EngineHarness harness(
      Workload(Source("utf8", "http: { url: \"" + server.Url("/utf8") + "\" }") +
               Source("latin1", "http: { url: \"" + server.Url("/latin1") + "\" }")));
  for (int round = 0; round < 2; ++round) {
    CHECK_FALSE(harness.Check("utf8").failed);
    CHECK_FALSE(harness.Check("latin1").failed);
  }
  const std::string fffd = "\xEF\xBF\xBD";
  const std::string expected = "caf\xC3\xA9 ok, then " + fffd + " and " + fffd + " and " + fffd +
                               fffd + " and " + fffd + " end";
  CHECK(harness.store().Get({"utf8", server.Url("/utf8")})->content_hash ==
        freshd::watchers::ContentHash(expected));
  CHECK(harness.store().Get({"latin1", server.Url("/latin1")})->content_hash ==
        freshd::watchers::ContentHash("caf\xC3\xA9 cr\xC3\xA8me"));
  CHECK(harness.State("utf8").documents == 1);
  CHECK(Checks(harness, "utf8", "error") == 0);
  const std::string metrics = harness.MetricsText();
  // Five bad sequences, at each of the two fetches; a declared charset is decoded, not repaired.
  CHECK(MetricValue(metrics, "freshd_source_invalid_utf8_sequences_total", {"source=\"utf8\""}) ==
        10);
  CHECK(MetricValue(metrics, "freshd_source_invalid_utf8_sequences_total", {"source=\"latin1\""}) ==
        0);
}

TEST_CASE("listed entries of other schemes are skipped and counted at each run, never failed") {
  FaultServer server;
  for (const char* path : {"/a", "/b"}) {
    server.Route(path, FaultServer::Plain().Header("Content-Type", "text/plain").Body(path));
  }
  server.Route("/sitemap.xml",
               FaultServer::Plain()
                   .Header("Content-Type", "application/xml")
                   .Body("<urlset><url><loc>/a</loc></url><url><loc>javascript:void(0)</loc></url>"
                         "<url><loc>file:///etc/passwd</loc></url>"
                         "<url><loc>gopher://127.0.0.1/1</loc></url>"
                         "<url><loc>ftp://127.0.0.1/pub/x</loc></url><url><loc>" +
                         server.Url("/b") + "</loc></url></urlset>"));
  LogCapture log;
  EngineHarness harness(
      Workload(Source("links", "sitemap: { url: \"" + server.Url("/sitemap.xml") + "\" }")));
  for (int run = 0; run < 2; ++run) {
    const auto result = harness.Check("links");
    CHECK_FALSE(result.failed);
    CHECK(result.errors == 0);
  }
  CHECK(harness.State("links").documents == 2);
  CHECK(harness.State("links").documents_failing == 0);
  CHECK(Checks(harness, "links", "error") == 0);
  std::vector<std::string> uris;
  freshd::testing::Ok(
      harness.store().ForEachDocument("links", [&](const DocumentKey& key, const auto&) {
        uris.push_back(key.uri);
        return true;
      }));
  CHECK(uris == std::vector<std::string>{server.Url("/a"), server.Url("/b")});
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_listing_entries_skipped_total",
                    {"source=\"links\"", "reason=\"scheme\""}) == 8);
  // One line for the source, not one per entry; the next run's, the same, is at debug level.
  CHECK(log.Count("source links: 4 listed entries skipped: not http or https (such as "
                  "javascript:)") == 1);
  CHECK(log.Count("passwd") == 0);
}

namespace {

// A page that answers only to the Basic credentials user:SECRET.
FaultServer::Handler BasicAuthRequired(std::string content_type, std::string body) {
  return {[content_type, body](const FaultServer::Request& request) {
    if (request.Header("authorization") != "Basic dXNlcjpTRUNSRVQ=") {
      return FaultServer::Plain().Status(401).Header("WWW-Authenticate", "Basic realm=\"r\"");
    }
    return FaultServer::Plain().Header("Content-Type", content_type).Body(body);
  }};
}

// "http://127.0.0.1:PORT/path" -> "http://USERINFO@127.0.0.1:PORT/path".
std::string WithUserinfo(const std::string& url, const std::string& userinfo) {
  return "http://" + userinfo + "@" + url.substr(std::string("http://").size());
}

}  // namespace

TEST_CASE("a URL's password goes to its own origin only, and into no URI, log or metric") {
  FaultServer site;
  FaultServer other;  // another port: another origin
  site.Route("/page", BasicAuthRequired("text/plain", "private page"));
  other.Route("/public", FaultServer::Plain().Header("Content-Type", "text/plain").Body("public"));
  site.Route(
      "/sitemap.xml",
      BasicAuthRequired("application/xml", "<urlset><url><loc>/page</loc></url><url><loc>" +
                                               WithUserinfo(other.Url("/public"), "eve:SECRET") +
                                               "</loc></url></urlset>"));
  LogCapture log;
  spdlog::default_logger()->set_level(spdlog::level::debug);
  EngineHarness harness(Workload(
      Source("page", "http: { url: \"" + WithUserinfo(site.Url("/page"), "user:SECRET") + "\" }") +
      Source("pages", "sitemap: { url: \"" + WithUserinfo(site.Url("/sitemap.xml"), "user:SECRET") +
                          "\" }")));
  CHECK_FALSE(harness.Check("page").failed);
  CHECK_FALSE(harness.Check("pages").failed);

  CHECK(harness.State("page").documents == 1);
  CHECK(harness.State("pages").documents == 2);
  CHECK(harness.store().Get({"page", site.Url("/page")}).ok());
  CHECK(harness.store().Get({"pages", site.Url("/page")}).ok());
  CHECK(harness.store().Get({"pages", other.Url("/public")}).ok());
  for (const auto& request : site.Requests("/page")) {
    CHECK(request.Header("authorization") == "Basic dXNlcjpTRUNSRVQ=");
  }
  REQUIRE(other.RequestCount("/public") == 1);
  CHECK(other.Requests("/public")[0].Header("authorization").empty());
  CHECK(log.Count("new " + site.Url("/page")) == 2);  // the debug lines are there
  CHECK(log.Count("SECRET") == 0);
  CHECK(harness.MetricsText().find("SECRET") == std::string::npos);
  for (const char* source : {"page", "pages"}) {
    freshd::testing::Ok(
        harness.store().ForEachDocument(source, [](const DocumentKey& key, const auto&) {
          CHECK(key.uri.find("SECRET") == std::string::npos);
          return true;
        }));
  }
}

TEST_CASE("a reload that moves a page's URL marks the old document removed") {
  TempDir site;
  WriteFile(site.path() / "old.html", Page("old"));
  WriteFile(site.path() / "new.html", Page("new"));
  Nginx nginx(site.path(), site.path() / "nginx-work");
  EngineHarness harness(
      Workload(Source("page", "http: { url: \"" + nginx.Url("/old.html") + "\" }")));
  harness.Check("page");
  REQUIRE(harness.Reconfigure(
              Workload(Source("page", "http: { url: \"" + nginx.Url("/new.html") + "\" }"))) == "");
  harness.Check("page");
  harness.Check("page");  // the old URL's second miss
  CHECK(harness.State("page").documents == 1);
  CHECK(harness.store().Get({"page", nginx.Url("/old.html")})->removed);
  CHECK_FALSE(harness.store().Get({"page", nginx.Url("/new.html")})->removed);
}

TEST_CASE("a reload with a selector that does not compile changes nothing") {
  TempDir root;
  WriteFile(root.path() / "a.md", "# a");
  const std::string dir_source =
      "directory: { path: " + root.path().string() + ", glob: \"*.md\" }";
  EngineHarness harness(Workload(Source("one", dir_source)));
  harness.Check("one");
  const std::string error = harness.Reconfigure(
      "  - name: other\n    strategy: rag\n    sources:\n" + Source("one", dir_source) +
      Source("two", dir_source, "        select: { xpath: \"//p[\" }\n"));
  CHECK(error.find("source two") != std::string::npos);
  // Still labelled with its old workload, with its series intact.
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_documents",
                    {"source=\"one\"", "workload=\"w\"", "state=\"supported\""}) == 1);
}

TEST_CASE("a source removed by a reload leaves /metrics and is not checked") {
  TempDir root;
  WriteFile(root.path() / "a.md", "# a");
  const std::string dir_source =
      "directory: { path: " + root.path().string() + ", glob: \"*.md\" }";
  EngineHarness harness(Workload(Source("keep", dir_source) + Source("drop", dir_source)));
  harness.Check("keep");
  harness.Check("drop");
  REQUIRE(harness.Reconfigure(Workload(Source("keep", dir_source))) == "");
  const std::string metrics = harness.MetricsText();
  CHECK(metrics.find("source=\"drop\"") == std::string::npos);
  CHECK(metrics.find("source=\"keep\"") != std::string::npos);
  CHECK(harness.Check("drop").documents_checked == 0);
  CHECK(harness.State("keep").documents == 1);  // state of a source that stays is kept
}

TEST_CASE("headers read from a file or the environment reach the server, and no log line") {
  FaultServer server;
  server.Route("/private", FaultServer::Plain().Header("Content-Type", "text/plain").Body("ok"));
  TempDir secrets;
  WriteFile(secrets.path() / "token", "s3cret-from-file\n");
  setenv("FRESHD_TEST_KEY", "s3cret-from-env", 1);
  LogCapture log;
  EngineHarness harness(
      Workload(Source("private", "http: { url: \"" + server.Url("/private") + "\" }",
                      "        headers:\n          Authorization: { file: " + (secrets / "token") +
                          " }\n          X-Api-Key: { env: FRESHD_TEST_KEY }\n")));
  CHECK_FALSE(harness.Check("private").failed);
  auto requests = server.Requests("/private");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].Header("authorization") == "s3cret-from-file");
  CHECK(requests[0].Header("x-api-key") == "s3cret-from-env");
  CHECK(log.Count("s3cret") == 0);
  CHECK(harness.MetricsText().find("s3cret") == std::string::npos);
}

TEST_CASE("a clock and a token on the page are learned as volatile, a real change is not") {
  FaultServer server;
  auto page = [](const std::string& body, const std::string& time, const std::string& token) {
    return FaultServer::Plain()
        .Header("Content-Type", "text/html")
        .Body("<html><body><main><h1>Refunds</h1><p>" + body + "</p><p>Rendered " + time +
              " UTC, request id " + token + "</p></main></body></html>");
  };
  server.Route("/page", page("Refunds within 30 days.", "2026-11-25 10:00:01", "a81f2c"));
  freshd::daemon::EngineOptions options;
  options.probe_delay = std::chrono::milliseconds(100);
  options.slow_probe_delay = std::chrono::milliseconds(300);
  EngineHarness harness(Workload(Source("page", "http: { url: \"" + server.Url("/page") + "\" }")),
                        "", options);
  const DocumentKey key{"page", server.Url("/page")};

  CHECK(harness.Check("page").changed == 1);  // new: two probes follow, 100 ms apart
  server.Route("/page", page("Refunds within 30 days.", "2026-11-25 10:00:04", "77e0d9"));
  for (int i = 0; i < 250 && server.RequestCount("/page") < 2; ++i) {
    harness.RunFor(std::chrono::milliseconds(20));
  }
  server.Route("/page", page("Refunds within 30 days.", "2026-11-25 10:00:07", "5d21aa"));
  for (int i = 0; i < 50 && harness.store().Get(key)->volatile_masks.empty(); ++i) {
    harness.RunFor(std::chrono::milliseconds(50));
  }
  INFO("requests: " << server.RequestCount("/page"));
  REQUIRE_FALSE(harness.store().Get(key)->volatile_masks.empty());
  CHECK(server.RequestCount("/page") == 3);

  // Another time and token an hour later: masked, so unchanged.
  server.Route("/page", page("Refunds within 30 days.", "2026-11-25 11:13:52", "0c44be"));
  CHECK(harness.Check("page").changed == 0);
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_volatile_fragments_masked_total",
                    {"source=\"page\""}) >= 1);

  // A real change of the policy is still a change. Its check waits for the probes that
  // confirm it, which do not take it for noise: it happens once, not on every fetch.
  const auto masks_before = harness.store().Get(key)->volatile_masks;
  server.Route("/page", page("Refunds within 14 days.", "2026-11-25 12:00:00", "9ab0e1"));
  CHECK(harness.Check("page").changed == 1);
  // The check and its two probes, the masked check, this one, then its probes: a quick one
  // that saw nothing move, and two slower ones.
  CHECK(server.RequestCount("/page") == 8);
  CHECK(harness.store().Get(key)->volatile_masks == masks_before);
  server.Route("/page", page("Refunds within 30 days.", "2026-11-25 12:30:00", "1f00aa"));
  CHECK(harness.Check("page").changed == 1);
}

TEST_CASE("a clock that shows minutes is caught by the slower second round of probes") {
  FaultServer server;
  auto page = [](const std::string& clock) {
    return FaultServer::Plain()
        .Header("Content-Type", "text/html")
        .Body("<html><body><main><p>Rates apply from Monday.</p><p>As of " + clock +
              " today</p></main></body></html>");
  };
  server.Route("/rates", page("10:01"));
  freshd::daemon::EngineOptions options;
  options.probe_delay = std::chrono::milliseconds(50);
  options.slow_probe_delay = std::chrono::milliseconds(400);
  EngineHarness harness(
      Workload(Source("rates", "http: { url: \"" + server.Url("/rates") + "\" }")), "", options);
  const DocumentKey key{"rates", server.Url("/rates")};
  auto wait_for_requests = [&](int count) {
    for (int i = 0; i < 250 && server.RequestCount("/rates") < count; ++i) {
      harness.RunFor(std::chrono::milliseconds(10));
    }
    return server.RequestCount("/rates") == count;
  };
  REQUIRE(harness.Check("rates").changed == 1);
  REQUIRE(wait_for_requests(2));  // the quick probe: nothing moved
  server.Route("/rates", page("10:02"));
  REQUIRE(wait_for_requests(3));  // the slow round, first probe
  server.Route("/rates", page("10:03"));
  REQUIRE(wait_for_requests(4));  // and the second
  for (int i = 0; i < 50 && harness.store().Get(key)->volatile_masks.empty(); ++i) {
    harness.RunFor(std::chrono::milliseconds(20));
  }
  CHECK(harness.store().Get(key)->volatile_masks.size() == 1);
  server.Route("/rates", page("17:45"));
  CHECK(harness.Check("rates").changed == 0);
}

TEST_CASE("of the documents new in a run, only a sample is probed") {
  FaultServer server;
  std::string sitemap = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
  for (int i = 0; i < 30; ++i) {
    const std::string path = "/doc" + std::to_string(i);
    server.Route(path, FaultServer::Plain().Header("Content-Type", "text/plain").Body(path));
    sitemap += "<url><loc>" + server.Url(path) + "</loc></url>";
  }
  server.Route(
      "/sitemap.xml",
      FaultServer::Plain().Header("Content-Type", "application/xml").Body(sitemap + "</urlset>"));
  freshd::daemon::EngineOptions options;
  options.probe_delay = std::chrono::milliseconds(20);
  options.new_documents_probed_per_run = 5;
  EngineHarness harness(
      Workload(Source("docs", "sitemap: { url: \"" + server.Url("/sitemap.xml") + "\" }")), "",
      options);
  CHECK(harness.Check("docs").changed == 30);
  harness.RunFor(std::chrono::milliseconds(500));
  int requests = 0;
  for (int i = 0; i < 30; ++i) requests += server.RequestCount("/doc" + std::to_string(i));
  CHECK(requests == 30 + 5);  // one fetch each, one quick probe for five of them
}
