#include "tests/support/fault_server.h"

#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <exception>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace freshd::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

constexpr std::uint64_t kTenGiB = std::uint64_t{10} << 30;
constexpr std::size_t kChunkBytes = 64 * 1024;

std::string Lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string PathOf(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

FaultServer::Request Describe(const HttpRequest& request) {
  FaultServer::Request seen;
  seen.method = std::string(request.method_string());
  seen.target = std::string(request.target());
  for (const auto& field : request) {
    std::string& value = seen.headers[Lowercase(std::string(field.name_string()))];
    if (!value.empty()) value += ", ";
    value += std::string(field.value());
  }
  seen.body = request.body();
  return seen;
}

// Raw deflate of `data`, in a fresh stream. With Z_FULL_FLUSH the output ends on a byte
// boundary and refers to nothing before it, so such pieces can be concatenated; Z_FINISH on
// no data gives the closing block.
std::string Deflate(std::string_view data, int flush) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2 failed");
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[kChunkBytes];
  do {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    deflate(&stream, flush);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
  } while (stream.avail_out == 0);
  deflateEnd(&stream);
  return out;
}

std::uint32_t Crc32(std::string_view data) {
  return crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(data.data()),
               static_cast<uInt>(data.size()));
}

void AppendLittleEndian32(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// RFC 1952 framing around deflated data of `size` bytes with checksum `crc`.
std::string GzipMember(std::string_view deflated, std::uint32_t crc, std::uint64_t size) {
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  out += deflated;
  out += Deflate({}, Z_FINISH);
  AppendLittleEndian32(out, crc);
  AppendLittleEndian32(out, size);  // ISIZE is the size modulo 2^32
  return out;
}

}  // namespace

std::string FaultServer::Request::Header(const std::string& name) const {
  const auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

struct FaultServer::Impl {
  explicit Impl(const std::string& address);

  awaitable<void> AcceptLoop();
  awaitable<void> Serve(tcp::socket socket);
  Behaviour Find(const std::string& path) const;
  void Record(const std::string& path, const HttpRequest& request);

  // One per behaviour: each answers and says whether the connection may serve another request.
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, const Plain& plain);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request,
                          const Redirect& redirect);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, const RedirectLoop&);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, const Stall&);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request,
                          const LieAboutLength& lie);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request,
                          const EndlessBody& endless);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, const GzipBomb& bomb);
  awaitable<bool> Respond(tcp::socket& socket, const HttpRequest& request, const Handler& handler);

  void Shutdown();

  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::string host;  // for URLs: "127.0.0.1" or "[::1]"
  int port = 0;
  std::set<tcp::socket*> open_sockets;  // only touched on the server thread
  std::atomic<int> connections{0};

  mutable std::mutex mutex;  // guards the members below
  std::map<std::string, Behaviour> routes;
  std::map<std::uint64_t, std::string> bombs;  // inflated size -> gzip bytes
  std::map<std::string, std::vector<Request>> requests;

  std::thread thread;
};

FaultServer::Impl::Impl(const std::string& address) {
  const tcp::endpoint endpoint(asio::ip::make_address(address), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  port = acceptor.local_endpoint().port();
  host = endpoint.address().is_v6() ? "[" + address + "]" : address;
}

awaitable<void> FaultServer::Impl::AcceptLoop() {
  while (acceptor.is_open()) {
    tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
    ++connections;
    asio::co_spawn(io, Serve(std::move(socket)), [](std::exception_ptr) {});
  }
}

awaitable<void> FaultServer::Impl::Serve(tcp::socket socket) {
  struct Tracked {  // lets Shutdown() close the connection
    Tracked(Impl& impl, tcp::socket& socket) : impl(impl), socket(socket) {
      impl.open_sockets.insert(&socket);
    }
    ~Tracked() { impl.open_sockets.erase(&socket); }
    Impl& impl;
    tcp::socket& socket;
  } tracked(*this, socket);

  boost::beast::flat_buffer buffer;
  for (bool keep_open = true; keep_open;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{256} << 20);
    co_await http::async_read(socket, buffer, parser, use_awaitable);
    HttpRequest request = parser.release();
    const std::string path = PathOf(std::string(request.target()));
    Record(path, request);
    const Behaviour behaviour = Find(path);
    const auto respond = [&](const auto& what) { return Respond(socket, request, what); };
    keep_open = co_await std::visit(respond, behaviour);
  }
}

FaultServer::Behaviour FaultServer::Impl::Find(const std::string& path) const {
  std::lock_guard lock(mutex);
  const auto found = routes.find(path);
  if (found != routes.end()) return found->second;
  return Plain().Status(404).Body("no route\n");
}

