// Links to a file at a commit on the known forges.
#include <catch2/catch.hpp>

#include "git/repository.h"

namespace freshd::testing {
namespace {

using git::Repository;
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

TEST_CASE("web links follow each forge's pattern") {
  CHECK(Repository::WebLink("https://github.com/o/r.git", kCommit, "docs/a.md") ==
        "https://github.com/o/r/blob/" + kCommit + "/docs/a.md");
  CHECK(Repository::WebLink("https://github.com/o/r", kCommit, "a.md") ==
        "https://github.com/o/r/blob/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://gitlab.com/group/sub/r.git", kCommit, "a.md") ==
        "https://gitlab.com/group/sub/r/-/blob/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://gitlab.example.org/g/r.git", kCommit, "a.md") ==
        "https://gitlab.example.org/g/r/-/blob/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://codeberg.org/o/r.git", kCommit, "a.md") ==
        "https://codeberg.org/o/r/src/commit/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://gitea.example.org/o/r", kCommit, "a.md") ==
        "https://gitea.example.org/o/r/src/commit/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://forgejo.example.org/o/r", kCommit, "a.md") ==
        "https://forgejo.example.org/o/r/src/commit/" + kCommit + "/a.md");
  CHECK(Repository::WebLink("https://bitbucket.org/o/r.git", kCommit, "a.md") ==
        "https://bitbucket.org/o/r/src/" + kCommit + "/a.md");
}

TEST_CASE("web links drop the userinfo of the remote URL") {
  CHECK(Repository::WebLink("https://x-access-token:secret@github.com/o/r.git", kCommit, "a.md") ==
        "https://github.com/o/r/blob/" + kCommit + "/a.md");
}

TEST_CASE("no web link for unknown hosts or other schemes") {
  CHECK(Repository::WebLink("https://git.example.com/o/r.git", kCommit, "a.md").empty());
  CHECK(Repository::WebLink("git@github.com:o/r.git", kCommit, "a.md").empty());
  CHECK(Repository::WebLink("ssh://git@github.com/o/r.git", kCommit, "a.md").empty());
  CHECK(Repository::WebLink("/srv/git/r.git", kCommit, "a.md").empty());
  CHECK(Repository::WebLink("https://github.com", kCommit, "a.md").empty());
}

}  // namespace
}  // namespace freshd::testing
