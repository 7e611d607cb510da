// Raw HTTP over TCP for tests that send what no well-behaved client sends: oversized or
// malformed requests, and connections held open without a request.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace freshd::testing {

// A TCP connection to 127.0.0.1:port, closed when the object dies.
class TcpConnection {
 public:
  explicit TcpConnection(int port);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the peer stopped taking them (closed, reset, or 5 s).
  bool Send(std::string_view bytes);
  // What arrives until the peer closes the connection or `timeout` passes.
  std::string ReadToEnd(std::chrono::milliseconds timeout);
  // Whether the peer closed the connection (end of stream or reset) within `timeout`.
  bool ClosedByPeer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// Sends `request` on a new connection (all of it, even if the server answers early) and
// returns what the server sent until it closed the connection (at most `timeout`).
std::string RawExchange(int port, std::string_view request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of the response at the start of `response`, or 0 if there is none.
int StatusOf(std::string_view response);

}  // namespace freshd::testing
