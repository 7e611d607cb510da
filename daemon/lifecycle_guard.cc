#include "daemon/lifecycle_guard.h"

#include "common/strings.h"
#include "config/config.h"
#include "daemon/http_query.h"

namespace freshd::daemon {
namespace {

namespace http = boost::beast::http;

using strings::EqualsNoCase;

// A header value or target as a std::string_view, trimmed of spaces and tabs.
std::string_view Trim(boost::beast::string_view value) {
  return strings::Trim(std::string_view(value.data(), value.size()), " \t");
}

std::string Authority(std::string_view host, int port) {
  const bool ipv6 = host.find(':') != std::string_view::npos;
  return (ipv6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
}

// "http://HOST:PORT" naming the daemon itself (or localhost, when it listens on loopback).
bool IsOwnOrigin(std::string_view origin, std::string_view listen_host, int listen_port) {
  constexpr std::string_view kScheme = "http://";
  if (origin.size() < kScheme.size() || !EqualsNoCase(origin.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  std::string authority(origin.substr(kScheme.size()));
  if (listen_port == 80 && authority.find(':', authority.rfind(']') + 1) == std::string::npos) {
    authority += ":80";  // the default port, left out of the origin
  }
  return EqualsNoCase(authority, Authority(listen_host, listen_port)) ||
         (config::IsLoopbackAddress(listen_host) &&
          EqualsNoCase(authority, Authority("localhost", listen_port)));
}

std::string ExampleCommand(const LifecycleSettings& settings, std::string_view target) {
  return "curl -X POST -H '" + std::string(kRequestMarkerHeader) + ": 1' http://" +
         Authority(settings.listen_host, settings.listen_port) + std::string(target);
}

}  // namespace

bool IsCrossSite(const HttpRequest& request, std::string_view listen_host, int listen_port) {
  const std::string_view fetch_site = Trim(request["Sec-Fetch-Site"]);
  if (EqualsNoCase(fetch_site, "cross-site") || EqualsNoCase(fetch_site, "same-site")) {
    return true;
  }
  const auto origin = request.find(http::field::origin);
  return origin != request.end() && !IsOwnOrigin(Trim(origin->value()), listen_host, listen_port);
}

bool NeedsPreflight(const HttpRequest& request) {
  if (request.find(kRequestMarkerHeader) != request.end()) return true;
  const boost::beast::string_view type = request[http::field::content_type];
  return EqualsNoCase(Trim(type.substr(0, type.find(';'))), "application/json");
}

std::optional<std::string> LifecycleRefusal(const HttpRequest& request,
                                            const LifecycleSettings& settings) {
  const std::string_view target = PathOf(Trim(request.target()));
  const std::string endpoint = "POST " + std::string(target);
  if (!settings.enabled) {
    return endpoint + " is turned off on this daemon: set 'api: { enable_lifecycle: true }' in " +
           settings.config_file +
           " and reload (SIGHUP, systemctl reload freshd). It is off by default when 'listen' "
           "is not a loopback address.";
  }
  if (IsCrossSite(request, settings.listen_host, settings.listen_port)) {
    return "cross-site request refused: " + endpoint +
           " is served only to requests from freshd's own address (Origin, Sec-Fetch-Site)";
  }
  if (!NeedsPreflight(request)) {
    return endpoint + " needs the header '" + std::string(kRequestMarkerHeader) +
           ": 1' (or Content-Type: application/json), which no web page can send to another "
           "site unasked: " +
           ExampleCommand(settings, target);
  }
  return std::nullopt;
}

}  // namespace freshd::daemon
