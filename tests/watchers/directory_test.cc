#include "watchers/directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace freshd::watchers {
namespace {

namespace fs = std::filesystem;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

std::vector<std::string> Paths(const DirectoryScan& scan) {
  std::vector<std::string> paths;
  for (const FileEntry& file : scan.files) paths.push_back(file.relative_path);
  return paths;
}

TEST_CASE("GlobMatch table", "[directory][glob]") {
  struct Case {
    const char* pattern;
    const char* path;
    bool matches;
  };
  const std::vector<Case> cases = {
      {"*.md", "a.md", true},
      {"*.md", "x/a.md", false},  // '*' does not cross '/'
      {"*/*.md", "x/a.md", true},
      {"**/*.md", "a.md", true},  // '**' may match no folder at all
      {"**/*.md", "x/y/a.md", true},
      {"**/*.md", "x/y/a.txt", false},
      {"docs/**/*.md", "docs/a.md", true},
      {"docs/**/*.md", "docs/x/y/z/a.md", true},
      {"docs/**/*.md", "other/docs/a.md", false},
      {"docs/**", "docs/x/y", true},
      {"**", "any/thing/at/all", true},
      {"a/**/b/**/c", "a/b/c", true},
      {"a/**/b/**/c", "a/x/b/y/z/c", true},
      {"a/**/b/**/c", "a/x/y/z/c", false},
      {"?.txt", "a.txt", true},
      {"?.txt", "ab.txt", false},
      {"?.txt", "\xC3\xA9.txt", true},  // '?' is one character, not one byte
      {"a?b", "a/b", false},            // '?' does not match '/'
      {"[abc].md", "b.md", true},
      {"[abc].md", "d.md", false},
      {"[a-c]x", "bx", true},
      {"[!a-c]x", "bx", false},
      {"[!a-c]x", "dx", true},
      {"[^a]x", "bx", true},
      {"[]]x", "]x", true},
      {"[x", "[x", true},  // an unterminated class is a literal '['
      {"\\*.md", "*.md", true},
      {"\\*.md", "a.md", false},
      {"*", ".hidden", true},
      {"a*b*c", "aXbYc", true},
      {"a*b*c", "aXbYcZ", false},
      {"*.tar.gz", "x.tar.gz", true},
      {"./docs/*.md", "docs/a.md", true},
      {"guide.md", "guide.md", true},
      {"guide.md", "Guide.md", false},
  };
  for (const Case& c : cases) {
    INFO(c.pattern << " vs " << c.path);
    CHECK(GlobMatch(c.pattern, c.path) == c.matches);
  }
}

TEST_CASE("A pathological glob stays fast", "[directory][glob]") {
  const std::string pattern = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
  const std::string path(2000, 'a');
  CHECK_FALSE(GlobMatch(pattern, path));
  CHECK_FALSE(GlobMatch("**/**/**/**/**/**/x", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/y"));
}

TEST_CASE("ScanDirectory finds matching files in nested folders, sorted", "[directory][scan]") {
  TempDir dir;
  WriteFile(dir.path() / "root.md", "r");
  WriteFile(dir.path() / "b" / "two.md", "22");
  WriteFile(dir.path() / "a" / "deep" / "er" / "three.md", "333");
  WriteFile(dir.path() / "a" / "notes.txt", "t");
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "**/*.md");
  REQUIRE(scan.error == FetchError::kNone);
  CHECK(Paths(scan) == std::vector<std::string>{"a/deep/er/three.md", "b/two.md", "root.md"});
  CHECK(scan.files[0].size == 3);
  CHECK(scan.files[1].size == 2);
}

TEST_CASE("ScanDirectory reports mtime in nanoseconds from stat", "[directory][scan]") {
  TempDir dir;
  WriteFile(dir.path() / "a.md", "x");
  struct stat st {};
  REQUIRE(::stat((dir.path() / "a.md").c_str(), &st) == 0);
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "*.md");
  REQUIRE(scan.files.size() == 1);
  CHECK(scan.files[0].mtime_ns ==
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
}

TEST_CASE("A symlink that leaves the root is skipped", "[directory][scan][symlink]") {
  TempDir outside;
  WriteFile(outside.path() / "secret.md", "secret");
  WriteFile(outside.path() / "dir" / "also-secret.md", "secret");
  TempDir dir;
  WriteFile(dir.path() / "inside.md", "ok");
  fs::create_symlink(outside.path() / "secret.md", dir.path() / "escape.md");
  fs::create_directory_symlink(outside.path() / "dir", dir.path() / "escape-dir");
  fs::create_symlink("../../etc/passwd", dir.path() / "relative-escape.md");
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "**/*.md");
  REQUIRE(scan.error == FetchError::kNone);
  CHECK(Paths(scan) == std::vector<std::string>{"inside.md"});
}

TEST_CASE("A symlink inside the root is followed", "[directory][scan][symlink]") {
  TempDir dir;
  WriteFile(dir.path() / "real" / "guide.md", "guide");
  WriteFile(dir.path() / "real" / "sub" / "deep.md", "deep");
  fs::create_directory_symlink("real", dir.path() / "alias");
  fs::create_symlink(dir.path() / "real" / "guide.md", dir.path() / "linked.md");
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "**/*.md");
  REQUIRE(scan.error == FetchError::kNone);
  CHECK(Paths(scan) == std::vector<std::string>{"alias/guide.md", "alias/sub/deep.md", "linked.md",
                                                "real/guide.md", "real/sub/deep.md"});
  CHECK(scan.files[2].size == 5);  // the target's size, not the link's
}

