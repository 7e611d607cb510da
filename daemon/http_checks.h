// What the HTTP server refuses before a request reaches a handler: requests it could not
// parse, and parsed ones beyond its limits. Each refusal has the status a client can act on
// (RFC 9110): 400 malformed, 413 body too large, 414 request line too long, 431 header too
// large or too many fields, 505 an HTTP version other than 1.x.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <optional>
#include <string_view>

namespace freshd::daemon {

using HttpStatus = boost::beast::http::status;

struct HttpLimits {
  std::size_t header_bytes = 16 * 1024;  // request line and fields together
  std::size_t request_line_bytes = 8 * 1024;
  std::size_t fields = 100;
  std::size_t body_bytes = 64 * 1024;
};

// The status to answer a request that failed to parse with, given what the parser made of
// it and the bytes it left unconsumed; nullopt when there is no one to answer (the client
// closed, or timed out).
std::optional<HttpStatus> StatusForReadError(boost::beast::error_code error,
                                             const boost::beast::http::request_header<>& partial,
                                             std::string_view buffered, const HttpLimits& limits);

// The status to refuse a parsed request with, or nullopt when it is within the limits. (Beast
// parses HTTP/1.0 and 1.1 only: other versions are parse errors.)
std::optional<HttpStatus> CheckRequest(const boost::beast::http::request_header<>& request,
                                       const HttpLimits& limits);

}  // namespace freshd::daemon
