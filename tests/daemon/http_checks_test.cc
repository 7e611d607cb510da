// The statuses the HTTP server refuses requests with, before any handler sees them.
#include "daemon/http_checks.h"

#include <catch2/catch.hpp>
#include <string>

namespace freshd::daemon {
namespace {

namespace http = boost::beast::http;
using boost::asio::error::connection_reset;

const http::request_header<> kNothingParsed;

http::request_header<> Request(std::string target) {
  http::request_header<> request;
  request.method(http::verb::get);
  request.target(target);
  request.version(11);
  return request;
}

TEST_CASE("a header too large is 414 when the request line alone is too long and 431 otherwise",
          "[http_checks]") {
  const HttpLimits limits;
  const auto header_limit = http::error::header_limit;
  const std::string long_line = "GET /" + std::string(20000, 'a');
  CHECK(StatusForReadError(header_limit, kNothingParsed, long_line, limits) ==
        HttpStatus::uri_too_long);
  const std::string big_field = "GET / HTTP/1.1\r\nX-Big: " + std::string(20000, 'b');
  CHECK(StatusForReadError(header_limit, kNothingParsed, big_field, limits) ==
        HttpStatus::request_header_fields_too_large);
  // The parser took the request line (and the fields before the big one) off the buffer.
  const std::string rest_of_field = "X-Big: " + std::string(20000, 'b');
  CHECK(StatusForReadError(header_limit, Request("/"), rest_of_field, limits) ==
        HttpStatus::request_header_fields_too_large);
  CHECK(StatusForReadError(header_limit, Request("/" + std::string(limits.request_line_bytes, 'a')),
                           rest_of_field, limits) == HttpStatus::uri_too_long);
}

TEST_CASE("a version other than 1.0 and 1.1 is 505 when well formed and 400 otherwise",
          "[http_checks]") {
  const HttpLimits limits;
  const auto bad_version = http::error::bad_version;
  CHECK(StatusForReadError(bad_version, kNothingParsed, "GET / HTTP/9.9\r\nHost: x", limits) ==
        HttpStatus::http_version_not_supported);
  CHECK(StatusForReadError(bad_version, kNothingParsed, "GET / HTTP/2.0\r\n", limits) ==
        HttpStatus::http_version_not_supported);
  CHECK(StatusForReadError(bad_version, kNothingParsed, "GET / HTTP/1.x\r\n", limits) ==
        HttpStatus::bad_request);
  CHECK(StatusForReadError(bad_version, kNothingParsed, "GET / HTTQ/1.1\r\n", limits) ==
        HttpStatus::bad_request);
}

TEST_CASE("other parse errors are 400 and a body too large is 413", "[http_checks]") {
  const HttpLimits limits;
  CHECK(StatusForReadError(http::error::body_limit, Request("/"), "", limits) ==
        HttpStatus::payload_too_large);
  for (auto error : {http::error::bad_content_length, http::error::bad_version,
                     http::error::bad_method, http::error::bad_target, http::error::bad_field,
                     http::error::bad_transfer_encoding, http::error::bad_chunk}) {
    CHECK(StatusForReadError(error, kNothingParsed, "", limits) == HttpStatus::bad_request);
  }
}

TEST_CASE("nothing is answered when the client went away", "[http_checks]") {
  const HttpLimits limits;
  CHECK_FALSE(StatusForReadError(http::error::end_of_stream, kNothingParsed, "", limits));
  CHECK_FALSE(StatusForReadError(http::error::partial_message, kNothingParsed, "GET /", limits));
  CHECK_FALSE(StatusForReadError(connection_reset, kNothingParsed, "", limits));
  CHECK_FALSE(StatusForReadError(boost::beast::error::timeout, kNothingParsed, "GET /", limits));
}

TEST_CASE("a parsed request needs a request line within the limit and few fields",
          "[http_checks]") {
  const HttpLimits limits;
  CHECK_FALSE(CheckRequest(Request("/metrics"), limits));
  CHECK(CheckRequest(Request("/" + std::string(limits.request_line_bytes, 'a')), limits) ==
        HttpStatus::uri_too_long);

  http::request_header<> many = Request("/");
  for (std::size_t i = 0; i < limits.fields; ++i) many.insert("X-F" + std::to_string(i), "v");
  CHECK_FALSE(CheckRequest(many, limits));
  many.insert("X-One-Too-Many", "v");
  CHECK(CheckRequest(many, limits) == HttpStatus::request_header_fields_too_large);
}

}  // namespace
}  // namespace freshd::daemon
