// URLs as sources and listings give them (RFC 3986): resolving references, schemes, origins,
// and the userinfo that must never become part of a document's identity.
#pragma once

#include <string>
#include <string_view>

namespace freshd::watchers {

// Resolves a possibly relative reference against a base URL (RFC 3986, enough for
// sitemaps and feeds).
std::string ResolveUrl(std::string_view base_url, std::string_view reference);

// The scheme of an absolute URL, lowercased ("https"); "" for a relative reference.
std::string UrlScheme(std::string_view url);

// The URL without the userinfo of its authority: "https://user:pass@host/a" becomes
// "https://host/a". Any other URL comes back as it was.
std::string WithoutUserinfo(std::string_view url);

// Whether two absolute URLs have the same scheme, host and port (a missing port being the
// scheme's default one); the userinfo does not matter. False when either has no host.
bool SameOrigin(std::string_view a, std::string_view b);

}  // namespace freshd::watchers
