// Fetching over git:// (git daemon), from local paths and file:// URLs, and the failures.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "git/repository.h"
#include "tests/git/git_fixture.h"
#include "tests/git/test_util.h"
#include "tests/support/fault_server.h"

namespace freshd::testing {
namespace {

std::vector<std::string> Paths(const git::Tree& tree) {
  std::vector<std::string> paths;
  for (const auto& file : tree.files) paths.push_back(file.path);
  return paths;
}

TEST_CASE("a git daemon remote is cloned and its files listed and read") {
  GitWorkspace git;
  git.Commit({{"docs/a.md", "# A\n"}, {"docs/sub/b.md", "# Bee\n"}, {"src/main.c", "int x;\n"}});
  git.Push();
  GitDaemon daemon(git.served());
  auto repo = MustOpen(git.CloneDir("c"), Remote(daemon.Url("repo.git")));

  const auto fetched = MustFetch(*repo);
  CHECK(fetched.head == git.Head());
  CHECK(fetched.previous.empty());
  CHECK(fetched.moved);
  CHECK_FALSE(fetched.rewritten);

  auto tree = repo->ListFiles(fetched.head, {"docs/**/*.md"});
  REQUIRE(tree.ok());
  CHECK(Paths(*tree) == std::vector<std::string>{"docs/a.md", "docs/sub/b.md"});
  CHECK(tree->files[1].size == 6);
  auto bytes = repo->ReadBlob(tree->files[1].blob, 1024);
  REQUIRE(bytes.ok());
  CHECK(*bytes == "# Bee\n");
}

TEST_CASE("a second fetch with nothing new does not move") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  GitDaemon daemon(git.served());
  auto repo = MustOpen(git.CloneDir("c"), Remote(daemon.Url("repo.git")));
  const auto first = MustFetch(*repo);

