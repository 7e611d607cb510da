// A blocking HTTP request with libcurl's easy interface, for the delivery thread's calls to
// sinks and embedding APIs (never on the event loop). TLS verification stays on.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace freshd::rag {

// An HTTP answer, whatever its status.
struct HttpAnswer {
  long status = 0;
  std::string body;
  bool Ok() const { return status >= 200 && status < 300; }
  // "HTTP 503: <first 200 bytes of the body>": for logs.
  std::string Describe() const;
};

// The answer's Describe(), or the message of the Status saying why none arrived: for logs.
std::string Describe(const Result<HttpAnswer>& answer);

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// `text` with every byte but ASCII letters, digits and -_.~ percent-encoded: a path segment
// or a query value.
std::string PercentEncode(std::string_view text);

// `method` is "GET", "POST", "PUT" or "DELETE"; a non-empty body is sent as JSON unless a
// Content-Type header is given. Answers larger than 256 MiB are an error. A transfer under
// way when `stop` is requested is aborted within about a second (freshd is stopping).
// Without an answer: Cancelled on a stop, ResourceExhausted for an answer too large, IOError
// for a transport failure (curl's message).
Result<HttpAnswer> HttpCall(std::string_view method, const std::string& url, std::string_view body,
                            const HttpHeaders& headers, std::chrono::milliseconds timeout,
                            std::stop_token stop = {});

}  // namespace freshd::rag
