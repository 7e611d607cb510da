// A small HTTP/1.1 server on the event loop (Boost.Beast) for /metrics, the health checks
// and the API. Handlers answer asynchronously, so that one reading the store can do so on a
// worker without holding the loop.
//
// It protects the loop and the process's file descriptors: requests beyond its limits are
// refused with their status (see http_checks.h); at most `max_connections` are open, a new
// one taking the place of the one that has waited longest for a request; when accept()
// fails for lack of descriptors or memory, an idle connection is closed, or accepting
// pauses for `accept_pause`, instead of retrying at once.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "daemon/http_checks.h"

namespace freshd::metrics {
class Metrics;
}

namespace freshd::daemon {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpReply = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(HttpReply)>;
using Handler = std::function<void(const HttpRequest&, Respond)>;

struct HttpServerOptions {
  HttpLimits limits;
  std::size_t max_connections = 256;
  std::chrono::milliseconds accept_pause = std::chrono::milliseconds(250);
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
};

class HttpServer {
 public:
  // `metrics` counts connections until Stop() (or destruction).
  HttpServer(boost::asio::io_context& io, Handler handler, metrics::Metrics& metrics,
             HttpServerOptions options = {});
  ~HttpServer();

  // Binds and starts accepting. InvalidArgument for an address that is not one, IOError when
  // it cannot be bound.
  Status Listen(const std::string& host, int port);
  int port() const;
  // Stops accepting. Event loop only, or before the loop runs.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// A reply with the given status, content type and body, matching the request's version
// and keep-alive. To a HEAD request the server sends the headers only.
HttpReply MakeReply(const HttpRequest& request, boost::beast::http::status status,
                    std::string content_type, std::string body);

}  // namespace freshd::daemon
