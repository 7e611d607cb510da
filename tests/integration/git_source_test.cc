// git sources through the real engine and the assessor: files at the branch head are
// documents, a commit changes only what it touched, and the repository's history answers
// on day one.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "daemon/assessor.h"
#include "daemon/git_history.h"
#include "tests/git/git_fixture.h"
#include "tests/integration/engine_harness.h"
#include "tests/rag/rag_test_util.h"

using freshd::advisor::Frequency;
using freshd::advisor::Recommendation;
using freshd::testing::At;
using freshd::testing::EngineHarness;
using freshd::testing::GitDaemon;
using freshd::testing::GitWorkspace;
using freshd::testing::MetricValue;

namespace {

constexpr std::int64_t kDay = 86400;

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Workloads(const std::string& url, const std::string& paths = "[\"docs/**\"]") {
  return "  - name: w\n    strategy: rag\n    explainability: optional\n    sources:\n"
         "      - name: repo\n        git: { url: \"" +
         url + "\", branch: main, paths: " + paths + " }\n";
}

freshd::config::Config Parsed(const std::string& workloads) {
  freshd::config::LoadResult loaded =
      freshd::config::Parse("advisor: { hold_for: 1h }\nworkloads:\n" + workloads, "test.yaml");
  REQUIRE(loaded.config.has_value());
  return *loaded.config;
}

double Checks(const EngineHarness& harness, const std::string& result) {
  return MetricValue(harness.MetricsText(), "freshd_source_checks_total",
                     {"source=\"repo\"", "result=\"" + result + "\""});
}

}  // namespace

TEST_CASE("a git source reads the files at the head and a commit changes only its own file") {
  GitWorkspace git;
  const std::int64_t start = Now() - 30 * kDay;
  git.Commit({{"docs/a.md", "# A\n\nfirst"}, {"docs/b.md", "# B\n\nfirst"}, {"src/x.c", "int x;"}},
             At(start));
  git.Commit({{"docs/a.md", "# A\n\nsecond"}}, At(start + kDay));
  git.Push();
  GitDaemon daemon(git.served());
  EngineHarness harness(Workloads(daemon.Url("repo.git")), "", {}, true);

  auto first = harness.Check("repo");
  REQUIRE_FALSE(first.failed);
  CHECK(first.changed == 2);  // docs only: src/x.c does not match
  CHECK(harness.State("repo").documents == 2);
  const std::string uri_a = daemon.Url("repo.git") + "#main:docs/a.md";
  const auto commits = freshd::daemon::LoadCommitTimes(harness.store(), "repo", uri_a);
  CHECK(commits == std::vector<std::int64_t>{start * 1000, (start + kDay) * 1000});
  CHECK(harness.store().Get({"repo", uri_a})->modified_ms == (start + kDay) * 1000);

  bool metadata_checked = false;
  for (const auto& operation : freshd::rag::testing::Queued(harness.store())) {
    if (operation.metadata.path != "docs/a.md") continue;
    CHECK(operation.metadata.revision == git.Head());
    CHECK(operation.metadata.uri == uri_a);
    metadata_checked = true;
  }
  CHECK(metadata_checked);

  auto quiet = harness.Check("repo");  // nothing new: every blob not modified
  CHECK(quiet.changed == 0);
  CHECK(Checks(harness, "not_modified") == 2);

  git.Commit({{"docs/b.md", "# B\n\nsecond"}}, At(Now() - 60));
  git.Push();
  CHECK(harness.Check("repo").changed == 1);
  CHECK(Checks(harness, "changed") == 3);  // the two new files, then b.md

  git.Commit({}, At(Now() - 30), {"docs/a.md"});
  git.Push();
  harness.Check("repo");
  harness.Check("repo");  // gone twice: removed
  CHECK(harness.State("repo").documents == 1);
}

TEST_CASE("an unreachable git remote fails its source and keeps what was recorded") {
  GitWorkspace git;
  git.Commit({{"docs/a.md", "# A"}}, At(Now() - kDay));
  git.Push();
  auto daemon = std::make_unique<GitDaemon>(git.served());
  EngineHarness harness(Workloads(daemon->Url("repo.git")), "defaults: { timeout: 2s }\n", {},
                        false);
  REQUIRE(harness.Check("repo").changed == 1);
  daemon.reset();  // the remote goes away
  auto run = harness.Check("repo");
  CHECK(run.failed);
  CHECK(MetricValue(harness.MetricsText(), "freshd_source_errors_total",
                    {"source=\"repo\"", "reason=\"connect\""}) == 1);
  CHECK(harness.State("repo").documents == 1);  // nothing removed
  CHECK(harness.State("repo").failing);
}

TEST_CASE("a repository quiet for two years is stable on day one and daily commits are fast") {
  const std::int64_t now = Now();
  SECTION("two years of quiet") {
    GitWorkspace git;
    std::map<std::string, std::string> files;
    for (int i = 0; i < 5; ++i)
      files["docs/p" + std::to_string(i) + ".md"] = "policy " + std::to_string(i);
    git.Commit(files, At(now - 2 * 365 * kDay));
    git.Push();
    const std::string workloads = Workloads("file://" + git.bare().string());
    EngineHarness harness(workloads, "", {}, false);
    REQUIRE(harness.Check("repo").changed == 5);
    auto views = freshd::daemon::AssessWorkloads(harness.store(), Parsed(workloads),
                                                 static_cast<double>(Now()));
    const auto& view = views.at("w");
    INFO(view.assessment.interval_lower_seconds / kDay << " days lower bound");
    CHECK(view.assessment.frequency == Frequency::kStable);
    CHECK(view.assessment.recommendation == Recommendation::kFineTuning);
  }
  SECTION("a commit a day") {
    GitWorkspace git;
    for (int day = 60; day >= 1; --day) {
      git.Commit({{"docs/changelog.md", "entry " + std::to_string(day)}}, At(now - day * kDay));
    }
    git.Push();
    const std::string workloads = Workloads("file://" + git.bare().string());
    EngineHarness harness(workloads, "", {}, false);
    REQUIRE(harness.Check("repo").changed == 1);
    auto views = freshd::daemon::AssessWorkloads(harness.store(), Parsed(workloads),
                                                 static_cast<double>(Now()));
    const auto& view = views.at("w");
    INFO(view.assessment.interval_upper_seconds / kDay << " days upper bound");
    CHECK(view.assessment.frequency == Frequency::kFast);
    CHECK(view.assessment.recommendation == Recommendation::kRag);
  }
}