  const auto second = MustFetch(*repo);
  CHECK_FALSE(second.moved);
  CHECK_FALSE(second.rewritten);
  CHECK(second.head == first.head);
  CHECK(second.previous == first.head);
}

TEST_CASE("a new commit moves the head and changes only the edited blob") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}, {"b.md", "b\n"}}, At(1'600'000'000));
  git.Push();
  GitDaemon daemon(git.served());
  auto repo = MustOpen(git.CloneDir("c"), Remote(daemon.Url("repo.git")));
  const auto first = MustFetch(*repo);
  git.Commit({{"b.md", "b, edited\n"}}, At(1'600'000'100));
  git.Push();

  const auto second = MustFetch(*repo);
  CHECK(second.moved);
  CHECK_FALSE(second.rewritten);
  CHECK(second.previous == first.head);
  CHECK(second.head == git.Head());
  auto before = repo->ListFiles(first.head, {});
  auto after = repo->ListFiles(second.head, {});
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  REQUIRE(before->files.size() == 2);
  REQUIRE(after->files.size() == 2);
  CHECK(before->files[0].blob == after->files[0].blob);  // a.md
  CHECK(before->files[1].blob != after->files[1].blob);  // b.md
}

TEST_CASE("a force-push of rewritten history is reported as rewritten") {
  GitWorkspace git;
  git.Commit({{"a.md", "one\n"}}, At(1'600'000'000));
  git.Commit({{"a.md", "two\n"}}, At(1'600'000'100));
  git.Push();
  GitDaemon daemon(git.served());
  auto repo = MustOpen(git.CloneDir("c"), Remote(daemon.Url("repo.git")));
  const auto first = MustFetch(*repo);
  git.Git({"reset", "-q", "--hard", "HEAD~1"});
  git.Commit({{"a.md", "two, rewritten\n"}}, At(1'600'000'200));
  git.Push("main", /*force=*/true);

  const auto second = MustFetch(*repo);
  CHECK(second.moved);
  CHECK(second.rewritten);
  CHECK(second.previous == first.head);
  CHECK(second.head == git.Head());
}

TEST_CASE("a deleted branch is NotFound and the clone keeps its last head") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push("docs");
  GitDaemon daemon(git.served());
  auto repo = MustOpen(git.CloneDir("c"), Remote(daemon.Url("repo.git"), "docs"));
  const auto first = MustFetch(*repo);
  git.Git({"push", "-q", git.bare().string(), "--delete", "docs"});

  const auto gone = repo->Fetch();
  CHECK(gone.status().IsNotFound());
  auto tree = repo->ListFiles(first.head, {});
  REQUIRE(tree.ok());
  CHECK(Paths(*tree) == std::vector<std::string>{"a.md"});
}

TEST_CASE("an unreachable remote is Unavailable and the clone is kept") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  const std::string clone = git.CloneDir("c");
  std::string head;
  {
    auto repo = MustOpen(clone, Remote(git.bare().string()));
    head = MustFetch(*repo).head;
  }
  const std::string closed = "git://127.0.0.1:" + std::to_string(FreePort()) + "/repo.git";
  auto repo = MustOpen(clone, Remote(closed));

  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
  CHECK(repo->ListFiles(head, {}).ok());
}

// A closed loopback port whose number holds "403": nothing listens there now.
int ClosedPortWith403() {
  for (int port = 40300; port < 40400; ++port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

TEST_CASE("a refused connection is Unavailable even when its port number reads 403") {
  GitWorkspace git;
  const int port = ClosedPortWith403();
  REQUIRE(port != 0);
  auto repo =
      MustOpen(git.CloneDir("c"), Remote("git://127.0.0.1:" + std::to_string(port) + "/repo.git"));
  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
}

TEST_CASE("a remote that accepts and never answers is Unavailable after the timeout") {
  FaultServer server;
  server.Route("/repo.git/info/refs", FaultServer::Stall{});
  GitWorkspace git;
  auto repo = MustOpen(git.CloneDir("c"), Remote(server.Url("/repo.git"), "main", "", 1));

  const auto failed = repo->Fetch();
  INFO(failed.status().ToString());
  CHECK(failed.status().IsUnavailable());
  CHECK(failed.status().message().find("timed out") != std::string::npos);
}

TEST_CASE("a local path and a file URL are remotes") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  for (const std::string& url : {git.bare().string(), "file://" + git.bare().string()}) {
    auto repo = MustOpen(git.CloneDir(url.substr(0, 4) == "file" ? "url" : "path"), Remote(url));
    CHECK(MustFetch(*repo).head == git.Head());
  }
}

TEST_CASE("opening a clone with a new URL points its remote there") {
  GitWorkspace git;
  git.Commit({{"a.md", "a\n"}});
  git.Push();
  GitDaemon daemon(git.served());
  const std::string clone = git.CloneDir("c");
  MustFetch(*MustOpen(clone, Remote(daemon.Url("repo.git"))));
  const std::string moved_to = "file://" + git.bare().string();

  auto repo = MustOpen(clone, Remote(moved_to));
  const auto fetched = MustFetch(*repo);
  CHECK_FALSE(fetched.moved);
  std::string configured;
  REQUIRE(RunCommand({"git", "--git-dir", clone, "config", "remote.origin.url"}, &configured) == 0);
  CHECK(configured == moved_to + "\n");
}

TEST_CASE("a URL no git transport takes is refused at open") {
  GitWorkspace git;
  for (const std::string url : {"", "ftp://example.com/repo.git"}) {
    CHECK(git::Repository::Open(git.CloneDir("c"), Remote(url)).status().IsInvalidArgument());
  }
  CHECK(git::Repository::Open(git.CloneDir("c"), Remote("https://example.com/r", "a..b"))
            .status()
            .IsInvalidArgument());
}

TEST_CASE("a clone folder that cannot be made is an IOError") {
  GitWorkspace git;
  const std::string file = git.CloneDir("file");
  WriteFile(file, "not a folder\n");
  const auto opened = git::Repository::Open(file + "/clone", Remote(git.bare().string()));
  INFO(opened.status().ToString());
  CHECK(opened.status().IsIOError());
}

}  // namespace
}  // namespace freshd::testing
