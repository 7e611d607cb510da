// Who may call the endpoints that change the daemon's state: POST /-/reload and POST
// /api/v1/reconcile. A browser on the operator's machine reaches a loopback address too, so
// any web page could post to them. They are served only when api.enable_lifecycle is on,
// never to a request a browser marks as cross-site, and only to a request that no HTML form
// and no simple cross-site fetch can make: one with the X-Freshd-Request header or a JSON
// content type, which a browser sends cross-site only after a CORS preflight (OPTIONS),
// and freshd answers no preflight.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "daemon/http_server.h"

namespace freshd::daemon {

// The header freshd's own command line sends with its POSTs (any value will do).
inline constexpr char kRequestMarkerHeader[] = "X-Freshd-Request";

struct LifecycleSettings {
  bool enabled = false;     // api.enable_lifecycle
  std::string listen_host;  // the address bound, an IPv6 one without brackets
  int listen_port = 0;
  std::string config_file;  // named in the message when the endpoints are off
};

// Why a request to a state-changing endpoint is refused (with 403), or nullopt when it
// may be served.
std::optional<std::string> LifecycleRefusal(const HttpRequest& request,
                                            const LifecycleSettings& settings);

// Whether a browser says the request comes from another site: Sec-Fetch-Site cross-site or
// same-site, or an Origin other than the daemon's own address.
bool IsCrossSite(const HttpRequest& request, std::string_view listen_host, int listen_port);

// Whether a browser would have asked first (CORS preflight) before sending it cross-site.
bool NeedsPreflight(const HttpRequest& request);

}  // namespace freshd::daemon
