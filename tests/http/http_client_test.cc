#include "watchers/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/host_name.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/http/tls_server.h"
#include "tests/support/fault_server.h"
#include "tests/support/temp_dir.h"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using freshd::testing::FaultServer;
using freshd::watchers::FetchError;
using freshd::watchers::HttpClient;
using freshd::watchers::HttpRequest;
using freshd::watchers::HttpResponse;
using Clock = std::chrono::steady_clock;

// Runs `io` until `done()` holds or `limit` has passed.
template <typename Done>
void RunUntil(asio::io_context& io, Done done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(20ms);
  }
}

void RunFor(asio::io_context& io, std::chrono::milliseconds duration) {
  RunUntil(
      io, [] { return false; }, duration);
}

HttpRequest Get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  request.timeout = 10s;
  request.user_agent = "freshd-test/1";
  return request;
}

// One fetch on a fresh client; checks on the way that the callback is not run inside Fetch.
HttpResponse FetchOne(HttpRequest request) {
  asio::io_context io;
  HttpClient client(io);
  std::optional<HttpResponse> result;
  client.Fetch(std::move(request), [&](HttpResponse response) { result = std::move(response); });
  REQUIRE_FALSE(result.has_value());
  RunUntil(io, [&] { return result.has_value(); });
  REQUIRE(result.has_value());
  CHECK(client.InFlight() == 0);
  return std::move(*result);
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const char* const kDate = "Wed, 21 Oct 2015 07:28:00 GMT";

// Answers every request on 127.0.0.1, after `delay`, with a 302 to /next on itself, over
// keep-alive connections: each hop of a redirect chain then takes `delay`.
class SlowRedirector {
 public:
  explicit SlowRedirector(std::chrono::milliseconds delay)
      : delay_(delay), acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~SlowRedirector() {
    io_.stop();
    thread_.join();
  }
  SlowRedirector(const SlowRedirector&) = delete;
  SlowRedirector& operator=(const SlowRedirector&) = delete;

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) +
           std::string(path);
  }

 private:
  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(asio::ip::tcp::socket s, std::chrono::milliseconds d)
        : socket(std::move(s)), timer(socket.get_executor()), delay(d) {}

    void Read() {
      asio::async_read_until(
          socket, asio::dynamic_buffer(buffer), "\r\n\r\n",
          [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
            if (error) return;
            self->buffer.erase(0, size);
            self->timer.expires_after(self->delay);
            self->timer.async_wait([self](const boost::system::error_code& error) {
              if (error) return;
              static constexpr std::string_view kResponse =
                  "HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n";
              asio::async_write(self->socket, asio::buffer(kResponse),
                                [self](const boost::system::error_code& error, std::size_t) {
                                  if (!error) self->Read();
                                });
            });
          });
    }

    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    std::chrono::milliseconds delay;
    std::string buffer;
  };

  void Accept() {
    acceptor_.async_accept(
        [this](const boost::system::error_code& error, asio::ip::tcp::socket socket) {
          if (error) return;
          std::make_shared<Connection>(std::move(socket), delay_)->Read();
          Accept();
        });
  }

  std::chrono::milliseconds delay_;
  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("a plain page comes back with its validators, type and charset") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain()
                            .Header("Content-Type", "Text/HTML; Charset=\"UTF-8\"")
                            .Body("<p>hello</p>")
                            .ETag("\"v1\"")
                            .LastModified(kDate));
  HttpRequest request = Get(server.Url("/page?x=1"));
  request.headers = {{"X-Test", "yes"}};

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.message.empty());
  CHECK(response.status == 200);
  CHECK_FALSE(response.not_modified);
  CHECK(response.body == "<p>hello</p>");
  CHECK(response.content_type == "text/html");
  CHECK(response.charset == "utf-8");
  CHECK(response.etag == "\"v1\"");
  CHECK(response.last_modified == kDate);
  CHECK(response.effective_url == server.Url("/page?x=1"));
  CHECK(response.duration_seconds > 0);
  CHECK(response.duration_seconds < 5);

  const auto requests = server.Requests("/page");
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/page?x=1");
  CHECK(requests[0].Header("user-agent") == "freshd-test/1");
  CHECK(requests[0].Header("x-test") == "yes");
  CHECK(requests[0].Header("accept-encoding").find("gzip") != std::string::npos);
  CHECK(requests[0].Header("if-none-match").empty());
}

