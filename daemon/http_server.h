// A small HTTP/1.1 server on the event loop (Boost.Beast) for /metrics, the health checks
// and the API. Handlers answer asynchronously, so that one reading the store can do so on a
// worker without holding the loop.
// Requests beyond its limits are refused with their status (see http_checks.h).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "daemon/http_checks.h"

namespace freshd::daemon {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpReply = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(HttpReply)>;
using Handler = std::function<void(const HttpRequest&, Respond)>;

struct HttpServerOptions {
  HttpLimits limits;
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(30);
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Handler handler, HttpServerOptions options = {});
  ~HttpServer();

  // Binds and starts accepting. False (with *error) when the address cannot be bound.
  bool Listen(const std::string& host, int port, std::string* error);
  int port() const;
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
