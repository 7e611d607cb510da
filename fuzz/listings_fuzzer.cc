// Sitemaps and feeds (libxml2 underneath) and the two date formats they carry. The whole
// input goes to every parser: a feed's bytes are a fine sitemap test too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "watchers/listing.h"
#include "watchers/url.h"

namespace {

// Whatever the input, a kept entry is http(s) (the base's scheme) and carries no userinfo:
// taking the userinfo out again changes nothing.
void CheckUri(const std::string& uri) {
  const std::string scheme = freshd::watchers::UrlScheme(uri);
  if (scheme != "http" && scheme != "https") std::abort();
  if (freshd::watchers::WithoutUserinfo(uri) != uri) std::abort();
}

void CheckListing(const freshd::Result<freshd::watchers::Listing>& parsed) {
  if (!parsed.ok()) return;
  const freshd::watchers::Listing& listing = *parsed;
  for (const freshd::watchers::ListedDocument& document : listing.documents) CheckUri(document.uri);
  for (const std::string& sitemap : listing.child_sitemaps) CheckUri(sitemap);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kBase = "https://example.com/docs/sitemap.xml";
  CheckListing(freshd::watchers::ParseSitemap(input, kBase));
  CheckListing(freshd::watchers::ParseFeed(input, kBase));
  // Dates are short: the first line is enough, and keeps the date parsers' inputs small.
  const std::string_view line = input.substr(0, input.find('\n'));
  (void)freshd::watchers::ParseW3cDateTime(line);
  (void)freshd::watchers::ParseRfc822DateTime(line);
  return 0;
}