TEST_CASE("a content type without charset leaves the charset empty") {
  FaultServer server;
  server.Route("/json", FaultServer::Plain().Header("Content-Type", "application/json").Body("{}"));
  const HttpResponse response = FetchOne(Get(server.Url("/json")));
  CHECK(response.content_type == "application/json");
  CHECK(response.charset.empty());
  CHECK(response.etag.empty());
  CHECK(response.last_modified.empty());
}

TEST_CASE("If-None-Match with the current ETag gets a 304: not modified, no error") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("body").ETag("\"v1\""));
  HttpRequest request = Get(server.Url("/page"));
  request.if_none_match = "\"v1\"";

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.not_modified);
  CHECK(response.status == 304);
  CHECK(response.body.empty());
  CHECK(response.etag == "\"v1\"");
  REQUIRE(server.RequestCount("/page") == 1);
  CHECK(server.Requests("/page")[0].Header("if-none-match") == "\"v1\"");
}

TEST_CASE("a stale ETag gets the full page") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("new").ETag("\"v2\""));
  HttpRequest request = Get(server.Url("/page"));
  request.if_none_match = "\"v1\"";

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK_FALSE(response.not_modified);
  CHECK(response.body == "new");
  CHECK(response.etag == "\"v2\"");
}

TEST_CASE("If-Modified-Since with the current Last-Modified gets a 304") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("body").LastModified(kDate));
  HttpRequest request = Get(server.Url("/page"));
  request.if_modified_since = kDate;

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.not_modified);
  CHECK(server.Requests("/page")[0].Header("if-modified-since") == kDate);
}

TEST_CASE("a gzip body is decoded") {
  const std::string text(100000, 'a');
  FaultServer server;
  server.Route(
      "/gz",
      FaultServer::Plain().Header("Content-Encoding", "gzip").Body(freshd::testing::Gzip(text)));
  const HttpResponse response = FetchOne(Get(server.Url("/gz")));
  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == text);
}

TEST_CASE("invalid UTF-8 and binary bodies come back byte for byte") {
  FaultServer server;
  server.Route("/latin", FaultServer::Plain().Body(freshd::testing::InvalidUtf8Body()));
  server.Route("/bin", FaultServer::Plain()
                           .Header("Content-Type", "application/octet-stream")
                           .Body(freshd::testing::BinaryBody(70000)));
  CHECK(FetchOne(Get(server.Url("/latin"))).body == freshd::testing::InvalidUtf8Body());
  const HttpResponse binary = FetchOne(Get(server.Url("/bin")));
  CHECK(binary.error == FetchError::kNone);
  CHECK(binary.body == freshd::testing::BinaryBody(70000));
}

TEST_CASE("a gzip bomb stops at max_bytes of inflated output") {
  FaultServer server;
  server.Route("/bomb", FaultServer::GzipBomb{.inflated_bytes = std::uint64_t{1} << 30});
  HttpRequest request = Get(server.Url("/bomb"));
  request.max_bytes = 2 << 20;
  // Small enough on the wire to pass the Content-Length check: the inflated size must stop it.
  REQUIRE(freshd::testing::GzipZeros(std::uint64_t{1} << 30).size() < request.max_bytes);

  const auto start = Clock::now();
  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kTooLarge);
  CHECK(response.body.empty());
  CHECK_FALSE(response.message.empty());
  CHECK(SecondsSince(start) < 1.0);  // inflating the whole GiB would take longer
}

