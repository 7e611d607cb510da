// The status page in a real browser (Debian's chromium, headless) loaded from a running
// freshd: what a person sees, a sink outage included, and assessments that keep up.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
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
using freshd::testing::RunCommand;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;
using nlohmann::json;

namespace {

std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream folders(path == nullptr ? "" : path);
  for (std::string folder; std::getline(folders, folder, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(folder) / program;
    if (!folder.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::vector<std::string> Chromium(const std::string& binary, const TempDir& profile) {
  // Bounded by `timeout`, so that a browser that hangs fails the test instead of CI.
  return {"timeout",
          "90",
          binary,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile.path().string()};
}

// A screenshot of `url` at 1280x900 in FRESHD_SCREENSHOT_DIR/`name`, which the test keeps for
// people to look at; checked to be a picture of some size.
void Screenshot(const std::string& chromium, const std::string& url, const std::string& name) {
  const std::filesystem::path screenshot = std::filesystem::path(FRESHD_SCREENSHOT_DIR) / name;
  std::filesystem::remove(screenshot);
  TempDir profile;
  auto shoot = Chromium(chromium, profile);
  shoot.insert(shoot.end(), {"--screenshot=" + screenshot.string(), "--window-size=1280,900", url});
  std::string output;
  REQUIRE(RunCommand(shoot, &output) == 0);
  INFO(output);
  REQUIRE(std::filesystem::exists(screenshot));
  CHECK(std::filesystem::file_size(screenshot) > 10 * 1024);
  std::cout << "screenshot: " << screenshot.string() << "\n";
}

// Polls `url` until `accept(body)`, for up to 20 s; returns the last body.
template <typename Accept>
std::string PollUntil(const std::string& url, Accept accept) {
  std::string body;
  for (int i = 0; i < 400; ++i) {
    body = HttpGet(url).body;
    if (accept(body)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return body;
}

// A field of the first source in /api/v1/sources, or -1.
int SourceField(const std::string& body, const char* field) {
  const json sources = json::parse(body, nullptr, false);
  if (!sources.is_object() || !sources.contains("sources") || sources["sources"].empty()) {
    return -1;
  }
  return sources["sources"][0].value(field, -1);
}

}  // namespace

TEST_CASE("a person sees workloads, recommendation and charts in a real browser") {
  const std::string chromium = FindOnPath("chromium");
  if (chromium.empty()) {
    FAIL(
        "chromium is not on PATH: install it (scripts/install-deps.sh installs Debian's "
        "chromium) to test the status page in a browser");
  }
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a\n\nfirst");
  WriteFile(dir.path() / "docs" / "b.md", "# b");
  const int port = FreePort();
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, "state_dir: " + (dir / "state") + "\nlisten: 127.0.0.1:" + std::to_string(port) +
                      "\ndefaults: { interval: 1s, timeout: 2s }\n"
                      "advisor: { assess_every: 1s }\n"
                      "workloads:\n  - name: team-handbook\n    strategy: fine_tuning\n"
                      "    sources:\n      - name: handbook-folder\n        directory: { path: " +
                      (dir / "docs") + ", glob: \"**/*.md\" }\n");
  ChildProcess daemon({FreshdBinary(), "run", "-c", file}, dir.path() / "freshd.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  // Two edits, each seen by a check, so that the chart has bars.
  const std::string sources = base + "/api/v1/sources";
  const auto documents = [](int n) {
    return [n](const std::string& body) { return SourceField(body, "documents") == n; };
  };
  const auto changes = [](int n) {
    return [n](const std::string& body) { return SourceField(body, "changes") >= n; };
  };
  REQUIRE(SourceField(PollUntil(sources, documents(2)), "documents") == 2);
  WriteFile(dir.path() / "docs" / "a.md", "# a\n\nsecond");
  REQUIRE(SourceField(PollUntil(sources, changes(1)), "changes") >= 1);
  WriteFile(dir.path() / "docs" / "b.md", "# b\n\nedited");
  REQUIRE(SourceField(PollUntil(sources, changes(2)), "changes") >= 2);

  const std::string workloads = PollUntil(base + "/api/v1/workloads", [](const std::string& b) {
    return b.find("team-handbook") != std::string::npos;
  });
  const json parsed = json::parse(workloads);
  REQUIRE(parsed["workloads"].size() == 1);
  const std::string recommendation = parsed["workloads"][0]["recommendation"];

  const auto page = HttpGet(base + "/");
  CHECK(page.status == 200);

  TempDir profile;
  auto dump = Chromium(chromium, profile);
  dump.insert(dump.end(), {"--dump-dom", base + "/"});
  std::string dom;
  REQUIRE(RunCommand(dump, &dom) == 0);
  INFO(dom);
  CHECK(dom.find("<h3>team-handbook</h3>") != std::string::npos);
  CHECK(dom.find(">" + recommendation + "</span>") != std::string::npos);
  CHECK(dom.find("<svg class=\"changes\"") != std::string::npos);
  CHECK(dom.find("<b>handbook-folder</b>") != std::string::npos);
  CHECK(dom.find(" changes in the last 30 days") != std::string::npos);

  Screenshot(chromium, base + "/", "status_page.png");
}

namespace {

// The number after `label` in `html`, or -1.
long NumberAfter(const std::string& html, const std::string& label) {
  const auto at = html.find(label);
  if (at == std::string::npos) return -1;
  return std::strtol(html.c_str() + at + label.size(), nullptr, 10);
}

}  // namespace

TEST_CASE("a person sees a sink that is down: failing with its pending operations and error") {
  const std::string chromium = FindOnPath("chromium");
  if (chromium.empty()) {
    FAIL(
        "chromium is not on PATH: install it (scripts/install-deps.sh installs Debian's chromium)");
  }
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# Refunds\n\nRefunds take 14 days.");
  WriteFile(dir.path() / "docs" / "b.md", "# Shipping\n\nWe ship within 2 days.");
  const int port = FreePort();
  const int closed = FreePort();  // nothing listens there: the sink and one source are down
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, "state_dir: " + (dir / "state") + "\nlisten: 127.0.0.1:" + std::to_string(port) +
                      "\ndefaults: { interval: 1s, timeout: 2s }\n"
                      "advisor: { assess_every: 1s }\n"
                      "rag_store: { kind: webhook, webhook: { url: \"http://127.0.0.1:" +
                      std::to_string(closed) +
                      "/ingest\" } }\n"
                      "workloads:\n  - name: support-policies\n    strategy: rag\n"
                      "    sources:\n      - name: policy-folder\n        directory: { path: " +
                      (dir / "docs") +
                      ", glob: \"**/*.md\" }\n"
                      "      - name: refund-page\n        http: { url: \"http://127.0.0.1:" +
                      std::to_string(closed) + "/policies/refund?lang=en&format=html\" }\n");
  ChildProcess daemon({FreshdBinary(), "run", "-c", file}, dir.path() / "freshd.log");
  const std::string base = "http://127.0.0.1:" + std::to_string(port);

  const json index = json::parse(PollUntil(base + "/api/v1/index", [](const std::string& body) {
    const json parsed = json::parse(body, nullptr, false);
    return parsed.is_object() && parsed.value("state", "") == "failing" &&
           parsed.value("pending_operations", 0) > 0;
  }));
  INFO(index.dump());
  REQUIRE(index["state"] == "failing");
  REQUIRE(index["last_error"].is_string());
  CHECK(index["oldest_pending_detected"].is_string());
  CHECK(index["oldest_pending_age_seconds"].is_number());
  PollUntil(base + "/api/v1/sources", [](const std::string& body) {
    return body.find("\"backoff_until\":\"") != std::string::npos;
  });

  TempDir profile;
  auto dump = Chromium(chromium, profile);
  dump.insert(dump.end(), {"--dump-dom", base + "/"});
  std::string dom;
  REQUIRE(RunCommand(dump, &dom) == 0);
  INFO(dom);
  const auto header = dom.substr(0, dom.find("</header>"));
  CHECK(header.find("<b>sink failing</b>") != std::string::npos);
  CHECK(header.find("<b>1 failing</b>") != std::string::npos);  // refund-page
  const auto sink = dom.substr(dom.find("<section id=\"rag-store\">"));
  CHECK(sink.find("<h3>webhook</h3>") != std::string::npos);
  CHECK(sink.find(">failing</span>") != std::string::npos);
  CHECK(NumberAfter(sink, "<dt>Pending operations</dt><dd>") > 0);
  CHECK(sink.find("<dt>Last error</dt>") != std::string::npos);
  CHECK(sink.find("the oldest pending operation") != std::string::npos);
  CHECK(dom.find(">backing off</span>") != std::string::npos);
  CHECK(dom.find("in a row</div>") != std::string::npos);

  Screenshot(chromium, base + "/", "status_page_sink_down.png");
}

namespace {

// The first reason of the only workload in /api/v1/workloads, or "".
std::string FirstReason(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("workloads") || parsed["workloads"].size() != 1) {
    return "";
  }
  const json& reasons = parsed["workloads"][0]["reasons"];
  return reasons.is_array() && !reasons.empty() ? reasons[0].get<std::string>() : "";
}

}  // namespace

// "none with two successful checks" stood on the page for up to assess_every (5 min by
// default) after the second check: a source checked six times said it.
TEST_CASE("a workload without data is assessed again after its second check, not an hour later") {
  FaultServer server;
  server.Route("/refunds", FaultServer::Plain()
                               .Header("Content-Type", "text/html")
                               .Body("<html><body><p>Refunds take 14 days.</p></body></html>"));
  TempDir dir;
  const int port = FreePort();
  const std::string file = dir / "freshd.yaml";
  // Checks 8 s apart: the first assessment, 5 s after start-up, sees one check at most.
  WriteFile(file, "state_dir: " + (dir / "state") + "\nlisten: 127.0.0.1:" + std::to_string(port) +
                      "\ndefaults: { interval: 8s, timeout: 2s }\n"
                      "advisor: { assess_every: 1h }\n"
                      "workloads:\n  - name: refunds\n    strategy: rag\n"
                      "    sources:\n      - name: refund-page\n        http: { url: \"" +
                      server.Url("/refunds") + "\" }\n");
  ChildProcess daemon({FreshdBinary(), "run", "-c", file}, dir.path() / "freshd.log");
  const std::string workloads = "http://127.0.0.1:" + std::to_string(port) + "/api/v1/workloads";

  const std::string first = FirstReason(
      PollUntil(workloads, [](const std::string& body) { return !FirstReason(body).empty(); }));
  REQUIRE(first.find("none with two successful checks at this assessment") != std::string::npos);
  // Bounded by 90 s (the second check comes within 16 s); assess_every would be an hour.
  std::string reason = first;
  for (int i = 0; i < 900 && reason.find("none with two") != std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reason = FirstReason(HttpGet(workloads).body);
  }
  INFO(reason);
  CHECK(reason.rfind("observed 1 of 1 documents", 0) == 0);
  CHECK(server.RequestCount("/refunds") >= 2);
}
