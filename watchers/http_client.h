// HTTP fetches with libcurl's multi interface, driven by a Boost.Asio io_context: every
// transfer runs on the io_context's thread, with no thread per request.
//
// Only http and https are allowed, on redirects too. Redirects (301, 302, 303, 307, 308) are
// followed by the client, not by curl, always with a GET: a hop to another origin (scheme,
// host or port) than the request URL's gets none of request.headers, nor the validators,
// nor the Basic credentials, only the User-Agent. The timeout is for all hops together. Bodies are
// decoded (gzip, deflate, br, zstd) and limited to max_bytes after decoding, so a compression bomb
// stops there. Idle connections and resolved names are kept by the client and reused across
// transfers; at most kMaxHostConnections connections are opened to one host, further
// transfers queue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "watchers/fetcher.h"

namespace freshd::watchers {

class HttpClient final : public Fetcher {
 public:
  // Must be created, used and destroyed on the io_context's thread.
  explicit HttpClient(boost::asio::io_context& io);
  ~HttpClient() override;  // abandons transfers in flight without calling their callbacks
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a transfer; `done` is called once, on the io_context's thread, never from
  // inside Fetch. Connections are reused across transfers to the same host.
  void Fetch(HttpRequest request, Callback done) override;
  // Abandons every transfer in flight (and the idle connections) without calling back.
  void CancelAll() override;

  // Transfers started and not yet completed (a completed one's callback may be pending).
  std::size_t InFlight() const;

  static constexpr long kMaxHostConnections = 6;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::watchers
