// HTTP fetches with libcurl's multi interface, driven by a Boost.Asio io_context: every
// transfer runs on the io_context's thread, with no thread per request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "watchers/fetch_error.h"

namespace freshd::watchers {

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string if_none_match;      // the stored ETag, sent as If-None-Match
  std::string if_modified_since;  // the stored Last-Modified, sent as If-Modified-Since
  std::chrono::milliseconds timeout{20000};
  std::uint64_t max_bytes = 10 * 1024 * 1024;  // on the decoded body too (gzip bombs)
  std::string user_agent;
  int max_redirects = 5;
  std::string ca_file;  // extra trust anchor (tests); verification is never turned off
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

  std::size_t InFlight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace freshd::watchers