TEST_CASE("Symlink loops are skipped", "[directory][scan][symlink]") {
  TempDir dir;
  WriteFile(dir.path() / "a" / "file.md", "a");
  WriteFile(dir.path() / "b" / "file.md", "b");
  fs::create_directory_symlink("..", dir.path() / "a" / "up");      // to the root
  fs::create_directory_symlink("../b", dir.path() / "a" / "to-b");  // a -> b
  fs::create_directory_symlink("../a", dir.path() / "b" / "to-a");  // b -> a: a cycle
  fs::create_symlink("self.md", dir.path() / "self.md");            // ELOOP
  fs::create_symlink("ping.md", dir.path() / "pong.md");
  fs::create_symlink("pong.md", dir.path() / "ping.md");
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "**/*.md");
  REQUIRE(scan.error == FetchError::kNone);
  CHECK(Paths(scan) ==
        std::vector<std::string>{"a/file.md", "a/to-b/file.md", "b/file.md", "b/to-a/file.md"});
}

TEST_CASE("The glob prunes folders that cannot match", "[directory][scan]") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "a");
  WriteFile(dir.path() / "docs" / "x" / "b.md", "b");
  WriteFile(dir.path() / "other" / "c.md", "c");
  const DirectoryScan scan = ScanDirectory(dir.path().string(), "docs/*.md");
  CHECK(Paths(scan) == std::vector<std::string>{"docs/a.md"});
}

TEST_CASE("A missing or non-folder root is an io error", "[directory][scan]") {
  TempDir dir;
  const DirectoryScan missing = ScanDirectory((dir.path() / "nope").string(), "**");
  CHECK(missing.error == FetchError::kIo);
  CHECK_FALSE(missing.message.empty());
  WriteFile(dir.path() / "file", "x");
  CHECK(ScanDirectory((dir.path() / "file").string(), "**").error == FetchError::kIo);
}

TEST_CASE("ReadFileCapped reads a file within the cap", "[directory][read]") {
  TempDir dir;
  WriteFile(dir.path() / "a.md", "hello");
  const FileContent content = ReadFileCapped((dir.path() / "a.md").string(), 5);
  CHECK(content.error == FetchError::kNone);
  CHECK(content.body == "hello");
}

TEST_CASE("ReadFileCapped refuses a file over the cap", "[directory][read]") {
  TempDir dir;
  WriteFile(dir.path() / "big.md", std::string(1000, 'x'));
  const FileContent content = ReadFileCapped((dir.path() / "big.md").string(), 999);
  CHECK(content.error == FetchError::kTooLarge);
  CHECK(content.body.empty());
  CHECK_FALSE(content.message.empty());
}

TEST_CASE("ReadFileCapped reports io errors", "[directory][read]") {
  TempDir dir;
  CHECK(ReadFileCapped((dir.path() / "missing").string(), 10).error == FetchError::kIo);
  CHECK(ReadFileCapped(dir.path().string(), 10).error == FetchError::kIo);
  const std::string fifo = (dir.path() / "fifo").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(ReadFileCapped(fifo, 10).error == FetchError::kIo);  // refused, without blocking
}

}  // namespace
}  // namespace freshd::watchers
