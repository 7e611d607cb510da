// Commit times of files from the first-parent history.
#include <catch2/catch.hpp>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/test_util.h"

namespace freshd::testing {
namespace {

constexpr std::int64_t kT1 = 1'600'000'000;
constexpr std::int64_t kT2 = 1'610'000'000;
constexpr std::int64_t kT3 = 1'620'000'000;
constexpr std::int64_t kT4 = 1'630'000'000;

// a.md: added at T1, edited at T2 and T4; b.md: added at T1, untouched; c.md: added at T3.
struct ThreeDates {
  GitWorkspace git;
  std::unique_ptr<git::Repository> repo;
  std::string head;
  std::string at_t2;

  ThreeDates() {
    git.Commit({{"a.md", "1\n"}, {"b.md", "b\n"}}, At(kT1));
    git.Commit({{"a.md", "2\n"}}, At(kT2));
    at_t2 = git.Head();
    git.Commit({{"c.md", "c\n"}}, At(kT3));
    git.Commit({{"a.md", "4\n"}}, At(kT4));
    git.Push();
    repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
    head = MustFetch(*repo).head;
  }
};

std::vector<std::int64_t> Ms(std::initializer_list<std::int64_t> seconds) {
  std::vector<std::int64_t> ms;
  for (const auto s : seconds) ms.push_back(s * 1000);
  return ms;
}

TEST_CASE("a file with three dated commits gives those times newest first and complete") {
  ThreeDates fixture;
  auto history = fixture.repo->History(fixture.head, {"c.md", "a.md", "b.md", "absent.md"}, 100);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 4);
  const auto& a = (*history)[0];
  CHECK(a.path == "a.md");
  CHECK(a.commit_times_ms == Ms({kT4, kT2, kT1}));
  CHECK(a.complete);
  CHECK((*history)[1].path == "absent.md");
  CHECK((*history)[1].commit_times_ms.empty());
  CHECK_FALSE((*history)[1].complete);
  CHECK((*history)[2].commit_times_ms == Ms({kT1}));
  CHECK((*history)[2].complete);
  CHECK((*history)[3].commit_times_ms == Ms({kT3}));
  CHECK((*history)[3].complete);
}

TEST_CASE("depth cuts the history and leaves it incomplete") {
  ThreeDates fixture;
  auto history = fixture.repo->History(fixture.head, {"a.md"}, 3);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].commit_times_ms == Ms({kT4, kT2}));
  CHECK_FALSE((*history)[0].complete);
}

TEST_CASE("the walk stops at stop_at") {
  ThreeDates fixture;
  auto history = fixture.repo->History(fixture.head, {"a.md", "c.md"}, 100, fixture.at_t2);
  REQUIRE(history.ok());
  CHECK((*history)[0].commit_times_ms == Ms({kT4}));
  CHECK_FALSE((*history)[0].complete);
  CHECK((*history)[1].commit_times_ms == Ms({kT3}));
  CHECK((*history)[1].complete);
}

TEST_CASE("a renamed file's history starts at the rename") {
  GitWorkspace git;
  git.Commit({{"old.md", "same text\n"}}, At(kT1));
  git.Commit({{"new.md", "same text\n"}}, At(kT2), {"old.md"});
  git.Commit({{"new.md", "edited\n"}}, At(kT3));
  git.Push();
  auto repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
  auto history = repo->History(MustFetch(*repo).head, {"new.md"}, 100);
  REQUIRE(history.ok());
  CHECK((*history)[0].commit_times_ms == Ms({kT3, kT2}));
  CHECK((*history)[0].complete);
}

TEST_CASE("a merged branch's own commits are not on the first-parent line") {
  GitWorkspace git;
  git.Commit({{"a.md", "1\n"}}, At(kT1));
  git.Git({"checkout", "-q", "-b", "side"});
  git.Commit({{"a.md", "side\n"}}, At(kT2));
  git.Git({"checkout", "-q", "main"});
  git.Git({"merge", "-q", "--no-ff", "-m", "merge", "side"}, At(kT3));
  git.Push();
  auto repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
  auto history = repo->History(MustFetch(*repo).head, {"a.md"}, 100);
  REQUIRE(history.ok());
  CHECK((*history)[0].commit_times_ms == Ms({kT3, kT1}));  // the merge, then the add
}

}  // namespace
}  // namespace freshd::testing
