#include "daemon/http_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <cerrno>
#include <optional>
#include <string_view>
#include <vector>

#include "metrics/metrics.h"

namespace freshd::daemon {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TimePoint = std::chrono::steady_clock::time_point;

// After a reply that ends the connection, how long what the client still sends is read
// and dropped.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kDiscardChunk = 16 * 1024;

// Why accept() failed, when it failed for lack of resources: a `reason` of
// freshd_http_connections_refused_total. Empty for errors of one connection only.
std::string_view ExhaustedResource(beast::error_code error) {
  if (error == asio::error::no_descriptors ||
      error == beast::error_code(ENFILE, boost::system::system_category())) {
    return "fd_exhausted";
  }
  if (error == asio::error::no_buffer_space || error == asio::error::no_memory) {
    return "no_memory";
  }
  return "";
}

class Session;

// The open connections of one server, so that a new one at the limit can take the place
// of the one that has waited longest for a request. Event loop only.
class Connections {
 public:
  Connections(std::size_t limit, metrics::Metrics& metrics) : limit_(limit), metrics_(&metrics) {}

  void Add(Session* session) {
    sessions_.push_back(session);
    Publish();
  }
  void Remove(Session* session) {
    std::erase(sessions_, session);
    Publish();
  }
  bool Full() const { return sessions_.size() >= limit_; }
  // Closes the connection waiting longest for a request; false when none is waiting.
  bool CloseLongestIdle();
  void CountRefused(std::string_view reason) {
    if (metrics_ != nullptr) metrics_->CountHttpRefused(reason);
  }
  // The registry may be gone before the last session is.
  void DetachMetrics() { metrics_ = nullptr; }

 private:
  void Publish() {
    if (metrics_ != nullptr) metrics_->SetHttpConnections(static_cast<double>(sessions_.size()));
  }

  std::size_t limit_;
  metrics::Metrics* metrics_;
  std::vector<Session*> sessions_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Handler handler, std::shared_ptr<Connections> connections,
          const HttpServerOptions& options)
      : stream_(std::move(socket)),
        handler_(std::move(handler)),
        connections_(std::move(connections)),
        options_(options) {}
  ~Session() { connections_->Remove(this); }

  void Start() {
    connections_->Add(this);
    Read();
  }

  // Since when the session has waited for a request; nullopt while it handles one.
  std::optional<TimePoint> idle_since() const { return idle_since_; }

  void Close() {
    idle_since_.reset();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

 private:
  void Read() {
    idle_since_ = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options_.limits.header_bytes));
    parser_->body_limit(options_.limits.body_bytes);
    stream_.expires_after(options_.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->OnRead(error); });
  }

  void OnRead(beast::error_code error) {
    idle_since_.reset();
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
    idle_since_ = std::chrono::steady_clock::now();
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

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  HttpReply reply_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  bool headers_only_ = false;
  std::optional<TimePoint> idle_since_;
  Handler handler_;
  std::shared_ptr<Connections> connections_;
  const HttpServerOptions options_;
};

bool Connections::CloseLongestIdle() {
  auto longest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (!(*it)->idle_since()) continue;
    if (longest == sessions_.end() || *(*it)->idle_since() < *(*longest)->idle_since()) {
      longest = it;
    }
  }
  if (longest == sessions_.end()) return false;
  Session* session = *longest;
  sessions_.erase(longest);  // at once: it may take a moment to be destroyed
  session->Close();
  Publish();
  if (metrics_ != nullptr) metrics_->CountHttpIdleClosed();
  return true;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io_context, Handler request_handler, metrics::Metrics& metrics,
       HttpServerOptions server_options)
      : acceptor(io_context),
        pause(io_context),
        handler(std::move(request_handler)),
        options(std::move(server_options)),
        connections(std::make_shared<Connections>(options.max_connections, metrics)) {}

  void Accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code error, tcp::socket socket) {
      self->OnAccept(error, std::move(socket));
    });
  }

  void OnAccept(beast::error_code error, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (error) return OnAcceptError(error);
    if (failed_accepts > 0) {
      spdlog::info("accepting HTTP connections again after {} failed attempts", failed_accepts);
      failed_accepts = 0;
    }
    Admit(std::move(socket));
    Accept();
  }

  void Admit(tcp::socket socket) {
    if (connections->Full() && !connections->CloseLongestIdle()) {
      connections->CountRefused("limit");
      return;  // `socket` closes as it goes
    }
    std::make_shared<Session>(std::move(socket), handler, connections, options)->Start();
  }

  void OnAcceptError(beast::error_code error) {
    if (error == asio::error::connection_aborted) return Accept();  // that client gave up
    const std::string_view exhausted = ExhaustedResource(error);
    if (failed_accepts++ == 0) {
      spdlog::warn("cannot accept HTTP connections: {} (said once until accepting works again)",
                   error.message());
    }
    if (!exhausted.empty()) {
      connections->CountRefused(exhausted);
      if (connections->CloseLongestIdle()) return Accept();  // a descriptor is free again
    }
    // Retrying at once would spin: the waiting connection stays in the backlog.
    pause.expires_after(options.accept_pause);
    pause.async_wait([self = shared_from_this()](beast::error_code cancelled) {
      if (!cancelled && self->acceptor.is_open()) self->Accept();
    });
  }

  tcp::acceptor acceptor;
  asio::steady_timer pause;
  Handler handler;
  const HttpServerOptions options;
  std::shared_ptr<Connections> connections;
  std::size_t failed_accepts = 0;  // in a row: one warning per episode
};

HttpServer::HttpServer(asio::io_context& io, Handler handler, metrics::Metrics& metrics,
                       HttpServerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(handler), metrics, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Listen(const std::string& host, int port) {
  beast::error_code code;
  const auto address = asio::ip::make_address(host, code);
  if (code) {
    return Status::InvalidArgument("invalid listen address '" + host + "': " + code.message());
  }
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(endpoint.protocol(), code);
  if (!code) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), code);
  if (!code) impl_->acceptor.bind(endpoint, code);
  if (!code) impl_->acceptor.listen(asio::socket_base::max_listen_connections, code);
  if (code) {
    return Status::IOError("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                           code.message());
  }
  impl_->Accept();
  return Status::OK();
}

int HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Stop() {
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  impl_->pause.cancel();
  impl_->connections->DetachMetrics();
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
