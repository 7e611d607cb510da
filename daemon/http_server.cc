#include "daemon/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <optional>
#include <string_view>

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// After a reply that ends the connection, how long what the client still sends is read
// and dropped.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kDiscardChunk = 16 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Handler handler, const HttpServerOptions& options)
      : stream_(std::move(socket)), handler_(std::move(handler)), options_(options) {}

  void Start() { Read(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.limits.header_bytes));
    parser_->body_limit(options_.limits.body_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    if (error) return OnReadError(error);
    request_ = parser_->release();
    if (auto status = CheckRequest(request_, options_.limits)) return Refuse(*status);
    headers_only_ = request_.method() == http::verb::head;
    handler_(request_,
             [self = shared_from_this()](HttpReply reply) { self->Write(std::move(reply)); });
  }

  void OnReadError(beast::error_code error) {
    const std::string_view buffered(static_cast<const char*>(buffer_.data().data()),
                                    buffer_.size());
    const auto status = StatusForReadError(error, parser_->get(), buffered, options_.limits);
    if (!status) return Close();
    Refuse(*status);
  }

  // A reply without a request to match: HTTP/1.1, and the connection closed after it.
  void Refuse(HttpStatus status) {
    HttpReply reply{status, 11};
    reply.set(http::field::server, "freshd");
    reply.set(http::field::content_type, "text/plain");
    reply.keep_alive(false);
    reply.body() = std::string(http::obsolete_reason(status)) + "\n";
    headers_only_ = false;
    Write(std::move(reply));
  }

  void Write(HttpReply reply) {
    reply_ = std::move(reply);
    reply_.prepare_payload();  // a HEAD reply keeps the Content-Length of its body
    serializer_.emplace(reply_);
    stream_.expires_after(options_.idle_timeout);
    auto written = [self = shared_from_this()](beast::error_code error, std::size_t) {
      self->OnWritten(error);
    };
    if (headers_only_) {
      http::async_write_header(stream_, *serializer_, std::move(written));
    } else {
      http::async_write(stream_, *serializer_, std::move(written));
    }
  }

  void OnWritten(beast::error_code error) {
    if (error) return Close();
    if (!reply_.keep_alive()) return Linger();
    Read();
  }

  // Closing a socket with unread bytes resets the connection, and the client may lose the
  // reply with it (a 414 after a 60 KB request line): so half-close, and drop what still
  // comes until the client closes too.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    Discard();
  }

  void Discard() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(kDiscardChunk),
                            [self = shared_from_this()](beast::error_code error, std::size_t) {
                              if (error) return self->Close();
                              self->Discard();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  HttpReply reply_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  bool headers_only_ = false;
  Handler handler_;
  const HttpServerOptions options_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Handler request_handler, HttpServerOptions server_options)
      : acceptor(io_context),
        handler(std::move(request_handler)),
        options(std::move(server_options)) {}

  void Accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code error, tcp::socket socket) {
      if (!self->acceptor.is_open()) return;
      if (!error) {
        std::make_shared<Session>(std::move(socket), self->handler, self->options)->Start();
      }
      self->Accept();
    });
  }

  tcp::acceptor acceptor;
  Handler handler;
  const HttpServerOptions options;
};

HttpServer::HttpServer(asio::io_context& io, Handler handler, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), std::move(options))) {}

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
