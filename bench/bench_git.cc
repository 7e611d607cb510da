// A git source of FILES files and COMMITS commits (the first adds every file, each later one
// edits three of them, dated evenly over two years), built with `git fast-import`, then
// timed through freshd::git::Repository as the daemon uses it:
//   clone    Open + the first Fetch from a file:// remote (a fresh bare clone; libgit2's
//            local transport builds a new pack, with its own delta search)
//   git://   the same from `git daemon` on loopback (git's upload-pack reuses the pack's
//            deltas, as a forge does)
//   list     ListFiles of the head, every file (with each blob's size)
//   history  History of every file, depth COMMITS (the first-clone reading of history)
//   fetch    a steady-state Fetch with nothing new, over git:// and file:// (median of 20)
//
// Usage: bench_git [FILES] [COMMITS] [WORK_DIR]   (defaults 10000, 10000, a temporary folder)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/must.h"
#include "git/repository.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kStart = 1'640'995'200;  // 2022-01-01
constexpr std::int64_t kTwoYears = 2 * 365 * 86400;

std::string PathOf(int file) {
  char path[64];
  std::snprintf(path, sizeof(path), "docs/d%03d/f%05d.md", file / 100, file);
  return path;
}

void Data(std::ofstream& out, const std::string& text) {
  out << "data " << text.size() << "\n" << text << "\n";
}

void Modify(std::ofstream& out, int file, int version) {
  out << "M 100644 inline " << PathOf(file) << "\n";
  Data(out, "# File " + std::to_string(file) + "\n\nVersion " + std::to_string(version) +
                ". Some text to make the blob look like a page of documentation.\n");
}

// The fast-import stream of the whole history.
void WriteStream(const std::filesystem::path& file, int files, int commits) {
  std::ofstream out(file, std::ios::binary);
  std::uint64_t state = 42;
  for (int commit = 0; commit < commits; ++commit) {
    const std::int64_t time = kStart + kTwoYears * commit / std::max(1, commits - 1);
    out << "commit refs/heads/main\ncommitter Bench <bench@example.com> " << time << " +0000\n";
    Data(out, "commit " + std::to_string(commit));
    if (commit == 0) {
      for (int f = 0; f < files; ++f) Modify(out, f, 0);
      continue;
    }
    for (int edit = 0; edit < 3; ++edit) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      Modify(out, static_cast<int>((state >> 33) % static_cast<std::uint64_t>(files)), commit);
    }
  }
}

void Run(const std::string& command) {
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "failed: %s\n", command.c_str());
    std::exit(1);
  }
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool Accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// `git daemon` serving `base`, detached; stopped (by its pid) when this dies.
class Daemon {
 public:
  explicit Daemon(const std::filesystem::path& base) : port_(FreePort()), pid_file_(base / "pid") {
    Run("git daemon --detach --pid-file='" + pid_file_.string() + "' --export-all --base-path='" +
        base.string() + "' --reuseaddr --listen=127.0.0.1 --port=" + std::to_string(port_) + " '" +
        base.string() + "'");
    for (int i = 0; i < 500 && !Accepts(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~Daemon() {
    std::ifstream in(pid_file_);
    pid_t pid = 0;
    if (in >> pid && pid > 0) kill(pid, SIGTERM);
  }
  std::string Url(const std::string& name) const {
    return "git://127.0.0.1:" + std::to_string(port_) + "/" + name;
  }

 private:
  int port_;
  std::filesystem::path pid_file_;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// The median and the longest of 20 fetches that bring nothing.
std::pair<double, double> SteadyFetches(freshd::git::Repository& repo) {
  std::vector<double> fetches;
  for (int i = 0; i < 20; ++i) {
    const auto started = Clock::now();
    const auto outcome = freshd::bench::Must(repo.Fetch());
    fetches.push_back(Seconds(started));
    if (outcome.moved) std::fprintf(stderr, "a steady-state fetch moved\n");
  }
  std::sort(fetches.begin(), fetches.end());
  return {fetches[fetches.size() / 2], fetches.back()};
}

}  // namespace

int main(int argc, char** argv) {
  using freshd::bench::Must;
  const int files = argc > 1 ? std::atoi(argv[1]) : 10'000;
  const int commits = argc > 2 ? std::atoi(argv[2]) : 10'000;
  const bool temporary = argc <= 3;
  const std::filesystem::path work =
      temporary ? std::filesystem::temp_directory_path() / ("bench_git." + std::to_string(getpid()))
                : std::filesystem::path(argv[3]);
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  const auto remote = work / "remote.git";

  auto started = Clock::now();
  WriteStream(work / "stream", files, commits);
  Run("git init -q --bare '" + remote.string() + "' && git -C '" + remote.string() +
      "' fast-import --quiet < '" + (work / "stream").string() + "'");
  std::printf("git source: %d files, %d commits over two years (built in %.1f s)\n", files, commits,
              Seconds(started));

  freshd::git::RemoteOptions options;
  options.url = "file://" + remote.string();
  started = Clock::now();
  auto repo = Must(freshd::git::Repository::Open((work / "clone").string(), options));
  const auto head = Must(repo->Fetch()).head;
  std::printf("%-8s %9.3f s  Open + first Fetch (file://)\n", "clone", Seconds(started));

  {
    const Daemon daemon(work);
    freshd::git::RemoteOptions served;
    served.url = daemon.Url("remote.git");
    started = Clock::now();
    auto over_git = Must(freshd::git::Repository::Open((work / "clone-git").string(), served));
    Must(over_git->Fetch());
    std::printf("%-8s %9.3f s  Open + first Fetch (git://, git daemon on loopback)\n", "git://",
                Seconds(started));
    const auto [median, max] = SteadyFetches(*over_git);
    std::printf(
        "%-8s %9.4f s  steady-state Fetch over git://, nothing new (median of 20; max %.4f s)\n",
        "fetch", median, max);
  }

  started = Clock::now();
  const auto tree = Must(repo->ListFiles(head, {}));
  std::printf("%-8s %9.3f s  ListFiles of %zu files\n", "list", Seconds(started),
              tree.files.size());

  std::vector<std::string> paths;
  for (const auto& file : tree.files) paths.push_back(file.path);
  started = Clock::now();
  const auto histories = Must(repo->History(head, paths, static_cast<std::uint32_t>(commits)));
  const double history_seconds = Seconds(started);
  std::size_t times = 0;
  std::size_t complete = 0;
  for (const auto& history : histories) {
    times += history.commit_times_ms.size();
    complete += history.complete ? 1 : 0;
  }
  std::printf("%-8s %9.3f s  History of %zu files at depth %d: %zu commit times, %zu complete\n",
              "history", history_seconds, histories.size(), commits, times, complete);

  const auto [median, max] = SteadyFetches(*repo);
  std::printf(
      "%-8s %9.4f s  steady-state Fetch over file://, nothing new (median of 20; max %.4f s)\n",
      "fetch", median, max);
  if (temporary) std::filesystem::remove_all(work);
  return 0;
}