TEST_CASE("a declared Content-Length over max_bytes is too large") {
  FaultServer server;
  server.Route("/big", FaultServer::Plain().Body(std::string(2 << 20, 'x')));
  server.Route("/ten-gib", FaultServer::EndlessBody{.declare_length = true});
  HttpRequest request = Get(server.Url("/big"));
  request.max_bytes = 1 << 20;
  CHECK(FetchOne(request).error == FetchError::kTooLarge);

  request.url = server.Url("/ten-gib");
  const auto start = Clock::now();
  CHECK(FetchOne(request).error == FetchError::kTooLarge);
  CHECK(SecondsSince(start) < 2.0);
}

TEST_CASE("an endless chunked body is cut at max_bytes") {
  FaultServer server;
  server.Route("/endless", FaultServer::EndlessBody{});
  HttpRequest request = Get(server.Url("/endless"));
  request.max_bytes = 2 << 20;
  const HttpResponse response = FetchOne(request);
  CHECK(response.error == FetchError::kTooLarge);
  CHECK(response.body.empty());
}

TEST_CASE("a server that never answers times out") {
  FaultServer server;
  server.Route("/stall", FaultServer::Stall{});
  HttpRequest request = Get(server.Url("/stall"));
  request.timeout = 300ms;

  const auto start = Clock::now();
  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kTimeout);
  CHECK(SecondsSince(start) >= 0.25);
  CHECK(SecondsSince(start) < 3.0);
}

TEST_CASE("a body shorter than its Content-Length is an I/O error") {
  FaultServer server;
  server.Route("/short", FaultServer::LieAboutLength{.body = "only this", .declared_length = 5000});
  const HttpResponse response = FetchOne(Get(server.Url("/short")));
  CHECK(response.error == FetchError::kIo);
  CHECK(response.body.empty());
}

TEST_CASE("a closed port is a connect error") {
  const int port = freshd::testing::FreePort();
  const HttpResponse response = FetchOne(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
  CHECK(response.error == FetchError::kConnect);
}

TEST_CASE("a name that does not resolve is a DNS error") {
  const HttpResponse response = FetchOne(Get("http://nonexistent.invalid/"));
  CHECK(response.error == FetchError::kDns);
  CHECK_FALSE(response.message.empty());
}

TEST_CASE("names are resolved through curl's resolver") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("ok"));
  const std::string port = std::to_string(server.port());
  CHECK(FetchOne(Get("http://localhost:" + port + "/page")).body == "ok");

  // The machine's own name goes through getaddrinfo on curl's resolver thread, whose
  // socketpair the client must watch too. Only where that name is 127.0.0.1.
  const std::string host = asio::ip::host_name();
  asio::io_context io;
  boost::system::error_code error;
  const auto results = asio::ip::tcp::resolver(io).resolve(asio::ip::tcp::v4(), host, port, error);
  if (error || results.empty() ||
      results.begin()->endpoint().address() != asio::ip::make_address("127.0.0.1")) {
    WARN("skipped: " << host << " is not 127.0.0.1 here");
    return;
  }
  CHECK(FetchOne(Get("http://" + host + ":" + port + "/page")).body == "ok");
}

TEST_CASE("IPv6 loopback works") {
  std::unique_ptr<FaultServer> server;
  try {
    server = std::make_unique<FaultServer>("::1");
  } catch (const std::exception& e) {
    WARN("skipped: no IPv6 loopback: " << e.what());
    return;
  }
  server->Route("/v6", FaultServer::Plain().Body("six"));
  const HttpResponse response = FetchOne(Get(server->Url("/v6")));
  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == "six");
}

TEST_CASE("https to a plain HTTP port is a TLS error") {
  FaultServer server;
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const HttpResponse response = FetchOne(Get(url));
  CHECK(response.error == FetchError::kTls);
}

