#include "daemon/http_checks.h"

#include <iterator>

namespace freshd::daemon {
namespace {

namespace http = boost::beast::http;

bool IsHttpParseError(boost::beast::error_code error) {
  return error.category() == http::make_error_code(http::error::bad_target).category();
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The request line at the start of `buffered`, without its line end; all of `buffered` when
// its end has not arrived.
std::string_view FirstLine(std::string_view buffered) {
  std::string_view line = buffered.substr(0, buffered.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  return line;
}

// Whether a request line ends in a well-formed version, "HTTP/" digit "." digit.
bool HasVersionSyntax(std::string_view line) {
  constexpr std::string_view kPrefix = " HTTP/";
  const std::size_t size = kPrefix.size() + 3;
  if (line.size() < size) return false;
  const std::string_view version = line.substr(line.size() - size);
  return version.starts_with(kPrefix) && IsDigit(version[size - 3]) && version[size - 2] == '.' &&
         IsDigit(version[size - 1]);
}

std::size_t RequestLineBytes(const http::request_header<>& request) {
  constexpr std::size_t kSpacesAndVersion = 2 + std::string_view("HTTP/1.1").size();
  return request.method_string().size() + request.target().size() + kSpacesAndVersion;
}

// Beast has one limit for the whole header: whether the request line alone broke it tells
// 414 from 431. The parser consumes the request line, and then each field, as they arrive.
HttpStatus HeaderTooLarge(const http::request_header<>& partial, std::string_view buffered,
                          const HttpLimits& limits) {
  const bool line_parsed = !partial.target().empty();
  const std::size_t line_bytes =
      line_parsed ? RequestLineBytes(partial) : FirstLine(buffered).size();
  return line_bytes > limits.request_line_bytes ? HttpStatus::uri_too_long
                                                : HttpStatus::request_header_fields_too_large;
}

}  // namespace

std::optional<HttpStatus> StatusForReadError(boost::beast::error_code error,
                                             const http::request_header<>& partial,
                                             std::string_view buffered, const HttpLimits& limits) {
  if (error == http::error::end_of_stream || error == http::error::partial_message) {
    return std::nullopt;
  }
  if (error == http::error::header_limit) return HeaderTooLarge(partial, buffered, limits);
  if (error == http::error::body_limit) return HttpStatus::payload_too_large;
  if (error == http::error::bad_version && HasVersionSyntax(FirstLine(buffered))) {
    return HttpStatus::http_version_not_supported;  // Beast parses 1.0 and 1.1 only
  }
  if (IsHttpParseError(error)) return HttpStatus::bad_request;
  return std::nullopt;
}

std::optional<HttpStatus> CheckRequest(const http::request_header<>& request,
                                       const HttpLimits& limits) {
  if (RequestLineBytes(request) > limits.request_line_bytes) return HttpStatus::uri_too_long;
  if (static_cast<std::size_t>(std::distance(request.begin(), request.end())) > limits.fields) {
    return HttpStatus::request_header_fields_too_large;
  }
  return std::nullopt;
}

}  // namespace freshd::daemon
