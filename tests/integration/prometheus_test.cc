// A real Prometheus, with freshd's alert rules, scraping a freshd that watches a page which
// changes every eight seconds while its workload runs on fine-tuning: the
// move-to-RAG alert fires. Thresholds and `for:` durations are scaled down to seconds.
// And a real Prometheus scraping two freshd answers every query of the shipped dashboard,
// one line per freshd.
#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/daemon_under_test.h"
#include "tests/integration/http_get.h"
#include "tests/support/fault_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using freshd::testing::ChildProcess;
using freshd::testing::DaemonUnderTest;
using freshd::testing::FaultServer;
using freshd::testing::FreePort;
using freshd::testing::FreshdBinary;
using freshd::testing::HttpGet;
using freshd::testing::ReadFile;
using freshd::testing::TempDir;
using freshd::testing::WaitForPort;
using freshd::testing::WriteFile;

namespace {

bool AlertFiring(const std::string& prometheus, const std::string& name) {
  auto json = nlohmann::json::parse(HttpGet(prometheus + "/api/v1/alerts").body, nullptr, false);
  if (json.is_discarded()) return false;
  for (const auto& alert : json["data"]["alerts"]) {
    if (alert["labels"]["alertname"] == name && alert["state"] == "firing") return true;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "Prometheus fires FreshdWorkloadShouldMoveToRag for a fast-changing fine-tuned workload") {
  TempDir dir;
  FaultServer server;
  std::atomic<bool> changing{true};
  std::thread editor([&] {
    for (int version = 0; changing; ++version) {
      server.Route("/policy", FaultServer::Plain()
                                  .Header("Content-Type", "text/plain")
                                  .Body("Policy version " + std::to_string(version)));
      // Slower than the volatility probes (made quick below), which would take a page that
      // changes on every fetch for a clock.
      for (int tick = 0; tick < 80 && changing; ++tick) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });

  const int freshd_port = FreePort();
  WriteFile(dir.path() / "freshd.yaml",
            "state_dir: " + (dir / "state") + "\nlisten: 127.0.0.1:" + std::to_string(freshd_port) +
                "\nadvisor:\n  rag_if_changes_faster_than: 10m\n  fine_tune_if_stable_for: 1h\n"
                "  hold_for: 1s\n  assess_every: 1s\ndefaults: { interval: 1s }\nworkloads:\n"
                "  - name: merchant-classifier\n    strategy: fine_tuning\n"
                "    latency_budget: 800ms\n    sources:\n      - name: policy\n"
                "        http: { url: \"" +
                server.Url("/policy") + "\" }\n");
  // The shipped rules, with every `for:` cut to a second.
  const std::string rules =
      std::regex_replace(ReadFile(FRESHD_ALERT_RULES), std::regex("for: \\S+"), "for: 1s");
  WriteFile(dir.path() / "alerts.yml", rules);
  const int prometheus_port = FreePort();
  WriteFile(dir.path() / "prometheus.yml",
            "global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [" +
                (dir / "alerts.yml") +
                "]\nscrape_configs:\n  - job_name: freshd\n"
                "    static_configs: [{ targets: ['127.0.0.1:" +
                std::to_string(freshd_port) + "'] }]\n");

  {
    // A change waits for the volatility probes that confirm it: milliseconds here.
    ChildProcess freshd({"env", "FRESHD_TEST_PROBE_DELAYS_MS=100,500", FreshdBinary(), "run", "-c",
                         dir / "freshd.yaml"},
                        dir.path() / "freshd.log");
    ChildProcess prometheus({"prometheus", "--config.file=" + (dir / "prometheus.yml"),
                             "--storage.tsdb.path=" + (dir / "tsdb"),
                             "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                            dir.path() / "prometheus.log");
    REQUIRE(WaitForPort(freshd_port));
    REQUIRE(WaitForPort(prometheus_port, 30000));
    const std::string api = "http://127.0.0.1:" + std::to_string(prometheus_port);
    bool fired = false;
    for (int i = 0; i < 120 && !fired; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      fired = AlertFiring(api, "FreshdWorkloadShouldMoveToRag");
    }
    INFO(HttpGet("http://127.0.0.1:" + std::to_string(freshd_port) + "/api/v1/workloads").body);
    CHECK(fired);
    CHECK_FALSE(AlertFiring(api, "FreshdWorkloadShouldMoveToFineTuning"));
    CHECK_FALSE(AlertFiring(api, "FreshdSourceFailing"));
  }
  changing = false;
  editor.join();
}

namespace {

std::string PercentEncoded(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A dashboard query as Grafana sends it with every variable at All: $job, $instance,
// $workload and $source become .*, the interval and range macros durations.
std::string AsGrafanaSendsIt(std::string expr) {
  expr = std::regex_replace(expr, std::regex(R"(\$__rate_interval)"), "1m");
  expr = std::regex_replace(expr, std::regex(R"(\$__range)"), "1h");
  return std::regex_replace(expr, std::regex(R"(\$(job|instance|workload|source)\b)"), ".*");
}

// The result of an instant query, or a JSON null when Prometheus refused it.
nlohmann::json Query(const std::string& api, const std::string& expr) {
  auto json = nlohmann::json::parse(
      HttpGet(api + "/api/v1/query?query=" + PercentEncoded(expr)).body, nullptr, false);
  if (json.is_discarded() || json["status"] != "success") return nullptr;
  return json["data"]["result"];
}

std::set<std::string> Instances(const nlohmann::json& result) {
  std::set<std::string> instances;
  for (const auto& series : result) instances.insert(series["metric"].value("instance", ""));
  return instances;
}

}  // namespace

TEST_CASE("every dashboard query runs on a real Prometheus and keeps two freshd apart") {
  TempDir first_dir;
  TempDir second_dir;
  WriteFile(first_dir.path() / "docs" / "a.md", "# a");
  WriteFile(second_dir.path() / "docs" / "b.md", "# b");
  // A folder that does not exist: its scans fail, for the error panels.
  const std::string failing = freshd::testing::DirectorySource("missing", second_dir / "nowhere");
  DaemonUnderTest first(first_dir, "1s");
  DaemonUnderTest second(
      second_dir, "1s", "",
      freshd::testing::DirectorySource("handbook", second_dir / "docs") + failing);
  REQUIRE(first.Ready());
  REQUIRE(second.Ready());
  const std::set<std::string> both = {"127.0.0.1:" + std::to_string(first.port),
                                      "127.0.0.1:" + std::to_string(second.port)};

  TempDir dir;
  const int prometheus_port = FreePort();
  WriteFile(dir.path() / "prometheus.yml",
            "global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n"
            "  - job_name: freshd\n    static_configs: [{ targets: ['" +
                *both.begin() + "', '" + *both.rbegin() + "'] }]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + (dir / "prometheus.yml"),
                           "--storage.tsdb.path=" + (dir / "tsdb"),
                           "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                          dir.path() / "prometheus.log");
  REQUIRE(WaitForPort(prometheus_port, 30000));
  const std::string api = "http://127.0.0.1:" + std::to_string(prometheus_port);

  const auto dashboard = nlohmann::json::parse(ReadFile(FRESHD_DASHBOARD));
  std::vector<std::pair<std::string, std::string>> queries;  // panel title, query
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      queries.emplace_back(panel["title"], AsGrafanaSendsIt(target["expr"]));
    }
  }
  // Rates need two scrapes of each freshd, errors a failed scan of the missing folder.
  auto panel_query = [&](const std::string& title) {
    for (const auto& [panel, expr] : queries) {
      if (panel == title) return expr;
    }
    FAIL("no panel " << title);
    return std::string();
  };
  bool scraped = false;
  for (int i = 0; i < 120 && !scraped; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    scraped = Instances(Query(api, panel_query("Checks by result"))) == both &&
              Instances(Query(api, panel_query("CPU"))) == both &&
              !Query(api, panel_query("Errors by reason")).empty();
  }
  REQUIRE(scraped);

  for (const auto& [panel, expr] : queries) {
    INFO(panel << ": " << expr);
    const nlohmann::json result = Query(api, expr);
    REQUIRE(result.is_array());
    // Whatever a query returns is split by instance.
    for (const auto& series : result) CHECK(series["metric"].contains("instance"));
  }
  // Each freshd has its own line where both have data.
  for (const char* panel :
       {"Checks by result", "Documents per source", "Memory", "CPU", "File descriptors",
        "Index pending operations", "Index chunks", "Sink failing", "Recommendation over time"}) {
    INFO(panel);
    CHECK(Instances(Query(api, panel_query(panel))) == both);
  }
  // Only the second one fails, and the failure panels say so.
  const std::set<std::string> second_only = {"127.0.0.1:" + std::to_string(second.port)};
  CHECK(Instances(Query(api, panel_query("Errors by reason"))) == second_only);
  CHECK(Instances(Query(api, panel_query("Failed runs in a row"))) == second_only);
}

TEST_CASE("Prometheus fires FreshdIndexSinkFailing on a sink that answers 503 and resolves it") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a\n\nSome text to index.");
  FaultServer sink;
  sink.Route("/ingest", FaultServer::Plain().Status(503).Body("down for maintenance"));
  // Checked every second: the first check comes within a second of the start.
  DaemonUnderTest freshd(
      dir, "1s",
      "rag_store: { kind: webhook, webhook: { url: \"" + sink.Url("/ingest") + "\" } }\n");
  REQUIRE(freshd.Ready());

  // The shipped rules, with every `for:` cut to a second.
  WriteFile(dir.path() / "alerts.yml",
            std::regex_replace(ReadFile(FRESHD_ALERT_RULES), std::regex("for: \\S+"), "for: 1s"));
  const int prometheus_port = FreePort();
  WriteFile(dir.path() / "prometheus.yml",
            "global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [" +
                (dir / "alerts.yml") +
                "]\nscrape_configs:\n  - job_name: freshd\n"
                "    static_configs: [{ targets: ['127.0.0.1:" +
                std::to_string(freshd.port) + "'] }]\n");
  ChildProcess prometheus({"prometheus", "--config.file=" + (dir / "prometheus.yml"),
                           "--storage.tsdb.path=" + (dir / "tsdb"),
                           "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                          dir.path() / "prometheus.log");
  REQUIRE(WaitForPort(prometheus_port, 30000));
  const std::string api = "http://127.0.0.1:" + std::to_string(prometheus_port);

  auto wait_for = [&](const std::function<bool()>& done) {
    for (int i = 0; i < 120; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return done();
  };
  const std::string metrics = freshd.base + "/metrics";
  CHECK(wait_for([&] {
    return HttpGet(metrics).body.find("freshd_index_sink_failing{sink=\"webhook\"} 1") !=
           std::string::npos;
  }));
  CHECK(wait_for([&] { return AlertFiring(api, "FreshdIndexSinkFailing"); }));

  // The receiver is back: the next retry delivers, the gauge and the alert clear.
  sink.Route("/ingest", FaultServer::Plain().Status(200).Body("{}"));
  CHECK(wait_for([&] {
    return HttpGet(metrics).body.find("freshd_index_sink_failing{sink=\"webhook\"} 0") !=
           std::string::npos;
  }));
  CHECK(wait_for([&] { return !AlertFiring(api, "FreshdIndexSinkFailing"); }));
}