TEST_CASE("a self-signed certificate is refused unless it is the ca_file") {
  freshd::testing::TlsServer server;
  CHECK(FetchOne(Get(server.Url("/"))).error == FetchError::kTls);

  freshd::testing::TempDir dir;
  freshd::testing::WriteFile(dir / "ca.pem", server.certificate_pem());
  HttpRequest request = Get(server.Url("/"));
  request.ca_file = dir / "ca.pem";
  const HttpResponse response = FetchOne(request);
  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == "secure");
}

TEST_CASE("a trusted certificate for another name is refused") {
  freshd::testing::TlsServer server("DNS:example.com");
  freshd::testing::TempDir dir;
  freshd::testing::WriteFile(dir / "ca.pem", server.certificate_pem());
  HttpRequest request = Get(server.Url("/"));
  request.ca_file = dir / "ca.pem";
  CHECK(FetchOne(request).error == FetchError::kTls);
}

TEST_CASE("a redirect loop is an I/O error after max_redirects") {
  FaultServer server;
  server.Route("/loop", FaultServer::RedirectLoop{});
  HttpRequest request = Get(server.Url("/loop"));
  request.max_redirects = 3;

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kIo);
  CHECK(response.message == "redirect loop or too many redirects");
  CHECK(server.RequestCount("/loop") == 4);
}

TEST_CASE("redirects are followed and the final response's headers are kept") {
  FaultServer server;
  server.Route("/old", FaultServer::Plain()
                           .Status(301)
                           .Header("Location", "/new")
                           .Header("Content-Type", "text/html; charset=latin1")
                           .ETag("\"old\"")
                           .LastModified(kDate));
  server.Route("/new",
               FaultServer::Plain().Header("Content-Type", "text/plain").Body("moved here"));

  const HttpResponse response = FetchOne(Get(server.Url("/old")));

  CHECK(response.error == FetchError::kNone);
  CHECK(response.status == 200);
  CHECK(response.body == "moved here");
  CHECK(response.effective_url == server.Url("/new"));
  CHECK(response.content_type == "text/plain");
  CHECK(response.charset.empty());
  CHECK(response.etag.empty());
  CHECK(response.last_modified.empty());
}

TEST_CASE("a redirect within the origin keeps the request's headers and validators") {
  FaultServer server;
  server.Route("/old", FaultServer::Redirect{"/new", 301});
  server.Route("/new", FaultServer::Plain().Body("same origin").ETag("\"v2\""));
  HttpRequest request = Get(server.Url("/old"));
  request.headers = {{"X-Api-Key", "SECRET"}};
  request.if_none_match = "\"v1\"";
  request.if_modified_since = kDate;

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == "same origin");
  CHECK(response.effective_url == server.Url("/new"));
  REQUIRE(server.RequestCount("/new") == 1);
  const auto target = server.Requests("/new")[0];
  CHECK(target.Header("x-api-key") == "SECRET");
  CHECK(target.Header("if-none-match") == "\"v1\"");
  CHECK(target.Header("if-modified-since") == kDate);
  CHECK(target.Header("user-agent") == "freshd-test/1");
  CHECK(server.ConnectionCount() == 1);  // both hops on one connection
}

