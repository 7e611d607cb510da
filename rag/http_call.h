// A blocking HTTP request with libcurl's easy interface, for the delivery thread's calls to
// sinks and embedding APIs (never on the event loop). TLS verification stays on.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace freshd::rag {

struct HttpCallResult {
  bool transport_ok = false;  // an HTTP answer arrived (whatever its status)
  long status = 0;
  std::string body;
  std::string error;  // without transport_ok: curl's message
  bool Ok() const { return transport_ok && status >= 200 && status < 300; }
  // "HTTP 503: <first 200 bytes of the body>" or the transport error: for logs.
  std::string Describe() const;
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// `text` with every byte but ASCII letters, digits and -_.~ percent-encoded: a path segment
// or a query value.
std::string PercentEncode(std::string_view text);

// `method` is "GET", "POST", "PUT" or "DELETE"; a non-empty body is sent as JSON unless a
// Content-Type header is given. Answers larger than 256 MiB are an error. A transfer under
// way when `stop` is requested is aborted within about a second (freshd is stopping).
HttpCallResult HttpCall(std::string_view method, const std::string& url, std::string_view body,
                        const HttpHeaders& headers, std::chrono::milliseconds timeout,
                        std::stop_token stop = {});

}  // namespace freshd::rag
