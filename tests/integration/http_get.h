// A blocking GET for tests, through freshd's own HTTP client.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>

#include "watchers/http_client.h"

namespace freshd::testing {

struct Reply {
  long status = 0;
  std::string body;
};

inline Reply HttpGet(const std::string& url) {
  boost::asio::io_context io;
  watchers::HttpClient client(io);
  watchers::HttpRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(5);
  Reply reply;
  client.Fetch(request, [&](watchers::HttpResponse response) {
    reply.status = response.status;
    reply.body = std::move(response.body);
  });
  io.run();
  return reply;
}

}  // namespace freshd::testing
