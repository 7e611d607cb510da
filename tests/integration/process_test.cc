// The freshd binary as a user runs it: the command line, the daemon's endpoints, a clean
// stop on SIGTERM, and no recorded change lost to SIGKILL.
#include "tests/support/process.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "store/state_store.h"
#include "tests/integration/daemon_under_test.h"
#include "tests/integration/http_get.h"
#include "tests/store/status_testing.h"
#include "tests/store/store_test_util.h"
#include "tests/support/temp_dir.h"
#include "watchers/http_client.h"

using freshd::testing::ChildProcess;
using freshd::testing::FreePort;
using freshd::testing::FreshdBinary;
using freshd::testing::HttpGet;
using freshd::testing::Nginx;
using freshd::testing::ReadFile;
using freshd::testing::RunCommand;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

using freshd::testing::Config;
using freshd::testing::DaemonUnderTest;
using freshd::testing::DirectorySource;
using freshd::testing::WaitForReady;

TEST_CASE("the command line answers --version, --help and usage errors with the right codes") {
  std::string output;
  CHECK(RunCommand({FreshdBinary(), "--version"}, &output) == 0);
  CHECK(output.rfind("freshd ", 0) == 0);
  CHECK(RunCommand({FreshdBinary(), "--help"}, &output) == 0);
  CHECK(output.find("check-config") != std::string::npos);
  CHECK(RunCommand({FreshdBinary(), "once", "--help"}, &output) == 0);
  CHECK(RunCommand({FreshdBinary()}, &output) == 2);
  CHECK(RunCommand({FreshdBinary(), "frobnicate"}, &output) == 2);
  CHECK(RunCommand({FreshdBinary(), "run", "--bogus"}, &output) == 2);
  CHECK(RunCommand(
            {FreshdBinary(), "status", "--url", "http://127.0.0.1:" + std::to_string(FreePort())},
            &output) == 1);
  CHECK(output.find("cannot reach freshd") != std::string::npos);
}

TEST_CASE("check-config prints every problem as FILE:LINE:COL and exits 1") {
  TempDir dir;
  const std::string file = dir / "bad.yaml";
  WriteFile(file,
            "state_dir: /tmp/x\n"
            "defaults:\n"
            "  intervall: 5m\n"
            "workloads:\n"
            "  - name: w\n"
            "    strategy: sometimes\n"
            "    sources: []\n");
  std::string output;
  CHECK(RunCommand({FreshdBinary(), "check-config", "-c", file}, &output) == 1);
  CHECK(output.find(file + ":3:3: ") != std::string::npos);
  CHECK(output.find(file + ":6:15: ") != std::string::npos);

  WriteFile(file, Config(dir, FreePort(), DirectorySource("d", dir / "docs")));
  CHECK(RunCommand({FreshdBinary(), "check-config", "-c", file}, &output) == 0);
  CHECK(RunCommand({FreshdBinary(), "check-config", "-c", dir / "missing.yaml"}, &output) == 1);
}

TEST_CASE("run, once and check-config report a selector that does not compile at its place") {
  TempDir dir;
  const std::string file = dir / "bad.yaml";
  // The XPath is well-formed YAML: only libxml2, when the engine compiles it, refuses it.
  WriteFile(file, Config(dir, FreePort(),
                         "      - name: page\n"
                         "        http: { url: \"http://127.0.0.1:9/\" }\n"
                         "        select: { xpath: \"//main[\" }\n"));
  for (const char* command : {"check-config", "once", "run"}) {
    INFO(command);
    std::string output;
    CHECK(RunCommand({FreshdBinary(), command, "-c", file}, &output) == 1);
    CHECK(output.find(file + ":10:26: source page: ") != std::string::npos);
  }
}

TEST_CASE("once checks every source, prints a summary, and exits 0") {
  TempDir dir;
  WriteFile(dir.path() / "site" / "page.html", "<html><body><p>hello</p></body></html>");
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  WriteFile(dir.path() / "docs" / "b.md", "# b");
  Nginx nginx(dir.path() / "site", dir.path() / "nginx");
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, Config(dir, FreePort(),
                         DirectorySource("handbook", dir / "docs") +
                             "      - name: page\n        http: { url: \"" +
                             nginx.Url("/page.html") + "\" }\n"));
  std::string output;
  REQUIRE(RunCommand({FreshdBinary(), "once", "-c", file}, &output) == 0);
  CHECK(output.find("2 sources, 3 documents checked, 3 changed, 0 sources failing") !=
        std::string::npos);
  REQUIRE(RunCommand({FreshdBinary(), "once", "-c", file}, &output) == 0);
  CHECK(output.find("2 sources, 3 documents checked, 0 changed, 0 sources failing") !=
        std::string::npos);
}

