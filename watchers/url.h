// URLs as sources and listings give them (RFC 3986): resolving references, and schemes.
#pragma once

#include <string>
#include <string_view>

namespace freshd::watchers {

// Resolves a possibly relative reference against a base URL (RFC 3986, enough for
// sitemaps and feeds).
std::string ResolveUrl(std::string_view base_url, std::string_view reference);

// The scheme of an absolute URL, lowercased ("https"); "" for a relative reference.
std::string UrlScheme(std::string_view url);

}  // namespace freshd::watchers