TEST_CASE("a redirect to another origin gets none of the request's headers") {
  FaultServer source;
  FaultServer other;  // another port: another origin
  other.Route(
      "/landing",
      FaultServer::Plain().Header("Content-Type", "text/plain").Body("elsewhere").ETag("\"x\""));
  HttpRequest request;

  SECTION("another port") {
    source.Route("/start", FaultServer::Redirect{other.Url("/landing"), 302});
    request = Get(source.Url("/start"));
  }
  SECTION("another name for the same host and port") {
    const std::string port = std::to_string(other.port());
    other.Route("/start", FaultServer::Redirect{"http://localhost:" + port + "/landing", 307});
    request = Get(other.Url("/start"));
  }
  request.headers = {{"X-Api-Key", "SECRET"}, {"Authorization", "Bearer TOKEN"}};
  request.if_none_match = "\"x\"";
  request.if_modified_since = kDate;

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK_FALSE(response.not_modified);
  CHECK(response.status == 200);
  CHECK(response.body == "elsewhere");
  CHECK(response.content_type == "text/plain");
  CHECK(response.etag == "\"x\"");
  REQUIRE(other.RequestCount("/landing") == 1);
  const auto landing = other.Requests("/landing")[0];
  CHECK(landing.method == "GET");
  CHECK(landing.Header("x-api-key").empty());
  CHECK(landing.Header("authorization").empty());
  CHECK(landing.Header("if-none-match").empty());
  CHECK(landing.Header("if-modified-since").empty());
  CHECK(landing.Header("user-agent") == "freshd-test/1");
  // The first hop did get them.
  const auto starts =
      source.RequestCount("/start") == 1 ? source.Requests("/start") : other.Requests("/start");
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].Header("x-api-key") == "SECRET");
  CHECK(starts[0].Header("if-none-match") == "\"x\"");
}

TEST_CASE("Basic credentials go to the request's origin only, never on a redirect elsewhere") {
  FaultServer source;
  FaultServer other;
  source.Route("/start", FaultServer::Redirect{"/moved", 301});
  source.Route("/moved", FaultServer::Redirect{other.Url("/landing"), 302});
  other.Route("/landing", FaultServer::Plain().Body("elsewhere"));
  HttpRequest request = Get(source.Url("/start"));
  request.basic_auth = freshd::watchers::BasicAuth{"user", "SECRET"};

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == "elsewhere");
  CHECK(response.message.find("SECRET") == std::string::npos);
  REQUIRE(source.RequestCount("/start") == 1);
  REQUIRE(source.RequestCount("/moved") == 1);
  REQUIRE(other.RequestCount("/landing") == 1);
  CHECK(source.Requests("/start")[0].Header("authorization") == "Basic dXNlcjpTRUNSRVQ=");
  CHECK(source.Requests("/moved")[0].Header("authorization") == "Basic dXNlcjpTRUNSRVQ=");
  CHECK(other.Requests("/landing")[0].Header("authorization").empty());
  CHECK(other.Requests("/landing")[0].target == "/landing");
}

TEST_CASE("a 303 to another origin is followed with a GET and without the headers") {
  FaultServer source;
  FaultServer other;
  source.Route("/form", FaultServer::Redirect{other.Url("/result"), 303});
  other.Route("/result", FaultServer::Plain().Body("see other"));
  HttpRequest request = Get(source.Url("/form"));
  request.headers = {{"X-Api-Key", "SECRET"}};

  const HttpResponse response = FetchOne(request);

  CHECK(response.error == FetchError::kNone);
  CHECK(response.body == "see other");
  CHECK(response.effective_url == other.Url("/result"));
  REQUIRE(other.RequestCount("/result") == 1);
  CHECK(other.Requests("/result")[0].method == "GET");
  CHECK(other.Requests("/result")[0].Header("x-api-key").empty());
}

TEST_CASE("max_redirects hops are followed, one more is an I/O error") {
  FaultServer server;
  for (int i = 0; i < 4; ++i) {
    server.Route("/hop" + std::to_string(i),
                 FaultServer::Redirect{"/hop" + std::to_string(i + 1), i % 2 == 0 ? 302 : 307});
  }
  server.Route("/hop4", FaultServer::Plain().Body("end"));

  HttpRequest request = Get(server.Url("/hop1"));  // 3 redirects
  request.max_redirects = 3;
  request.headers = {{"X-Api-Key", "SECRET"}};
  const HttpResponse followed = FetchOne(request);
  CHECK(followed.error == FetchError::kNone);
  CHECK(followed.body == "end");
  CHECK(followed.effective_url == server.Url("/hop4"));
  REQUIRE(server.RequestCount("/hop4") == 1);
  CHECK(server.Requests("/hop4")[0].Header("x-api-key") == "SECRET");

  request.url = server.Url("/hop0");  // 4 redirects
  const HttpResponse too_many = FetchOne(request);
  CHECK(too_many.error == FetchError::kIo);
  CHECK(too_many.message == "redirect loop or too many redirects");
  CHECK(too_many.body.empty());
  CHECK(server.RequestCount("/hop4") == 1);  // not fetched again

  request.url = server.Url("/hop3");
  request.max_redirects = 0;
  CHECK(FetchOne(request).error == FetchError::kIo);
  CHECK(server.RequestCount("/hop4") == 1);
}