TEST_CASE("run serves metrics that promtool accepts, health, readiness and the sources API") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1s");
  ChildProcess& daemon = *freshd.process;
  REQUIRE(freshd.Ready());
  const std::string& base = freshd.base;
  CHECK(HttpGet(base + "/healthz").status == 200);

  // The first check lands within the initial spread (min(interval, 60 s) = 1 s).
  std::string sources;
  for (int i = 0; i < 100; ++i) {
    sources = HttpGet(base + "/api/v1/sources").body;
    if (sources.find("\"documents\": 1") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(sources.find("\"source\": \"handbook\"") != std::string::npos);
  CHECK(sources.find("\"documents\": 1") != std::string::npos);
  const std::string documents = HttpGet(base + "/api/v1/sources?source=handbook").body;
  CHECK(documents.find("a.md") != std::string::npos);
  CHECK(HttpGet(base + "/api/v1/sources?source=nope").status == 404);
  std::string status;
  CHECK(RunCommand({FreshdBinary(), "status", "--url", base}, &status) == 0);
  CHECK(status.find("SOURCE") != std::string::npos);
  CHECK(status.find("handbook") != std::string::npos);
  CHECK(HttpGet(base + "/nope").status == 404);

  const std::string metrics = HttpGet(base + "/metrics").body;
  CHECK(metrics.find("freshd_build_info{version=") != std::string::npos);
  CHECK(metrics.find("freshd_source_checks_total{result=\"changed\",source=\"handbook\","
                     "workload=\"docs\"} 1") != std::string::npos);
  // The standard process collector's names, which promtool below sees too.
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"}) {
    INFO(name);
    CHECK(metrics.find(std::string("\n") + name + " ") != std::string::npos);
  }
  WriteFile(dir.path() / "metrics.txt", metrics);
  std::string promtool;
  CHECK(RunCommand({"sh", "-c", "promtool check metrics < " + (dir / "metrics.txt")}, &promtool) ==
        0);
  INFO(promtool);
  CHECK(promtool.find("error") == std::string::npos);

  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait() == 0);
  CHECK(ReadFile(dir.path() / "freshd.log").find("stopped") != std::string::npos);
}

TEST_CASE("SIGKILL while recording changes loses none of the changes recorded before it") {
  TempDir dir;
  constexpr int kFiles = 50;
  for (int i = 0; i < kFiles; ++i) {
    WriteFile(dir.path() / "docs" / (std::to_string(i) + ".md"), "version 0");
  }
  const int port = FreePort();
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, Config(dir, port, DirectorySource("handbook", dir / "docs"), "100ms"));
  const auto log_file = dir.path() / "freshd.log";
  {
    ChildProcess daemon({FreshdBinary(), "run", "-c", file}, log_file);
    REQUIRE(WaitForReady(port));
    std::atomic<bool> writing{true};
    std::thread writer([&] {
      for (int version = 1; writing; ++version) {
        for (int i = 0; i < kFiles && writing; ++i) {
          WriteFile(dir.path() / "docs" / (std::to_string(i) + ".md"),
                    "version " + std::to_string(version));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }
    });
    std::this_thread::sleep_for(std::chrono::seconds(3));
    daemon.Signal(SIGKILL);
    CHECK(daemon.Wait() == 128 + SIGKILL);
    writing = false;
    writer.join();
  }

  // Every change the daemon logged was logged after its write returned.
  std::map<std::string, std::uint64_t> logged;
  std::istringstream lines(ReadFile(log_file));
  const std::regex changed_line("source handbook: changed (file://\\S+)");
  std::smatch match;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, match, changed_line)) ++logged[match[1].str()];
  }
  REQUIRE(logged.size() > 10);

  auto store = freshd::testing::Ok(freshd::store::StateStore::Open(dir / "state", {}));
  std::uint64_t logged_total = 0;
  for (const auto& [uri, count] : logged) {
    auto record = store->Get({"handbook", uri});
    REQUIRE(record.ok());
    CHECK(record->changes >= count);
    CHECK(freshd::testing::Ok(store->History({"handbook", uri}, 100000)).size() == record->checks);
    logged_total += count;
  }
  store.reset();

  // And it starts again on the same state.
  std::string output;
  CHECK(RunCommand({FreshdBinary(), "once", "-c", file}, &output) == 0);
  INFO(output);
  CHECK(logged_total > 0);
}

