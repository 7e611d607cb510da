#include "tests/git/git_fixture.h"

#include <stdexcept>

namespace freshd::testing {

std::string At(std::int64_t seconds) { return "@" + std::to_string(seconds) + " +0000"; }

GitWorkspace::GitWorkspace() {
  std::filesystem::create_directories(work());
  std::filesystem::create_directories(served());
  std::filesystem::create_directories(dir_.path() / "home");
  Git({"init", "-q", "-b", "main"});
  Git({"init", "-q", "--bare", bare().string()});
}

std::string GitWorkspace::Git(const std::vector<std::string>& args, const std::string& date) {
  std::vector<std::string> argv = {"env",
                                   "HOME=" + (dir_.path() / "home").string(),
                                   "GIT_CONFIG_NOSYSTEM=1",
                                   "GIT_AUTHOR_DATE=" + date,
                                   "GIT_COMMITTER_DATE=" + date,
                                   "git",
                                   "-C",
                                   work().string(),
                                   "-c",
                                   "user.name=Freshd Test",
                                   "-c",
                                   "user.email=test@example.com",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  if (RunCommand(argv, &output) != 0) {
    throw std::runtime_error("git " + args.front() + " failed: " + output);
  }
  return output;
}

void GitWorkspace::Commit(const std::map<std::string, std::string>& files, const std::string& date,
                          const std::vector<std::string>& remove) {
  for (const auto& [path, content] : files) WriteFile(work() / path, content);
  for (const auto& path : remove) std::filesystem::remove(work() / path);
  Git({"add", "-A"}, date);
  Git({"commit", "-q", "--allow-empty", "-m", "change at " + date}, date);
}

void GitWorkspace::Push(const std::string& branch, bool force) {
  std::vector<std::string> args = {"push", "-q"};
  if (force) args.push_back("--force");
  args.push_back(bare().string());
  args.push_back("HEAD:refs/heads/" + branch);
  Git(args);
}

std::string GitWorkspace::Head() {
  std::string id = Git({"rev-parse", "HEAD"});
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  return id;
}

GitDaemon::GitDaemon(const std::filesystem::path& base) : port_(FreePort()) {
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{"git", "daemon", "--export-all", "--base-path=" + base.string(),
                               "--reuseaddr", "--listen=127.0.0.1",
                               "--port=" + std::to_string(port_), base.string()},
      logs_.path() / "daemon.log");
  if (!WaitForPort(port_)) {
    throw std::runtime_error("git daemon did not listen: " + ReadFile(logs_.path() / "daemon.log"));
  }
}

std::string GitDaemon::Url(const std::string& repository) const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/" + repository;
}

}  // namespace freshd::testing
