// Fetching a URL, as the engine sees it: start a request, get its response by callback on
// the event loop, abandon everything in flight. HttpClient (libcurl on Asio) is the real
// one; tests give the engine a scripted one, with no sockets.
//
// Threads: a Fetcher is made, used and destroyed on its event loop's thread; callbacks run
// there, never from inside Fetch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
  // The delay a 429 or 503 answer asks for (Retry-After, in seconds or as a date), capped at
  // an hour; nullopt for other answers and when the header is absent or unreadable. The
  // error stays that of the status (http_4xx for a 429, http_5xx for a 503).
  std::optional<std::chrono::seconds> retry_after;
};

class Fetcher {
 public:
  using Callback = std::function<void(HttpResponse)>;
  virtual ~Fetcher() = default;
  // Starts a request; `done` is called exactly once (unless cancelled), on the loop.
  virtual void Fetch(HttpRequest request, Callback done) = 0;
  // Abandons every request in flight: none of their callbacks runs afterwards.
  virtual void CancelAll() = 0;
};

}  // namespace freshd::watchers
