// The HTTP server in this process, on a free loopback port: the statuses of requests it
// refuses, HEAD, and its connection limit.
#include "daemon/http_server.h"

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.h"
#include "tests/support/raw_http.h"

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::RawExchange;
using testing::StatusOf;
using testing::TcpConnection;

// An HttpServer with its loop on a thread of its own.
class ServerUnderTest {
 public:
  explicit ServerUnderTest(Handler handler, HttpServerOptions options = {})
      : server_(io_, std::move(handler), metrics_, options) {
    if (Status listening = server_.Listen("127.0.0.1", 0); !listening.ok()) {
      FAIL(listening.ToString());
    }
    loop_ = std::thread([this] { io_.run(); });
  }
  ~ServerUnderTest() {
    OnLoop([this] { server_.Stop(); });
    io_.stop();
    loop_.join();
  }

  int port() const { return server_.port(); }

  // Runs `work` on the server's loop and waits for it.
  void OnLoop(const std::function<void()>& work) {
    std::promise<void> done;
    asio::post(io_, [&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }

  // The value of a series of /metrics, such as "freshd_http_connections".
  double Metric(const std::string& series) const {
    const std::string text = metrics_.Render();
    const std::size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }

  // Waits up to 5 s for the series to reach `value`.
  bool WaitForMetric(const std::string& series, double value) const {
    for (int i = 0; i < 500; ++i) {
      if (Metric(series) == value) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

 private:
  metrics::Metrics metrics_{"test"};
  asio::io_context io_;
  HttpServer server_;
  std::thread loop_;
};

void Hello(const HttpRequest& request, Respond respond) {
  respond(MakeReply(request, http::status::ok, "text/plain", "hello\n"));
}

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

TEST_CASE("a request beyond the limits gets its status and Connection: close before the close",
          "[http_server]") {
  ServerUnderTest server(Hello);
  const int port = server.port();
  std::string many_fields;
  for (int i = 0; i < 2000; ++i) many_fields += "X-Field-" + std::to_string(i) + ": v\r\n";
  std::string fields_over_count;
  for (int i = 0; i < 150; ++i) fields_over_count += "F" + std::to_string(i) + ":v\r\n";
  const struct {
    std::string name;
    std::string request;
    int status;
  } cases[] = {
      {"a 60 KB request line", Get("/" + std::string(60000, 'a')), 414},
      {"a 10 KB request target", Get("/" + std::string(10000, 'a')), 414},
      {"a 100 KB header field", Get("/", "X-Big: " + std::string(100000, 'b') + "\r\n"), 431},
      {"2,000 header fields", Get("/", many_fields), 431},
      {"150 short header fields", Get("/", fields_over_count), 431},
      {"HTTP/9.9", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505},
      {"HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
      {"a Content-Length that is no number", "POST / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", 400},
      {"two Content-Lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx",
       400},
      {"a body larger than 64 KiB", "POST / HTTP/1.1\r\nContent-Length: 1000000\r\n\r\nxyz", 413},
      {"no request at all", "\x01\x02 nonsense\r\n\r\n", 400},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const std::string response = RawExchange(port, c.request);
    CHECK(StatusOf(response) == c.status);
    CHECK(response.find("\r\nConnection: close\r\n") != std::string::npos);
  }
  CHECK(StatusOf(RawExchange(port, Get("/", "Connection: close\r\n"))) == 200);
}

TEST_CASE("HEAD gets the headers GET would get with their Content-Length and no body",
          "[http_server]") {
  ServerUnderTest server(Hello);
  // Pipelined on one connection: a body after the HEAD reply would be read as the start of
  // the next reply.
  const std::string response = RawExchange(
      server.port(), "HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/x", "Connection: close\r\n"));
  const std::size_t second = response.find("HTTP/1.1", 1);
  REQUIRE(second != std::string::npos);
  const std::string head = response.substr(0, second);
  CHECK(StatusOf(head) == 200);
  CHECK(head.find("Content-Length: 6\r\n") != std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));
  CHECK(StatusOf(response.substr(second)) == 200);
  CHECK(response.ends_with("\r\n\r\nhello\n"));
}

TEST_CASE("at the connection limit the connection idle the longest makes room", "[http_server]") {
  HttpServerOptions options;
  options.max_connections = 2;
  ServerUnderTest server(Hello, options);
  TcpConnection oldest(server.port());
  REQUIRE(server.WaitForMetric("freshd_http_connections", 1));
  TcpConnection younger(server.port());
  REQUIRE(server.WaitForMetric("freshd_http_connections", 2));

  const std::string answer = RawExchange(server.port(), Get("/", "Connection: close\r\n"));
  CHECK(StatusOf(answer) == 200);
  CHECK(oldest.ClosedByPeer(2s));
  CHECK_FALSE(younger.ClosedByPeer(100ms));
  CHECK(server.Metric("freshd_http_idle_connections_closed_total") == 1);
  CHECK(server.Metric("freshd_http_connections_refused_total{reason=\"limit\"}") == 0);
}

TEST_CASE("at the connection limit with every connection busy a new one is refused",
          "[http_server]") {
  std::vector<Respond> held;  // requests answered only at the end: their connections are busy
  HttpServerOptions options;
  options.max_connections = 2;
  ServerUnderTest server([&](const HttpRequest&, Respond respond) { held.push_back(respond); },
                         options);
  TcpConnection first(server.port());
  TcpConnection second(server.port());
  REQUIRE(first.Send(Get("/")));
  REQUIRE(second.Send(Get("/")));
  std::size_t busy = 0;
  for (int i = 0; i < 500 && busy < 2; ++i) {
    std::this_thread::sleep_for(10ms);
    server.OnLoop([&] { busy = held.size(); });
  }
  REQUIRE(busy == 2);

  TcpConnection third(server.port());
  CHECK(third.ClosedByPeer(2s));
  CHECK(server.WaitForMetric("freshd_http_connections_refused_total{reason=\"limit\"}", 1));
  CHECK(server.Metric("freshd_http_idle_connections_closed_total") == 0);
  server.OnLoop([&] {
    for (auto& respond : held) respond(HttpReply{http::status::ok, 11});
    held.clear();
  });
  CHECK(StatusOf(first.ReadToEnd(500ms)) == 200);
}

}  // namespace
}  // namespace freshd::daemon
