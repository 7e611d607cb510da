// The day-one answer end to end: nginx serves 20 pages whose files (and so whose
// Last-Modified) date from June 2024, listed in a sitemap, beside a handbook folder of the
// same age; a daemon with a short hold_for calls the workload stable and recommends
// fine-tuning after two checks, and says that the sources' dates are trusted.
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/integration/daemon_under_test.h"

using freshd::testing::DaemonUnderTest;
using freshd::testing::FreshdBinary;
using freshd::testing::HttpGet;
using freshd::testing::Nginx;
using freshd::testing::RunCommand;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

namespace {

constexpr std::time_t kJune2024 = 1717200000;  // 2024-06-01T00:00:00Z

void WriteOld(const std::filesystem::path& path, const std::string& content) {
  WriteFile(path, content);
  const timespec times[2] = {{kJune2024, 0}, {kJune2024, 0}};
  REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("twenty pages and a handbook unchanged since June 2024 are stable on day one") {
  TempDir dir;
  Nginx nginx(dir.path() / "site", dir.path() / "nginx");
  std::string sitemap =
      "<?xml version=\"1.0\"?>\n<urlset "
      "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (int i = 0; i < 20; ++i) {
    const std::string name = "/policy-" + std::to_string(i) + ".html";
    WriteOld(dir.path() / "site" / name.substr(1),
             "<html><body><main><p>Policy " + std::to_string(i) + "</p></main></body></html>");
    sitemap += "  <url><loc>" + nginx.Url(name) + "</loc></url>\n";
  }
  WriteFile(dir.path() / "site" / "sitemap.xml", sitemap + "</urlset>\n");
  for (int i = 0; i < 5; ++i) {
    WriteOld(dir.path() / "docs" / ("chapter-" + std::to_string(i) + ".md"),
             "# Chapter " + std::to_string(i));
  }
  DaemonUnderTest freshd(dir, "1s", "advisor: { hold_for: 2s, assess_every: 1s }\n",
                         "      - name: pages\n        sitemap: { url: \"" +
                             nginx.Url("/sitemap.xml") + "\" }\n" +
                             freshd::testing::DirectorySource("handbook", dir / "docs"));
  REQUIRE(freshd.Ready());

  nlohmann::json view;
  for (int i = 0; i < 300; ++i) {
    view = nlohmann::json::parse(HttpGet(freshd.base + "/api/v1/workloads/docs").body, nullptr,
                                 /*allow_exceptions=*/false);
    if (view.is_object() && view.value("recommendation", "") == "fine_tuning") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  INFO(view.dump(2));
  REQUIRE(view.is_object());
  CHECK(view["recommendation"] == "fine_tuning");
  CHECK(view["frequency"] == "stable");
  CHECK(view["rate"]["method"] == "pooled+reported");
  for (const auto& source : view["sources"]) CHECK(source["history_trusted"] == true);
  const std::string reasons = view["reasons"].dump();
  CHECK(reasons.find("last_modified x20, mtime x5") != std::string::npos);

  const std::string metrics = HttpGet(freshd.base + "/metrics").body;
  CHECK(metrics.find("freshd_source_history_trusted{source=\"pages\",workload=\"docs\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("freshd_source_history_trusted{source=\"handbook\",workload=\"docs\"} 1") !=
        std::string::npos);

  std::string output;
  REQUIRE(RunCommand({FreshdBinary(), "explain", "docs", "--url", freshd.base}, &output) == 0);
  INFO(output);
  CHECK(output.find("reported history: ") != std::string::npos);
  CHECK(output.find("reported dates trusted") != std::string::npos);
}