TEST_CASE("a file name that is not UTF-8 does not bring the API down") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "caf\xe9.md", "# latin-1 name");
  DaemonUnderTest freshd(dir, "1s");
  ChildProcess& daemon = *freshd.process;
  REQUIRE(freshd.Ready());
  const std::string& base = freshd.base;
  std::string documents;
  for (int i = 0; i < 100 && documents.find("caf") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    documents = HttpGet(base + "/api/v1/sources?source=handbook").body;
  }
  CHECK(documents.find("caf\xef\xbf\xbd.md") != std::string::npos);  // U+FFFD in its place
  CHECK(HttpGet(base + "/api/v1/sources").status == 200);
  CHECK(daemon.Running());
}

TEST_CASE("SIGHUP and POST /-/reload apply a new file: an invalid one keeps the old") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1h", "", DirectorySource("first", dir / "docs"));
  ChildProcess& daemon = *freshd.process;
  REQUIRE(freshd.Ready());
  const std::string& base = freshd.base;
  const std::string& file = freshd.file;
  const int port = freshd.port;
  auto wait_for = [&](const std::string& path, const std::string& needle, bool present) {
    for (int i = 0; i < 100; ++i) {
      if ((HttpGet(base + path).body.find(needle) != std::string::npos) == present) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  WriteFile(file, Config(dir, port, DirectorySource("second", dir / "docs")));
  daemon.Signal(SIGHUP);
  CHECK(wait_for("/api/v1/sources", "\"source\": \"second\"", true));
  CHECK(wait_for("/metrics", "source=\"first\"", false));

  WriteFile(file, "listen: 127.0.0.1:1\nbogus_key: 1\n");
  // The HTTP client only GETs; bash writes the POST itself.
  std::string output;
  CHECK(RunCommand({"bash", "-c",
                    "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port) +
                        " && printf 'POST /-/reload HTTP/1.0\\r\\nX-Freshd-Request: 1\\r\\n"
                        "\\r\\n' >&3 && cat <&3"},
                   &output) == 0);
  CHECK(output.find("200 OK") != std::string::npos);
  CHECK(wait_for("/metrics", "freshd_config_last_reload_successful 0", true));
  CHECK(wait_for("/api/v1/sources", "\"source\": \"second\"", true));
  CHECK(daemon.Running());
  CHECK(ReadFile(dir.path() / "freshd.log").find("freshd.yaml:2:1: ") != std::string::npos);
}

TEST_CASE("log.format json writes one JSON object per line") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "quote\"d.md", "# a");
  {
    DaemonUnderTest freshd(dir, "1s", "log: { level: debug, format: json }\n");
    REQUIRE(freshd.Ready());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }
  std::istringstream lines(ReadFile(dir.path() / "freshd.log"));
  int parsed = 0;
  bool saw_quote = false;
  for (std::string line; std::getline(lines, line);) {
    auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    INFO(line);
    REQUIRE_FALSE(json.is_discarded());
    CHECK(json.contains("time"));
    CHECK(json.contains("level"));
    saw_quote =
        saw_quote || json["msg"].get<std::string>().find("quote\"d.md") != std::string::npos;
    ++parsed;
  }
  CHECK(parsed >= 3);
  CHECK(saw_quote);
}

TEST_CASE("explain prints a workload's decision path from a running daemon") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1s", "advisor: { assess_every: 1s }\n");
  REQUIRE(freshd.Ready());
  const std::string& base = freshd.base;
  std::string output;
  int code = 1;
  for (int i = 0; i < 100 && code != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    code = RunCommand({FreshdBinary(), "explain", "docs", "--url", base}, &output);
  }
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("workload docs runs on rag") != std::string::npos);
  CHECK(output.find("decision path:") != std::string::npos);
  CHECK(output.find("handbook") != std::string::npos);
  CHECK(RunCommand({FreshdBinary(), "explain", "nope", "--url", base}, &output) == 1);
  CHECK(RunCommand({FreshdBinary(), "explain", "--url", base}, &output) == 2);
  const std::string workloads = HttpGet(base + "/api/v1/workloads").body;
  CHECK(workloads.find("\"recommendation\": \"undecided\"") != std::string::npos);
  const std::string metrics = HttpGet(base + "/metrics").body;
  CHECK(
      metrics.find("freshd_workload_recommendation{strategy=\"undecided\",workload=\"docs\"} 1") !=
      std::string::npos);
}

