// Retry-After: the parser on its own, then read from real 429 and 503 answers on loopback.
#include "watchers/retry_after.h"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "tests/support/fault_server.h"
#include "watchers/http_client.h"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using freshd::testing::FaultServer;
using freshd::watchers::FetchError;
using freshd::watchers::HttpClient;
using freshd::watchers::HttpRequest;
using freshd::watchers::HttpResponse;
using freshd::watchers::kMaxRetryAfter;
using freshd::watchers::ParseRetryAfter;

// 1994-11-06T08:49:37Z, the example date of RFC 9110.
const auto kNow = std::chrono::system_clock::time_point(784111777s);

std::optional<std::chrono::seconds> Parse(std::string_view value, std::string_view date = "") {
  return ParseRetryAfter(value, date, kNow);
}

HttpResponse FetchOne(const std::string& url) {
  asio::io_context io;
  HttpClient client(io);
  std::optional<HttpResponse> result;
  HttpRequest request;
  request.url = url;
  request.timeout = 10s;
  client.Fetch(request, [&](HttpResponse response) { result = std::move(response); });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!result && std::chrono::steady_clock::now() < deadline) io.run_one_for(20ms);
  REQUIRE(result);
  return *result;
}

}  // namespace

TEST_CASE("Retry-After in seconds is read as a delay") {
  CHECK(Parse("120") == 120s);
  CHECK(Parse("0") == 0s);
  CHECK(Parse(" 7 ") == 7s);
  CHECK(Parse("0042") == 42s);
}

TEST_CASE("Retry-After as an HTTP date counts from now when the response has no Date") {
  CHECK(Parse("Sun, 06 Nov 1994 08:51:37 GMT") == 120s);  // IMF-fixdate
  CHECK(Parse("Sunday, 06-Nov-94 08:50:37 GMT") == 60s);  // RFC 850
  CHECK(Parse("Sun Nov  6 08:49:47 1994") == 10s);        // asctime
}

TEST_CASE("Retry-After as a date counts from the response's own Date") {
  // The server's clock is an hour behind ours: its date is still 30 s after its own Date.
  CHECK(Parse("Sun, 06 Nov 1994 07:50:07 GMT", "Sun, 06 Nov 1994 07:49:37 GMT") == 30s);
  // An unreadable Date falls back to our clock.
  CHECK(Parse("Sun, 06 Nov 1994 08:50:07 GMT", "yesterday-ish") == 30s);
}

TEST_CASE("a Retry-After date already past is no delay") {
  CHECK(Parse("Sun, 06 Nov 1994 08:00:00 GMT") == 0s);
}

TEST_CASE("Retry-After is capped at an hour") {
  CHECK(Parse("86400") == kMaxRetryAfter);
  CHECK(Parse("99999999999999999999999999") == kMaxRetryAfter);
  CHECK(Parse("Mon, 07 Nov 1994 08:49:37 GMT") == kMaxRetryAfter);
  CHECK(kMaxRetryAfter == 1h);
}

TEST_CASE("a Retry-After that is neither seconds nor a date is ignored") {
  for (const char* nonsense :
       {"", "  ", "-5", "+5", "1.5", "120s", "soon", "two minutes", "Sun, 06 Nov", "0x10", "1e3"}) {
    INFO(nonsense);
    CHECK_FALSE(Parse(nonsense).has_value());
  }
}

TEST_CASE("a real 429 answer carries its Retry-After and stays an http_4xx error") {
  FaultServer server;
  server.Route("/limited", FaultServer::Plain().Status(429).Header("Retry-After", "120"));
  const HttpResponse response = FetchOne(server.Url("/limited"));
  CHECK(response.status == 429);
  CHECK(response.error == FetchError::kHttp4xx);
  CHECK(response.retry_after == 120s);
}

TEST_CASE("a real 503 answer's Retry-After date counts from its Date header") {
  FaultServer server;
  server.Route("/down", FaultServer::Plain()
                            .Status(503)
                            .Header("Date", "Wed, 01 May 2024 10:00:00 GMT")
                            .Header("Retry-After", "Wed, 01 May 2024 10:01:30 GMT"));
  const HttpResponse response = FetchOne(server.Url("/down"));
  CHECK(response.error == FetchError::kHttp5xx);
  CHECK(response.retry_after == 90s);
}

TEST_CASE("Retry-After is read only from 429 and 503 answers") {
  FaultServer server;
  server.Route("/ok", FaultServer::Plain().Body("fine").Header("Retry-After", "120"));
  server.Route("/gone", FaultServer::Plain().Status(404).Header("Retry-After", "120"));
  server.Route("/bare", FaultServer::Plain().Status(429));
  CHECK_FALSE(FetchOne(server.Url("/ok")).retry_after.has_value());
  CHECK_FALSE(FetchOne(server.Url("/gone")).retry_after.has_value());
  const HttpResponse bare = FetchOne(server.Url("/bare"));
  CHECK(bare.error == FetchError::kHttp4xx);
  CHECK_FALSE(bare.retry_after.has_value());
}
