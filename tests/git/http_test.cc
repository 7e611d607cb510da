// Fetching over smart HTTP from `git http-backend`, with and without basic auth.
#include <catch2/catch.hpp>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/http_backend.h"
#include "tests/git/test_util.h"

namespace freshd::testing {
namespace {

TEST_CASE("an http remote served by git http-backend is cloned and fetched again") {
  GitWorkspace git;
  git.Commit({{"docs/a.md", "a\n"}}, At(1'600'000'000));
  git.Push();
  GitHttpBackend backend(git.served(), "repo.git");
  auto repo = MustOpen(git.CloneDir("c"), Remote(backend.Url()));

  const auto first = MustFetch(*repo);
  CHECK(first.head == git.Head());
  git.Commit({{"docs/a.md", "a, edited\n"}}, At(1'600'000'100));
  git.Push();
  const auto second = MustFetch(*repo);
  CHECK(second.moved);
  CHECK(second.head == git.Head());
  auto tree = repo->ListFiles(second.head, {"docs/*.md"});
  REQUIRE(tree.ok());
  REQUIRE(tree->files.size() == 1);
  CHECK(repo->ReadBlob(tree->files[0].blob, 100).value_or("") == "a, edited\n");
}

TEST_CASE("a token is given to an http remote that demands basic auth") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  GitHttpBackend backend(git.served(), "repo.git", "x-access-token", "s3cret-token");
  auto repo = MustOpen(git.CloneDir("c"), Remote(backend.Url(), "main", "s3cret-token"));

  CHECK(MustFetch(*repo).head == git.Head());
  CHECK(backend.Refusals() >= 1);  // the first request goes without, as in git itself
}

TEST_CASE("a wrong token is PermissionDenied and the message does not contain it") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  GitHttpBackend backend(git.served(), "repo.git", "x-access-token", "s3cret-token");
  auto repo = MustOpen(git.CloneDir("c"), Remote(backend.Url(), "main", "wrong-token-value"));

  const auto refused = repo->Fetch();
  INFO(refused.status().ToString());
  CHECK(refused.status().IsPermissionDenied());
  CHECK(refused.status().message().find("wrong-token-value") == std::string::npos);
  CHECK(backend.Refusals() == 2);  // asked once without, once with the token: no loop
}

TEST_CASE("no token for an http remote that demands auth is PermissionDenied") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  GitHttpBackend backend(git.served(), "repo.git", "x-access-token", "s3cret-token");
  auto repo = MustOpen(git.CloneDir("c"), Remote(backend.Url()));

  const auto refused = repo->Fetch();
  INFO(refused.status().ToString());
  CHECK(refused.status().IsPermissionDenied());
}

TEST_CASE("credentials in the URL never appear in an error message") {
  GitWorkspace git;
  const std::string url =
      "http://user:url-secret@127.0.0.1:" + std::to_string(FreePort()) + "/repo.git";
  auto repo = MustOpen(git.CloneDir("c"), Remote(url));

  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
  CHECK(failed.status().message().find("url-secret") == std::string::npos);
}

}  // namespace
}  // namespace freshd::testing