TEST_CASE("the timeout is for all the hops of a redirect chain together") {
  SlowRedirector server(150ms);
  HttpRequest request = Get(server.Url("/first"));
  request.timeout = 400ms;
  request.max_redirects = 20;  // 21 hops of 150 ms each, were the timeout per hop

  auto start = Clock::now();
  const HttpResponse timed_out = FetchOne(request);
  CHECK(timed_out.error == FetchError::kTimeout);
  CHECK(SecondsSince(start) >= 0.35);
  CHECK(SecondsSince(start) < 1.5);

  // The duration is that of all the hops.
  request.timeout = 10s;
  request.max_redirects = 2;
  start = Clock::now();
  const HttpResponse too_many = FetchOne(request);
  CHECK(too_many.error == FetchError::kIo);
  CHECK(too_many.duration_seconds >= 0.4);  // 3 hops of 150 ms
  CHECK(too_many.duration_seconds <= SecondsSince(start));
}

TEST_CASE("only http and https are fetched, on redirects too") {
  FaultServer server;
  server.Route("/to-file", FaultServer::Redirect{"file:///etc/hostname", 302});
  const HttpResponse redirected = FetchOne(Get(server.Url("/to-file")));
  CHECK(redirected.error == FetchError::kIo);
  CHECK(redirected.body.empty());

  CHECK(FetchOne(Get("file:///etc/hostname")).error == FetchError::kIo);
  CHECK(FetchOne(Get("ftp://127.0.0.1:" + std::to_string(server.port()) + "/")).error ==
        FetchError::kIo);
}

TEST_CASE("HTTP error statuses map to their classes and keep the status") {
  FaultServer server;
  server.Route("/gone", FaultServer::Plain().Status(404).Body("not here"));
  server.Route("/broken", FaultServer::Plain().Status(500).Body("oops"));
  server.Route("/busy", FaultServer::Plain().Status(503));

  const HttpResponse missing = FetchOne(Get(server.Url("/gone")));
  CHECK(missing.error == FetchError::kHttp4xx);
  CHECK(missing.status == 404);
  const HttpResponse broken = FetchOne(Get(server.Url("/broken")));
  CHECK(broken.error == FetchError::kHttp5xx);
  CHECK(broken.status == 500);
  CHECK(FetchOne(Get(server.Url("/busy"))).error == FetchError::kHttp5xx);
  CHECK(FetchOne(Get(server.Url("/unrouted"))).status == 404);
}

TEST_CASE("a header with a line break is refused, and not from inside Fetch") {
  FaultServer server;
  HttpRequest request = Get(server.Url("/page"));
  request.headers = {{"X-Evil", "a\r\nInjected: yes"}};
  const HttpResponse response = FetchOne(request);  // checks the callback comes later
  CHECK(response.error == FetchError::kIo);
  CHECK(response.message.find("Injected") == std::string::npos);
  CHECK(server.RequestCount("/page") == 0);
}

