// A git source in simulated time (run under ThreadSanitizer with the other engine tests):
// its fetches and file reads on the workers, its runs on the schedule, a reload between.
#include <catch2/catch.hpp>

#include "daemon/git_history.h"
#include "tests/daemon/engine_fixture.h"
#include "tests/git/git_fixture.h"

using freshd::testing::At;
using freshd::testing::EngineFixture;
using freshd::testing::GitWorkspace;
using namespace std::chrono_literals;

namespace {

std::string GitWorkload(const std::string& url, const std::string& paths) {
  return "  - name: w\n    strategy: rag\n    sources:\n      - name: repo\n"
         "        git: { url: \"" +
         url + "\", paths: " + paths + " }\n        interval: 15m\n";
}

}  // namespace

TEST_CASE("a git source on its schedule sees each pushed commit once and follows a reload") {
  GitWorkspace git;
  git.Commit({{"docs/a.md", "# A\n\none"}, {"docs/b.md", "# B\n\none"}, {"x.txt", "x"}},
             At(1'700'000'000));
  git.Push();
  const std::string url = "file://" + git.bare().string();
  EngineFixture engine(GitWorkload(url, "[\"docs/*.md\"]"));
  engine.StartSchedule();
  engine.Advance(1min);
  CHECK(engine.State("repo").documents == 2);
  CHECK(engine.State("repo").changes == 0);

  git.Commit({{"docs/a.md", "# A\n\ntwo"}}, At(1'700'100'000));
  git.Push();
  engine.Advance(1h);  // four runs: the commit is one change
  CHECK(engine.State("repo").changes == 1);

  REQUIRE(engine.Reconfigure(GitWorkload(url, "[\"docs/*.md\", \"*.txt\"]")).empty());
  engine.Advance(20min);
  CHECK(engine.State("repo").documents == 3);
  CHECK(engine.State("repo").changes == 1);
  // The file the new paths brought has its history too: its commit date.
  const std::string x = url + "#main:x.txt";
  CHECK(engine.store().Get({"repo", x})->modified_ms == 1'700'000'000'000);
  CHECK(freshd::daemon::LoadCommitTimes(engine.store(), "repo", x) ==
        std::vector<std::int64_t>{1'700'000'000'000});
}
