// URLs (RFC 3986), one parser for every library: sources and listings (watchers), the
// userinfo of a configured URL (config), and the query of a request (daemon).
//
// URLs are kept as written: splitting and resolving never lowercase, re-encode or add a
// path, so that a document's identity is the URI its listing gave. Comparing origins and
// decoding percent-escapes use libcurl (CURLU and curl_easy_unescape). Every function is
// pure and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace freshd::url {

// The five parts of RFC 3986 appendix B; the has_ flags tell an empty part from none.
struct UrlParts {
  std::string scheme;  // as written, "" for a relative reference
  bool has_authority = false;
  std::string authority;  // userinfo@host:port
  std::string path;
  bool has_query = false;
  std::string query;
  bool has_fragment = false;
  std::string fragment;
};

UrlParts SplitUrl(std::string_view url);
// The inverse of SplitUrl: Join(SplitUrl(u)) == u.
std::string JoinUrl(const UrlParts& parts);

// Resolves a possibly relative reference against a base URL (RFC 3986 section 5.2); both
// are trimmed of surrounding whitespace first. An empty base gives the reference.
std::string ResolveUrl(std::string_view base_url, std::string_view reference);

// The scheme of an absolute URL, lowercased ("https"); "" for a relative reference.
std::string UrlScheme(std::string_view url);

// The URL without the userinfo of its authority: "https://user:pass@host/a" becomes
// "https://host/a". Any other URL comes back as it was. A password may hold an unencoded
// '@': the userinfo ends at the authority's last one.
std::string WithoutUserinfo(std::string_view url);

struct Userinfo {
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded; "" when the userinfo has no ':'
};
// The userinfo of a URL's authority, decoded, or nullopt when there is none.
std::optional<Userinfo> UserinfoOf(std::string_view url);

// Whether two absolute URLs have the same scheme, host and port (a missing port being the
// scheme's default one); the userinfo does not matter. False when either has no host.
bool SameOrigin(std::string_view a, std::string_view b);

// "p%40ss" -> "p@ss". A '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view text);
// As HTML forms encode a query value: '+' is a space, then PercentDecode.
std::string FormDecode(std::string_view text);

}  // namespace freshd::url
