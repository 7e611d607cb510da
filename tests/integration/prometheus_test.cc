// A real Prometheus, with freshd's alert rules, scraping a freshd that watches a page which
// changes every eight seconds while its workload runs on fine-tuning: the
// move-to-RAG alert fires. Thresholds and `for:` durations are scaled down to seconds.
#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/integration/http_get.h"
#include "tests/support/fault_server.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using freshd::testing::ChildProcess;
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
