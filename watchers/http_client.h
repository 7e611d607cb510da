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

#include "watchers/fetch_error.h"

namespace freshd::watchers {

// HTTP Basic credentials, given apart from the URL so that the URL can be shown and stored.
struct BasicAuth {
  std::string user;
  std::string password;
};

struct HttpRequest {
  std::string url;  // without userinfo: credentials go in basic_auth
  std::vector<std::pair<std::string, std::string>> headers;
  std::string if_none_match;      // the stored ETag, sent as If-None-Match
  std::string if_modified_since;  // the stored Last-Modified, sent as If-Modified-Since
  std::chrono::milliseconds timeout{20000};
  std::uint64_t max_bytes = 10 * 1024 * 1024;  // on the decoded body too (gzip bombs)
  std::string user_agent;
  std::optional<BasicAuth> basic_auth;  // sent to the origin of `url` only
  int max_redirects = 5;
  // A PEM bundle that replaces the system CA store for this request (CURLOPT_CAINFO),
  // mainly for tests against a self-signed server. Verification is never turned off.
  std::string ca_file;
};

struct HttpResponse {
  FetchError error = FetchError::kNone;
  std::string message;  // curl's or ours, for the log; never contains header values
  long status = 0;
  bool not_modified = false;  // a 304 to the conditional request
  std::string body;           // decoded
  std::string content_type;   // media type only, lowercased ("text/html")
  std::string charset;        // from Content-Type, lowercased ("" when absent)
  std::string etag;
  std::string last_modified;
  std::string effective_url;  // after redirects
  double duration_seconds = 0;
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse)>;

  // Must be created, used and destroyed on the io_context's thread.
  explicit HttpClient(boost::asio::io_context& io);
  ~HttpClient();  // abandons transfers in flight without calling their callbacks
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts a transfer; `done` is called once, on the io_context's thread, never from
  // inside Fetch. Connections are reused across transfers to the same host.
  void Fetch(HttpRequest request, Callback done);

  // Transfers started and not yet completed (a completed one's callback may be pending).
  std::size_t InFlight() const;

  static constexpr long kMaxHostConnections = 6;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::watchers
