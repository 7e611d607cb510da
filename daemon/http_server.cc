#include "daemon/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <optional>

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(30);

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Handler handler)
      : stream_(std::move(socket)), handler_(std::move(handler)) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error) {
      stream_.socket().shutdown(tcp::socket::shutdown_both, error);
      return;
    }
    request_ = parser_->release();
    handler_(request_,
             [self = shared_from_this()](HttpReply reply) { self->Write(std::move(reply)); });
  }

  void Write(HttpReply reply) {
    reply_ = std::make_shared<HttpReply>(std::move(reply));
    reply_->prepare_payload();
    http::async_write(stream_, *reply_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error || !self->reply_->keep_alive()) {
                          self->stream_.socket().shutdown(tcp::socket::shutdown_both, error);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  std::shared_ptr<HttpReply> reply_;
  Handler handler_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Handler request_handler)
      : io(io_context), acceptor(io_context), handler(std::move(request_handler)) {}

  void Accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code error, tcp::socket socket) {
      if (!self->acceptor.is_open()) return;
      if (!error) std::make_shared<Session>(std::move(socket), self->handler)->Start();
      self->Accept();
    });
  }

  asio::io_context& io;
  tcp::acceptor acceptor;
  Handler handler;
};

HttpServer::HttpServer(asio::io_context& io, Handler handler)
    : impl_(std::make_shared<Impl>(io, std::move(handler))) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Listen(const std::string& host, int port, std::string* error) {
  beast::error_code code;
  const auto address = asio::ip::make_address(host, code);
  if (code) {
    *error = "invalid listen address '" + host + "': " + code.message();
    return false;
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), code);
  if (!code) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), code);
  if (!code) impl_->acceptor.bind(endpoint, code);
  if (!code) impl_->acceptor.listen(asio::socket_base::max_listen_connections, code);
  if (code) {
    *error = "cannot listen on " + host + ":" + std::to_string(port) + ": " + code.message();
    return false;
  }
  impl_->Accept();
  return true;
}

int HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
}

HttpReply MakeReply(const HttpRequest& request, http::status status, std::string content_type,
                    std::string body) {
  HttpReply reply{status, request.version()};
  reply.set(http::field::server, "freshd");
  reply.set(http::field::content_type, content_type);
  reply.keep_alive(request.keep_alive());
  reply.body() = std::move(body);
  return reply;
}

}  // namespace freshd::daemon
