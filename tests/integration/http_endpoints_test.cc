// The daemon's HTTP side as a client meets it, over raw sockets: malformed requests and
// their statuses, methods, HEAD, checked query parameters.
#include <catch2/catch.hpp>
#include <string>

#include "tests/integration/daemon_under_test.h"
#include "tests/integration/http_get.h"
#include "tests/support/raw_http.h"
#include "tests/support/temp_dir.h"

using freshd::testing::DaemonUnderTest;
using freshd::testing::HttpGet;
using freshd::testing::RawExchange;
using freshd::testing::StatusOf;
using freshd::testing::TempDir;
using freshd::testing::WriteFile;

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
