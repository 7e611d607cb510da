// An HTTP/1.1 server on loopback that misbehaves on demand, to test fetchers against the
// faults of real servers. It runs on its own thread from construction to destruction.
//
//   FaultServer server;
//   server.Route("/slow", FaultServer::Stall{});
//   client.Fetch({.url = server.Url("/slow"), .timeout = 200ms}, ...);
//   CHECK(server.RequestCount("/slow") == 1);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace freshd::testing {

class FaultServer {
 public:
  // A complete response. With `etag` or `last_modified` set, it sends them and answers a
  // matching If-None-Match / If-Modified-Since with a 304 and no body.
  //   FaultServer::Plain().Status(404).Header("Content-Type", "text/plain").Body("gone")
  struct Plain {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string etag;
    std::string last_modified;

    Plain& Status(int code) { return status = code, *this; }
    Plain& Header(std::string name, std::string value) {
      headers.emplace_back(std::move(name), std::move(value));
      return *this;
    }
    Plain& Body(std::string text) { return body = std::move(text), *this; }
    Plain& ETag(std::string tag) { return etag = std::move(tag), *this; }
    Plain& LastModified(std::string date) { return last_modified = std::move(date), *this; }
  };
  // `status` with a Location header.
  struct Redirect {
    std::string location;
    int status = 302;
  };
  // A redirect to the requested URL itself, forever.
  struct RedirectLoop {};
  // Reads the request and never answers; the connection stays open until the client leaves.
  struct Stall {};
  // Declares `declared_length` bytes, sends `body` (shorter), then closes.
  struct LieAboutLength {
    std::string body;
    std::uint64_t declared_length = 1 << 20;
  };
  // A body that never ends (10 GiB, were anyone to wait), sent until the client disconnects:
  // with a Content-Length of 10 GiB when `declare_length`, else chunked.
  struct EndlessBody {
    bool declare_length = false;
  };
  // Content-Encoding: gzip, a small body that inflates to `inflated_bytes` of zeros.
  struct GzipBomb {
    std::uint64_t inflated_bytes = std::uint64_t{256} << 20;
  };
  struct Request {
    std::string method;
    std::string target;                          // as sent, with the query
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;

    // The header's value, "" when absent. `name` in lowercase.
    std::string Header(const std::string& name) const;
  };

  // Computes the answer from the request (a fake API, a sink that fails on demand). Runs on
  // the server's thread: it must be thread-safe with respect to the test's own state.
  struct Handler {
    std::function<Plain(const Request&)> respond;
  };
  using Behaviour = std::variant<Plain, Redirect, RedirectLoop, Stall, LieAboutLength,
                                 EndlessBody, GzipBomb, Handler>;

  // Listens on a free port of `address` ("127.0.0.1", or "::1" for IPv6).
  explicit FaultServer(const std::string& address = "127.0.0.1");
  ~FaultServer();  // closes every connection and joins the server thread
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // What to answer on `path` (the target without its query). Unrouted paths get a 404.
  // May be called while the server runs.
  void Route(const std::string& path, Behaviour behaviour);

  int port() const;
  // "http://127.0.0.1:PORT" + path.
  std::string Url(std::string_view path) const;

  // Thread-safe views of what the server saw so far.
  int RequestCount(const std::string& path) const;
  std::vector<Request> Requests(const std::string& path) const;
  int ConnectionCount() const;  // TCP connections accepted

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Bodies for FaultServer::Plain.
std::string InvalidUtf8Body();               // text with bytes that are not UTF-8
std::string BinaryBody(std::size_t size);    // every byte value, NULs included
std::string Gzip(std::string_view data);     // gzip framing, for Content-Encoding: gzip
std::string GzipZeros(std::uint64_t count);  // gzip of `count` zero bytes, made in pieces

}  // namespace freshd::testing