void FaultServer::Impl::Record(const std::string& path, const HttpRequest& request) {
  std::lock_guard lock(mutex);
  requests[path].push_back(Describe(request));
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest& request,
                                           const Plain& plain) {
  const bool etag_matches = !plain.etag.empty() && request["If-None-Match"] == plain.etag;
  const bool date_matches =
      !plain.last_modified.empty() && request["If-Modified-Since"] == plain.last_modified;
  const bool not_modified = etag_matches || date_matches;

  HttpResponse response(static_cast<http::status>(not_modified ? 304 : plain.status),
                        request.version());
  for (const auto& [name, value] : plain.headers) response.insert(name, value);
  if (!plain.etag.empty()) response.set(http::field::etag, plain.etag);
  if (!plain.last_modified.empty()) response.set(http::field::last_modified, plain.last_modified);
  if (!not_modified) response.body() = plain.body;
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  co_await http::async_write(socket, response, use_awaitable);
  co_return request.keep_alive();
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest& request,
                                           const Handler& handler) {
  const Plain answer = handler.respond(Describe(request));
  co_return co_await Respond(socket, request, answer);
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest& request,
                                           const Redirect& redirect) {
  HttpResponse response(static_cast<http::status>(redirect.status), request.version());
  response.set(http::field::location, redirect.location);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  co_await http::async_write(socket, response, use_awaitable);
  co_return request.keep_alive();
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest& request,
                                           const RedirectLoop&) {
  // Named, not a temporary: GCC 12 destroys temporaries of a co_await expression twice.
  const Redirect to_itself{std::string(request.target()), 302};
  co_return co_await Respond(socket, request, to_itself);
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest&, const Stall&) {
  char byte;
  for (;;) co_await socket.async_read_some(asio::buffer(&byte, 1), use_awaitable);  // until EOF
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest&,
                                           const LieAboutLength& lie) {
  const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                               std::to_string(lie.declared_length) +
                               "\r\nConnection: close\r\n\r\n" + lie.body;
  co_await asio::async_write(socket, asio::buffer(response), use_awaitable);
  socket.shutdown(tcp::socket::shutdown_send);
  co_return false;
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest&,
                                           const EndlessBody& endless) {
  std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";
  head += endless.declare_length ? "Content-Length: " + std::to_string(kTenGiB) + "\r\n\r\n"
                                 : "Transfer-Encoding: chunked\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(head), use_awaitable);
  std::string chunk(kChunkBytes, 'x');
  if (!endless.declare_length) {
    std::ostringstream size;
    size << std::hex << kChunkBytes << "\r\n";
    chunk = size.str() + chunk + "\r\n";
  }
  // Each write throws once the client has gone, which ends the connection.
  for (;;) co_await asio::async_write(socket, asio::buffer(chunk), use_awaitable);
}

awaitable<bool> FaultServer::Impl::Respond(tcp::socket& socket, const HttpRequest& request,
                                           const GzipBomb& bomb) {
  HttpResponse response(http::status::ok, request.version());
  response.set(http::field::content_type, "text/plain");
  response.set(http::field::content_encoding, "gzip");
  {
    std::lock_guard lock(mutex);
    response.body() = bombs.at(bomb.inflated_bytes);
  }
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  co_await http::async_write(socket, response, use_awaitable);
  co_return request.keep_alive();
}

void FaultServer::Impl::Shutdown() {
  boost::system::error_code ignored;
  acceptor.close(ignored);
  for (tcp::socket* socket : open_sockets) socket->close(ignored);
}

FaultServer::FaultServer(const std::string& address) : impl_(std::make_unique<Impl>(address)) {
  asio::co_spawn(impl_->io, impl_->AcceptLoop(), [](std::exception_ptr) {});
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FaultServer::~FaultServer() {
  // Every pending operation belongs to the acceptor or a connection: once they are closed,
  // the coroutines end and run() returns.
  asio::post(impl_->io, [this] { impl_->Shutdown(); });
  impl_->thread.join();
}

void FaultServer::Route(const std::string& path, Behaviour behaviour) {
  if (const auto* bomb = std::get_if<GzipBomb>(&behaviour)) {
    std::string compressed = GzipZeros(bomb->inflated_bytes);  // outside the lock: slow
    std::lock_guard lock(impl_->mutex);
    impl_->bombs.emplace(bomb->inflated_bytes, std::move(compressed));
  }
  std::lock_guard lock(impl_->mutex);
  impl_->routes[path] = std::move(behaviour);
}

int FaultServer::port() const { return impl_->port; }

std::string FaultServer::Url(std::string_view path) const {
  return "http://" + impl_->host + ":" + std::to_string(impl_->port) + std::string(path);
}

int FaultServer::RequestCount(const std::string& path) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->requests.find(path);
  return found == impl_->requests.end() ? 0 : static_cast<int>(found->second.size());
}

std::vector<FaultServer::Request> FaultServer::Requests(const std::string& path) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->requests.find(path);
  return found == impl_->requests.end() ? std::vector<Request>{} : found->second;
}

int FaultServer::ConnectionCount() const { return impl_->connections.load(); }

std::string InvalidUtf8Body() {
  // A lone continuation byte, a truncated sequence, an overlong encoding and 0xff.
  return std::string("caf\xc3\xa9 ok, then \x80 and \xe2\x82 and \xc0\xaf and \xff end\n");
}

std::string BinaryBody(std::size_t size) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>(i % 256);
  return body;
}

std::string Gzip(std::string_view data) {
  return GzipMember(Deflate(data, Z_FULL_FLUSH), Crc32(data), data.size());
}

std::string GzipZeros(std::uint64_t count) {
  // Compressing a GiB takes seconds; compressing one MiB and repeating its output takes
  // milliseconds and inflates to the same zeros.
  const std::string unit(1 << 20, '\0');
  const std::string unit_deflated = Deflate(unit, Z_FULL_FLUSH);
  const std::uint32_t unit_crc = Crc32(unit);
  std::string deflated;
  std::uint32_t crc = Crc32({});
  std::uint64_t left = count;
  for (; left >= unit.size(); left -= unit.size()) {
    deflated += unit_deflated;
    crc = crc32_combine(crc, unit_crc, static_cast<z_off_t>(unit.size()));
  }
  const std::string_view rest(unit.data(), static_cast<std::size_t>(left));
  deflated += Deflate(rest, Z_FULL_FLUSH);
  crc = crc32_combine(crc, Crc32(rest), static_cast<z_off_t>(rest.size()));
  return GzipMember(deflated, crc, count);
}

}  // namespace freshd::testing
