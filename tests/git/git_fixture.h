// Repositories made with Debian's git for the tests, and git servers on loopback for them.
//
//   GitWorkspace git;                         // a working copy and a bare "served/repo.git"
//   git.Commit({{"docs/a.md", "hello"}}, At(1'700'000'000));
//   git.Push();
//   GitDaemon daemon(git.served());            // git://127.0.0.1:PORT/repo.git
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace freshd::testing {

// A git date for GIT_AUTHOR_DATE / GIT_COMMITTER_DATE: `seconds` since the epoch, UTC.
std::string At(std::int64_t seconds);

class GitWorkspace {
 public:
  GitWorkspace();  // `git init -b main` in work/, `git init --bare` of served/repo.git

  // Runs git in the working copy with a private HOME and both dates at `date`; returns its
  // output, throws std::runtime_error when git fails.
  std::string Git(const std::vector<std::string>& args,
                  const std::string& date = At(1'000'000'000));

  // Writes `files` (path -> content; "" content with `remove` deletes), commits them all.
  void Commit(const std::map<std::string, std::string>& files,
              const std::string& date = At(1'000'000'000),
              const std::vector<std::string>& remove = {});
  // Pushes the working branch to served/repo.git as `branch`.
  void Push(const std::string& branch = "main", bool force = false);
  std::string Head();  // the working copy's HEAD commit id

  std::filesystem::path work() const { return dir_.path() / "work"; }
  std::filesystem::path served() const { return dir_.path() / "served"; }
  std::filesystem::path bare() const { return served() / "repo.git"; }
  // A fresh folder for a clone made by the code under test.
  std::string CloneDir(const std::string& name) const { return dir_ / ("clones/" + name); }

 private:
  TempDir dir_;
};

// `git daemon` serving `base` (every repository in it) on a free loopback port.
class GitDaemon {
 public:
  explicit GitDaemon(const std::filesystem::path& base);
  std::string Url(const std::string& repository) const;  // git://127.0.0.1:PORT/REPOSITORY

 private:
  TempDir logs_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace freshd::testing