TEST_CASE("header values never appear in messages") {
  FaultServer server;
  server.Route("/secret", FaultServer::Plain().Status(401));
  HttpRequest request = Get(server.Url("/secret"));
  request.headers = {{"Authorization", "Bearer s3cr3t-token"}};
  const HttpResponse response = FetchOne(request);
  CHECK(response.error == FetchError::kHttp4xx);
  CHECK(response.message.find("s3cr3t") == std::string::npos);
  CHECK(server.Requests("/secret")[0].Header("authorization") == "Bearer s3cr3t-token");
}

TEST_CASE("50 concurrent fetches complete on one thread over few connections") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body(std::string(20000, 'p')));
  asio::io_context io;
  HttpClient client(io);
  const auto test_thread = std::this_thread::get_id();
  constexpr int kFetches = 50;
  int done = 0;
  bool inside_fetch = false;
  std::vector<FetchError> errors;

  for (int i = 0; i < kFetches; ++i) {
    inside_fetch = true;
    client.Fetch(Get(server.Url("/page")), [&](HttpResponse response) {
      CHECK_FALSE(inside_fetch);
      CHECK(std::this_thread::get_id() == test_thread);
      CHECK(response.body.size() == 20000);
      errors.push_back(response.error);
      ++done;
    });
    inside_fetch = false;
  }
  CHECK(client.InFlight() == kFetches);
  RunUntil(io, [&] { return done == kFetches; });

  CHECK(done == kFetches);
  CHECK(errors == std::vector<FetchError>(kFetches, FetchError::kNone));
  CHECK(client.InFlight() == 0);
  CHECK(server.RequestCount("/page") == kFetches);
  CHECK(server.ConnectionCount() <= HttpClient::kMaxHostConnections);
  CHECK(server.ConnectionCount() < kFetches);
}

TEST_CASE("one fetch after another reuses the connection") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("same"));
  asio::io_context io;
  HttpClient client(io);
  for (int i = 0; i < 3; ++i) {
    std::optional<HttpResponse> result;
    client.Fetch(Get(server.Url("/page")), [&](HttpResponse r) { result = std::move(r); });
    RunUntil(io, [&] { return result.has_value(); });
    REQUIRE(result.has_value());
    CHECK(result->error == FetchError::kNone);
  }
  CHECK(server.RequestCount("/page") == 3);
  CHECK(server.ConnectionCount() == 1);
}

TEST_CASE("destroying the client with transfers in flight calls no callback") {
  FaultServer server;
  server.Route("/stall", FaultServer::Stall{});
  server.Route("/endless", FaultServer::EndlessBody{});
  server.Route("/page", FaultServer::Plain().Body("quick"));
  asio::io_context io;
  auto client = std::make_unique<HttpClient>(io);
  int called = 0;
  HttpRequest endless = Get(server.Url("/endless"));
  endless.max_bytes = std::uint64_t{1} << 40;
  client->Fetch(Get(server.Url("/stall")), [&](HttpResponse) { ++called; });
  client->Fetch(endless, [&](HttpResponse) { ++called; });
  RunUntil(io, [&] {
    return server.RequestCount("/stall") == 1 && server.RequestCount("/endless") == 1;
  });
  // A completed transfer whose callback is queued but has not run yet is abandoned too.
  client->Fetch(Get(server.Url("/page")), [&](HttpResponse) { ++called; });
  RunUntil(io, [&] { return client->InFlight() == 2; });
  REQUIRE(client->InFlight() == 2);

  client.reset();
  RunFor(io, 300ms);

  CHECK(called == 0);
}

TEST_CASE("a callback may destroy the client") {
  FaultServer server;
  server.Route("/page", FaultServer::Plain().Body("bye"));
  asio::io_context io;
  auto client = std::make_unique<HttpClient>(io);
  bool called = false;
  client->Fetch(Get(server.Url("/page")), [&](HttpResponse response) {
    called = true;
    CHECK(response.body == "bye");
    client.reset();
  });
  RunUntil(io, [&] { return called; });
  CHECK(called);
  CHECK_FALSE(client);
  RunFor(io, 50ms);
}
