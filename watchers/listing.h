// Sources that expand to many documents: sitemaps and feeds, parsed with libxml2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace freshd::watchers {

struct ListedDocument {
  std::string uri;
  std::optional<std::int64_t> modified_unix_seconds;  // sitemap lastmod, Atom updated, RSS pubDate
};

struct Listing {
  bool ok = false;
  std::string error;                       // when !ok
  std::vector<ListedDocument> documents;   // in document order, duplicates removed
  std::vector<std::string> child_sitemaps; // a sitemap index's <sitemap><loc> entries
};

// <urlset> or <sitemapindex> (namespace-tolerant). Relative locations are resolved
// against base_url.
Listing ParseSitemap(std::string_view xml, std::string_view base_url);

// RSS 2.0 (<item><link>) or Atom (<entry><link rel="alternate" href>).
Listing ParseFeed(std::string_view xml, std::string_view base_url);

// Resolves a possibly relative reference against a base URL (RFC 3986, enough for
// sitemaps and feeds).
std::string ResolveUrl(std::string_view base_url, std::string_view reference);

}  // namespace freshd::watchers