namespace {

// The receiving end of sd_notify: what systemd would read from NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      throw std::runtime_error("cannot bind " + path);
    }
  }
  ~NotifySocket() { close(fd_); }

  // Every message that arrives within `wait`, joined with newlines.
  std::string Receive(std::chrono::milliseconds wait) {
    std::string messages;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t size = recv(fd_, buffer, sizeof(buffer), 0);
      if (size > 0) messages += std::string(buffer, static_cast<std::size_t>(size)) + "\n";
    }
    return messages;
  }

 private:
  std::string path_;
  int fd_ = -1;
};

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("under systemd: READY=1 with a STATUS line, the watchdog fed, STOPPING=1") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  const int port = FreePort();
  const std::string file = dir / "freshd.yaml";
  WriteFile(file, Config(dir, port, DirectorySource("handbook", dir / "docs")));
  NotifySocket notify(dir / "notify.sock");
  setenv("NOTIFY_SOCKET", (dir / "notify.sock").c_str(), 1);
  setenv("WATCHDOG_USEC", "200000", 1);
  ChildProcess daemon({FreshdBinary(), "run", "-c", file}, dir.path() / "freshd.log");
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  const std::string running = notify.Receive(std::chrono::milliseconds(1500));
  CHECK(running.find("READY=1\nSTATUS=1 sources, ") != std::string::npos);
  CHECK(Count(running, "WATCHDOG=1") >= 3);  // every 100 ms, from the event loop
  daemon.Signal(SIGTERM);
  CHECK(daemon.Wait() == 0);
  CHECK(notify.Receive(std::chrono::milliseconds(200)).find("STOPPING=1") != std::string::npos);
}

TEST_CASE("the status page's change chart survives a restart") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# A\n\nfirst");
  {
    DaemonUnderTest freshd(dir, "1s");
    REQUIRE(freshd.Ready());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    WriteFile(dir.path() / "docs" / "a.md", "# A\n\nsecond, with another size");
    std::string page;
    for (int i = 0; i < 100 && page.find("1 change in the last 30 days") == std::string::npos;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      page = HttpGet(freshd.base + "/").body;
    }
    REQUIRE(page.find("1 change in the last 30 days") != std::string::npos);
  }
  DaemonUnderTest again(dir, "1h");
  REQUIRE(again.Ready());
  CHECK(HttpGet(again.base + "/").body.find("1 change in the last 30 days") != std::string::npos);
}

TEST_CASE("a corrupt record in the state store is logged and counted, and the daemon goes on") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  WriteFile(dir.path() / "docs" / "b.md", "# b");
  WriteFile(dir.path() / "once.yaml",
            Config(dir, FreePort(), DirectorySource("handbook", dir / "docs")));
  std::string once;
  REQUIRE(RunCommand({FreshdBinary(), "once", "-c", dir / "once.yaml"}, &once) == 0);
  freshd::store::testing::WithRawDb(
      dir / "state", [&](rocksdb::DB& db, freshd::store::testing::Families& families) {
        const std::string key =
            "handbook" + std::string(1, '\0') + "file://" + (dir / "docs") + "/a.md";
        REQUIRE(db.Put(rocksdb::WriteOptions(), families.at("documents"), key, "\xc1garbage").ok());
      });

  DaemonUnderTest freshd(dir, "1s");
  REQUIRE(freshd.Ready());
  std::string metrics;
  for (int i = 0; i < 200; ++i) {
    metrics = HttpGet(freshd.base + "/metrics").body;
    if (metrics.find("freshd_store_errors_total{kind=\"corruption\"} 0") == std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(metrics.find("freshd_store_errors_total{kind=\"corruption\"} 0") == std::string::npos);
  CHECK(metrics.find("freshd_store_errors_total{kind=\"io\"} 0") != std::string::npos);
  CHECK(HttpGet(freshd.base + "/healthz").status == 200);
  const std::string log = ReadFile(dir.path() / "freshd.log");
  CHECK(log.find("state store: the stored record of") != std::string::npos);
  CHECK(log.find("a.md") != std::string::npos);
}
