// The daemon's HTTP side as a client meets it, over raw sockets: malformed requests and
// their statuses, methods, HEAD, checked query parameters, the guard of the endpoints that
// change state, and a process out of file descriptors.
#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_under_test.h"
#include "tests/integration/http_get.h"
#include "tests/support/process.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

using freshd::testing::DaemonUnderTest;
using freshd::testing::FreshdBinary;
using freshd::testing::HttpGet;
using freshd::testing::RawExchange;
using freshd::testing::ReadFile;
using freshd::testing::RunCommand;
using freshd::testing::StatusOf;
using freshd::testing::TcpConnection;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;
using namespace std::chrono_literals;

namespace {

std::string Request(const std::string& method, const std::string& target,
                    const std::string& headers = "") {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers +
         "\r\n";
}

std::string BodyOf(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

// The value of a series in /metrics text, or -1.
double Metric(const std::string& text, const std::string& series) {
  const std::size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
}

// User and system CPU time of a process, in seconds.
double CpuSeconds(pid_t pid) {
  const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // the name may hold spaces
  std::vector<std::string> values;                              // from field 3 (state) on
  for (std::string field; fields >> field;) values.push_back(field);
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3;
  return (std::stod(values.at(kUtime)) + std::stod(values.at(kStime))) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

int OpenDescriptors(pid_t pid) {
  int count = 0;
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  while (readdir(dir) != nullptr) ++count;
  closedir(dir);
  return count - 2;  // . and ..
}

}  // namespace

TEST_CASE("malformed requests are answered with 400 or 413 or 414 or 431 or 505 and then closed") {
  TempDir dir;
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  const int port = freshd.port;
  std::string many_fields;
  for (int i = 0; i < 2000; ++i) many_fields += "X-Field-" + std::to_string(i) + ": v\r\n";
  const struct {
    std::string name;
    std::string request;
    int status;
  } cases[] = {
      {"a 60 KB URL", Request("GET", "/metrics?" + std::string(60000, 'a')), 414},
      {"a 100 KB header", Request("GET", "/metrics", "X-Big: " + std::string(100000, 'b') + "\r\n"),
       431},
      {"2,000 headers", Request("GET", "/metrics", many_fields), 431},
      {"HTTP/9.9", "GET /metrics HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", 505},
      {"a bad Content-Length", Request("POST", "/-/reload", "Content-Length: -5\r\n"), 400},
      {"a 1 MB body", Request("POST", "/-/reload", "Content-Length: 1000000\r\n"), 413},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string response = RawExchange(port, c.request);
    CHECK(StatusOf(response) == c.status);
    CHECK(response.find("\r\nConnection: close\r\n") != std::string::npos);
  }
  CHECK(HttpGet(freshd.base + "/healthz").status == 200);
}

TEST_CASE("a known path with another method gets 405 with Allow and HEAD gets no body") {
  TempDir dir;
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  const int port = freshd.port;
  const std::string del = RawExchange(port, Request("DELETE", "/metrics"));
  CHECK(StatusOf(del) == 405);
  CHECK(del.find("\r\nAllow: GET, HEAD\r\n") != std::string::npos);
  const std::string get_reload = RawExchange(port, Request("GET", "/-/reload"));
  CHECK(StatusOf(get_reload) == 405);
  CHECK(get_reload.find("\r\nAllow: POST\r\n") != std::string::npos);
  CHECK(StatusOf(RawExchange(port, Request("BREW", "/api/v1/sources"))) == 405);
  CHECK(StatusOf(RawExchange(port, Request("OPTIONS", "/api/v1/reconcile"))) == 405);
  CHECK(StatusOf(RawExchange(port, Request("DELETE", "/nowhere"))) == 404);

  const std::string head = RawExchange(port, Request("HEAD", "/healthz"));
  CHECK(StatusOf(head) == 200);
  CHECK(head.find("\r\nContent-Length: 3\r\n") != std::string::npos);  // "ok\n"
  CHECK(BodyOf(head).empty());
  CHECK(BodyOf(RawExchange(port, Request("GET", "/healthz"))) == "ok\n");
}

TEST_CASE("search k and a page limit must be whole numbers from 1 and k is capped at 100") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  for (const char* k : {"abc", "0", "-1", "", "1e3"}) {
    INFO("k=" << k);
    const auto reply = HttpGet(freshd.base + "/api/v1/search?q=a&k=" + k);
    CHECK(reply.status == 400);
    CHECK(reply.body.find("'k' must be a whole number of at least 1") != std::string::npos);
  }
  CHECK(HttpGet(freshd.base + "/api/v1/search?q=a&k=1000").status == 200);
  CHECK(HttpGet(freshd.base + "/api/v1/search?q=a").status == 200);
  const auto limit = HttpGet(freshd.base + "/api/v1/sources?source=handbook&limit=-1");
  CHECK(limit.status == 400);
  CHECK(limit.body.find("'limit' must be a whole number of at least 1") != std::string::npos);
  CHECK(HttpGet(freshd.base + "/api/v1/sources?source=handbook&limit=2").status == 200);
}

TEST_CASE("reload and reconcile refuse cross-site requests and need X-Freshd-Request") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  const int port = freshd.port;
  const std::string marker = "X-Freshd-Request: 1\r\n";
  for (const char* path : {"/-/reload", "/api/v1/reconcile"}) {
    INFO(path);
    const std::string evil =
        RawExchange(port, Request("POST", path, "Origin: http://evil.example\r\n" + marker));
    CHECK(StatusOf(evil) == 403);
    CHECK(evil.find("cross-site request refused") != std::string::npos);
    CHECK(StatusOf(RawExchange(
              port, Request("POST", path, "Sec-Fetch-Site: cross-site\r\n" + marker))) == 403);
    const std::string form = RawExchange(
        port, Request("POST", path, "Content-Type: application/x-www-form-urlencoded\r\n"));
    CHECK(StatusOf(form) == 403);
    CHECK(form.find("needs the header 'X-Freshd-Request: 1'") != std::string::npos);
    CHECK(StatusOf(RawExchange(port, Request("POST", path, marker))) == 200);
    CHECK(StatusOf(RawExchange(port, Request("POST", path,
                                             "Origin: http://127.0.0.1:" + std::to_string(port) +
                                                 "\r\n" + marker))) == 200);
    CHECK(StatusOf(RawExchange(
              port, Request("POST", path, "Content-Type: application/json\r\n"))) == 200);
  }
  std::string output;
  CHECK(RunCommand({FreshdBinary(), "reconcile", "--url", freshd.base}, &output) == 0);
  INFO(output);
  CHECK(output.find("queued:") != std::string::npos);
}

