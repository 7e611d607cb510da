// The HTTP server's side of a request before any handler: Beast's parser with the server's
// limits, then the checks that turn a parse error or a parsed request into a status
// (daemon/http_checks.h), then the query decoding the handlers use (daemon/http_query.h).
// The bytes are fed as one buffer, as they arrive when a client sends a request at once.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/http_checks.h"
#include "daemon/http_query.h"

namespace {

namespace http = boost::beast::http;
using freshd::daemon::HttpLimits;

// Beast's string_view is Boost's, not std's.
std::string_view TargetOf(const http::request_header<>& request) {
  const auto target = request.target();
  return {target.data(), target.size()};
}

// The handlers' own parameter names and caps (daemon.cc): search `q`/`k`, page `limit`.
void DecodeQuery(std::string_view target) {
  (void)freshd::daemon::PathOf(target);
  for (const std::string_view name : {"q", "k", "source", "limit", "after", ""}) {
    (void)freshd::daemon::QueryParameter(target, name);
  }
  const freshd::Result<std::size_t> k = freshd::daemon::CountParameter(target, "k", 5, 100);
  if (k.ok() && (*k < 1 || *k > 100)) std::abort();
  const freshd::Result<std::size_t> limit =
      freshd::daemon::CountParameter(target, "limit", 1000, 10000);
  if (limit.ok() && (*limit < 1 || *limit > 10000)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const HttpLimits limits;  // the server's defaults (daemon/http_server.h)

  // What Session::Read sets up (daemon/http_server.cc).
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
  parser.body_limit(limits.body_bytes);
  parser.eager(true);

  boost::beast::error_code error;
  std::string_view rest = input;
  while (!rest.empty() && !parser.is_done()) {
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), error);
    rest.remove_prefix(used);
    if (error == http::error::need_more) {
      error = {};
      if (used == 0) break;  // a partial request: what the server would wait on
      continue;
    }
    if (error) break;
  }
  if (!parser.is_done() && !error) {
    parser.put_eof(error);  // the client closed
  }

  if (error) {
    (void)freshd::daemon::StatusForReadError(error, parser.get(), rest, limits);
    DecodeQuery(TargetOf(parser.get()));
    return 0;
  }
  const http::request<http::string_body>& request = parser.get();
  (void)freshd::daemon::CheckRequest(request, limits);
  DecodeQuery(TargetOf(request));
  return 0;
}
