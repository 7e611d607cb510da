#include "daemon/cli_json.h"

#include <boost/asio/io_context.hpp>
#include <optional>

#include "version.h"
#include "watchers/http_client.h"

namespace freshd::daemon {

// The JSON a running freshd answers at `url`, or why there is none (Unavailable).
Result<nlohmann::json> GetJson(const std::string& url) {
  boost::asio::io_context io;
  watchers::HttpClient client(io);
  watchers::HttpRequest request;
  request.url = url;
  request.timeout = std::chrono::seconds(10);
  request.user_agent = std::string("freshd/") + FRESHD_VERSION;
  std::optional<watchers::HttpResponse> response;
  client.Fetch(request, [&](watchers::HttpResponse r) { response = std::move(r); });
  io.run();
  if (!response || response->error != watchers::FetchError::kNone) {
    return freshd::Status::Unavailable("cannot reach freshd at " + url + ": " +
                                       (response ? response->message : "no answer"));
  }
  auto parsed = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return freshd::Status::Unavailable(url + " did not answer with JSON");
  }
  return parsed;
}

std::string Text(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

}  // namespace freshd::daemon
