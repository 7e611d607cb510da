// The configuration of documents and git sources: select's pages and heading, max_pages,
// and the `git:` kind with its secrets kept out of the URL.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/config/config_test_util.h"

namespace freshd::config {
namespace {

using testing::Messages;
using testing::ParseYaml;
using Lines = std::vector<std::string>;

TEST_CASE("a git source reads its remote, branch, paths, token and depth", "[config][git]") {
  ::setenv("FRESHD_TEST_GIT_TOKEN", "s3cret", 1);
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: runbooks
        git:
          url: https://git.example.com/ops/runbooks.git
          branch: live
          paths: ["docs/**/*.md", "policies/*.pdf"]
          token_env: FRESHD_TEST_GIT_TOKEN
          history_depth: 500
      - name: local
        git: { url: /srv/git/handbook.git }
        max_pages: 40
        select: { pages: "1-3, 7", heading: "^Refunds" }
)yaml");
  ::unsetenv("FRESHD_TEST_GIT_TOKEN");
  REQUIRE(result.config.has_value());
  const Source& runbooks = result.config->workloads[0].sources[0];
  CHECK(runbooks.kind == SourceKind::kGit);
  CHECK(runbooks.git.url == "https://git.example.com/ops/runbooks.git");
  CHECK(runbooks.git.branch == "live");
  CHECK(runbooks.git.paths == std::vector<std::string>{"docs/**/*.md", "policies/*.pdf"});
  CHECK(runbooks.git.token == "s3cret");
  CHECK(runbooks.git.username == "x-access-token");
  CHECK(runbooks.git.history_depth == 500);
  const Source& local = result.config->workloads[0].sources[1];
  CHECK(local.git.branch == "main");
  CHECK(local.git.paths.empty());
  CHECK(local.git.history_depth == 10'000);
  CHECK(local.fetch.max_pages == 40);
  CHECK(local.select.pages == "1-3, 7");
  CHECK(local.select.heading == "^Refunds");
  CHECK(local.select.kind == Selector::Kind::kNone);
}

TEST_CASE("git and document settings that cannot work are errors at their place", "[config][git]") {
  const LoadResult result = ParseYaml(R"yaml(
workloads:
  - name: w
    strategy: rag
    sources:
      - name: a
        git: { url: "https://me:pw@git.example.com/r.git" }
      - name: b
        git: { url: "ftp://example.com/r.git", paths: ["/etc/*"], history_depth: 0 }
      - name: c
        git: { branch: main }
        select: { pages: "0-2" }
        max_pages: 0
)yaml");
  CHECK_FALSE(result.config.has_value());
  CHECK(Messages(result) ==
        Lines{
            "test.yaml:6:21: 'url' holds a password: put the token in 'token_file' (or "
            "'token_env') instead",
            "test.yaml:8:21: 'url' must be an https://, http://, git://, ssh:// or file:// URL "
            "or an absolute path, not 'ftp://example.com/r.git'",
            "test.yaml:8:56: 'paths' are relative to the repository root, not '/etc/*'",
            "test.yaml:8:82: 'history_depth' must be between 1 and 10000000, not 0",
            "test.yaml:10:14: 'git' of source 'c' needs 'url'",
            "test.yaml:11:26: 'pages' is not a page list such as \"1-3,7\": page 0: pages count "
            "from 1",
            "test.yaml:12:20: 'max_pages' must be between 1 and 1000000, not 0",
        });
}

}  // namespace
}  // namespace freshd::config