TEST_CASE("with api.enable_lifecycle false reload and reconcile say how to turn them on") {
  TempDir dir;
  DaemonUnderTest freshd(dir, "1h", "api: { enable_lifecycle: false }\n");
  REQUIRE(freshd.Ready());
  const std::string reload =
      RawExchange(freshd.port, Request("POST", "/-/reload", "X-Freshd-Request: 1\r\n"));
  CHECK(StatusOf(reload) == 403);
  CHECK(reload.find("set 'api: { enable_lifecycle: true }' in " + freshd.file) !=
        std::string::npos);
  std::string output;
  CHECK(RunCommand({FreshdBinary(), "reconcile", "--url", freshd.base}, &output) == 1);
  CHECK(output.find("POST /api/v1/reconcile is turned off on this daemon") != std::string::npos);
}

TEST_CASE("out of file descriptors the daemon neither spins nor stops answering") {
  TempDir dir;
  WriteFile(dir.path() / "docs" / "a.md", "# a");
  DaemonUnderTest freshd(dir, "1h");
  REQUIRE(freshd.Ready());
  const pid_t pid = freshd.process->pid();
  const std::string limit = std::to_string(OpenDescriptors(pid) + 16);
  std::string output;
  REQUIRE(RunCommand({"prlimit", "--pid", std::to_string(pid), "--nofile=" + limit + ":" + limit},
                     &output) == 0);
  std::vector<std::unique_ptr<TcpConnection>> idle;  // they connect, and never send a thing
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<TcpConnection>(freshd.port));
  std::this_thread::sleep_for(500ms);

  const double cpu_before = CpuSeconds(pid);
  std::this_thread::sleep_for(2s);
  CHECK(CpuSeconds(pid) - cpu_before < 1.0);  // an accept loop retrying at once burns all 2 s

  const auto asked = std::chrono::steady_clock::now();
  const auto metrics = HttpGet(freshd.base + "/metrics");
  CHECK(metrics.status == 200);
  CHECK(std::chrono::steady_clock::now() - asked < 3s);
  CHECK(Metric(metrics.body, "freshd_http_connections_refused_total{reason=\"fd_exhausted\"}") > 0);
  CHECK(Metric(metrics.body, "freshd_http_idle_connections_closed_total") > 0);

  idle.clear();
  CHECK(HttpGet(freshd.base + "/healthz").status == 200);
  CHECK(freshd.process->Running());
  CHECK(ReadFile(dir.path() / "freshd.log").find("cannot accept HTTP connections") !=
        std::string::npos);
}
