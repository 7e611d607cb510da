// Listing a commit's files (globs, submodules, symlinks) and reading blobs under a limit.
#include <catch2/catch.hpp>
#include <filesystem>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/test_util.h"

namespace freshd::testing {
namespace {

TEST_CASE("submodules and symlinks are listed apart from files") {
  GitWorkspace git;
  git.Commit({{"docs/a.md", "a\n"}, {"tool.sh", "#!/bin/sh\n"}});
  const std::string first = git.Head();
  std::filesystem::create_symlink("docs/a.md", git.work() / "link.md");
  git.Git({"update-index", "--chmod=+x", "tool.sh"});
  git.Git({"add", "link.md"});
  git.Git({"update-index", "--add", "--cacheinfo", "160000," + first + ",vendor/lib"});
  git.Git({"commit", "-q", "-m", "a submodule and a symbolic link"});
  git.Push();
  auto repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
  const auto head = MustFetch(*repo).head;

  auto tree = repo->ListFiles(head, {});
  REQUIRE(tree.ok());
  REQUIRE(tree->files.size() == 2);
  CHECK(tree->files[0].path == "docs/a.md");
  CHECK(tree->files[1].path == "tool.sh");  // executable: still a file
  CHECK(tree->submodules == std::vector<std::string>{"vendor/lib"});
  CHECK(tree->symlinks == std::vector<std::string>{"link.md"});

  auto markdown = repo->ListFiles(head, {"**/*.md"});
  REQUIRE(markdown.ok());
  REQUIRE(markdown->files.size() == 1);
  CHECK(markdown->symlinks == std::vector<std::string>{"link.md"});
  CHECK(markdown->submodules.empty());
}

TEST_CASE("a blob larger than the limit is refused and a smaller limit is not a read") {
  GitWorkspace git;
  const std::string big(2 << 20, 'x');
  git.Commit({{"big.txt", big}});
  git.Push();
  auto repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
  auto tree = repo->ListFiles(MustFetch(*repo).head, {});
  REQUIRE(tree.ok());
  REQUIRE(tree->files.size() == 1);
  CHECK(tree->files[0].size == big.size());

  const auto refused = repo->ReadBlob(tree->files[0].blob, 1 << 20);
  CHECK(refused.status().IsResourceExhausted());
  const auto read = repo->ReadBlob(tree->files[0].blob, big.size());
  REQUIRE(read.ok());
  CHECK(read->size() == big.size());
}

TEST_CASE("unknown commits and blobs are NotFound and malformed ids InvalidArgument") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  auto repo = MustOpen(git.CloneDir("c"), Remote(git.bare().string()));
  MustFetch(*repo);
  const std::string absent(40, '7');

  CHECK(repo->ListFiles(absent, {}).status().IsNotFound());
  CHECK(repo->ReadBlob(absent, 10).status().IsNotFound());
  CHECK(repo->ListFiles("HEAD", {}).status().IsInvalidArgument());
  CHECK(repo->History(absent, {"a.md"}, 10).status().IsNotFound());
}

}  // namespace
}  // namespace freshd::testing
