// Sources that expand to many documents: sitemaps and feeds, parsed with libxml2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::watchers {

struct ListedDocument {
  std::string uri;
  std::optional<std::int64_t> modified_unix_seconds;  // sitemap lastmod, Atom updated, RSS pubDate
};

// Entries left out of a listing because freshd does not fetch their scheme.
struct SkippedEntries {
  std::size_t count = 0;
  std::string example_scheme;  // the first one's ("javascript"); "" for a relative one
};

struct Listing {
  std::vector<ListedDocument> documents;    // in document order, duplicates removed
  std::vector<std::string> child_sitemaps;  // a sitemap index's <sitemap><loc> entries
  SkippedEntries skipped;
};

// <urlset> or <sitemapindex> (namespace-tolerant). Relative locations are resolved
// against base_url. Of documents and child sitemaps alike, only http and https entries (and
// those of base_url's own scheme) are kept, the others counted in `skipped`; the userinfo
// of a kept entry is dropped, so that no listing puts a password into a document's URI.
// InvalidArgument when the document is not XML or not a sitemap; ResourceExhausted when it
// is too large for the parser or memory runs out.
Result<Listing> ParseSitemap(std::string_view xml, std::string_view base_url);

// RSS 2.0 (<item><link>) or Atom (<entry><link rel="alternate" href>), with the same rules
// for entries and failures as ParseSitemap.
Result<Listing> ParseFeed(std::string_view xml, std::string_view base_url);

// W3C datetime / RFC 3339 ("2024-05-01", "2024-05-01T10:00:00+02:00", "2024-05-01T08:00Z";
// also "YYYY" and "YYYY-MM"; a time without zone is taken as UTC) to unix seconds.
std::optional<std::int64_t> ParseW3cDateTime(std::string_view text);

// RFC 822 / RFC 2822 / RFC 1123 dates ("Wed, 01 May 2024 10:00:00 GMT", "+0200", "EST"...)
// to unix seconds. Two-digit years are read as RFC 2822 says (00-49: 20xx, 50-99: 19xx).
std::optional<std::int64_t> ParseRfc822DateTime(std::string_view text);

}  // namespace freshd::watchers
