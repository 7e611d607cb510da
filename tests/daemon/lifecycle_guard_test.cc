// Which requests may reload the daemon or reconcile its sink.
#include "daemon/lifecycle_guard.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

namespace freshd::daemon {
namespace {

namespace http = boost::beast::http;
using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest Post(const std::string& target, const Headers& headers) {
  HttpRequest request{http::verb::post, target, 11};
  for (const auto& [name, value] : headers) request.set(name, value);
  return request;
}

LifecycleSettings Loopback() { return {true, "127.0.0.1", 9711, "/etc/freshd/freshd.yaml"}; }

TEST_CASE("freshd's own command line and curl with the header are served", "[lifecycle]") {
  CHECK_FALSE(LifecycleRefusal(Post("/-/reload", {{"X-Freshd-Request", "1"}}), Loopback()));
  CHECK_FALSE(
      LifecycleRefusal(Post("/api/v1/reconcile", {{"x-freshd-request", "yes"}}), Loopback()));
  CHECK_FALSE(LifecycleRefusal(
      Post("/-/reload", {{"Content-Type", "Application/JSON; charset=utf-8"}}), Loopback()));
}

TEST_CASE("a request a web page could send unasked is refused with the way to send it",
          "[lifecycle]") {
  for (const Headers& headers : {Headers{}, Headers{{"Content-Type", "text/plain"}},
                                 Headers{{"Content-Type", "application/x-www-form-urlencoded"}},
                                 Headers{{"Content-Type", "multipart/form-data; boundary=x"}}}) {
    const auto refusal = LifecycleRefusal(Post("/-/reload", headers), Loopback());
    REQUIRE(refusal);
    CHECK(refusal->find("POST /-/reload needs the header 'X-Freshd-Request: 1'") == 0);
    CHECK(refusal->find("curl -X POST -H 'X-Freshd-Request: 1' http://127.0.0.1:9711/-/reload") !=
          std::string::npos);
  }
}

TEST_CASE("a request a browser marks cross-site is refused even with the header", "[lifecycle]") {
  for (const Headers& headers : {
           Headers{{"Origin", "http://evil.example"}},
           Headers{{"Origin", "http://evil.example:9711"}},  // DNS rebinding to 127.0.0.1
           Headers{{"Origin", "https://127.0.0.1:9711"}},
           Headers{{"Origin", "http://127.0.0.1:9712"}},
           Headers{{"Origin", "null"}},
           Headers{{"Sec-Fetch-Site", "cross-site"}},
           Headers{{"Sec-Fetch-Site", "same-site"}},
       }) {
    Headers marked = headers;
    marked.emplace_back("X-Freshd-Request", "1");
    INFO(headers[0].first << ": " << headers[0].second);
    const auto refusal = LifecycleRefusal(Post("/api/v1/reconcile", marked), Loopback());
    REQUIRE(refusal);
    CHECK(refusal->find("cross-site request refused") == 0);
  }
}

TEST_CASE("the daemon's own origin and localhost on a loopback listener are not cross-site",
          "[lifecycle]") {
  const HttpRequest own = Post("/", {{"Origin", "http://127.0.0.1:9711"}});
  CHECK_FALSE(IsCrossSite(own, "127.0.0.1", 9711));
  CHECK_FALSE(IsCrossSite(Post("/", {{"Origin", "http://LOCALHOST:9711"}}), "127.0.0.1", 9711));
  CHECK_FALSE(IsCrossSite(Post("/", {{"Origin", "http://[::1]:9711"}}), "::1", 9711));
  CHECK_FALSE(IsCrossSite(Post("/", {{"Origin", "http://10.0.0.7"}}), "10.0.0.7", 80));
  CHECK_FALSE(IsCrossSite(Post("/", {{"Sec-Fetch-Site", "same-origin"}}), "127.0.0.1", 9711));
  CHECK_FALSE(IsCrossSite(Post("/", {{"Sec-Fetch-Site", "none"}}), "127.0.0.1", 9711));
  CHECK(IsCrossSite(Post("/", {{"Origin", "http://localhost:9711"}}), "10.0.0.7", 9711));
}

TEST_CASE("with enable_lifecycle off the refusal says how to turn it on", "[lifecycle]") {
  LifecycleSettings off = Loopback();
  off.enabled = false;
  const auto refusal = LifecycleRefusal(Post("/-/reload?x=1", {{"X-Freshd-Request", "1"}}), off);
  REQUIRE(refusal);
  CHECK(refusal->find("POST /-/reload is turned off on this daemon: set 'api: { "
                      "enable_lifecycle: true }' in /etc/freshd/freshd.yaml") == 0);
}

}  // namespace
}  // namespace freshd::daemon
