#include "watchers/listing.h"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

namespace freshd::watchers {
namespace {

// The listing, which must have been parsed.
Listing Parsed(Result<Listing> result) {
  INFO(result.status().ToString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::vector<std::string> Uris(const Listing& listing) {
  std::vector<std::string> uris;
  for (const ListedDocument& document : listing.documents) uris.push_back(document.uri);
  return uris;
}

TEST_CASE("A sitemap urlset lists its pages in order, without duplicates", "[listing][sitemap]") {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url><loc>https://example.com/policies/refund</loc><lastmod>2024-05-01</lastmod>
    <image:image><image:loc>https://example.com/img.png</image:loc></image:image></url>
  <url><loc>
      https://example.com/policies/privacy
  </loc></url>
  <url><loc>https://example.com/policies/refund</loc><lastmod>2030-01-01</lastmod></url>
  <url><lastmod>2024-01-01</lastmod></url>
</urlset>)";
  const Listing listing = Parsed(ParseSitemap(xml, "https://example.com/sitemap.xml"));
  CHECK(Uris(listing) == std::vector<std::string>{"https://example.com/policies/refund",
                                                  "https://example.com/policies/privacy"});
  CHECK(listing.documents[0].modified_unix_seconds == 1714521600);  // the first one is kept
  CHECK_FALSE(listing.documents[1].modified_unix_seconds.has_value());
  CHECK(listing.child_sitemaps.empty());
}

TEST_CASE("A sitemap index lists its child sitemaps", "[listing][sitemap]") {
  const std::string xml = R"(<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://example.com/sitemap-1.xml</loc><lastmod>2024-05-01</lastmod></sitemap>
  <sitemap><loc>/sitemap-2.xml</loc></sitemap>
</sitemapindex>)";
  const Listing listing = Parsed(ParseSitemap(xml, "https://example.com/sitemap.xml"));
  CHECK(listing.documents.empty());
  CHECK(listing.child_sitemaps == std::vector<std::string>{"https://example.com/sitemap-1.xml",
                                                           "https://example.com/sitemap-2.xml"});
}

TEST_CASE("Namespace prefixes do not matter in a sitemap", "[listing][sitemap]") {
  const std::string xml =
      "<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<sm:url><sm:loc>https://example.com/a</sm:loc></sm:url></sm:urlset>";
  const Listing listing = Parsed(ParseSitemap(xml, ""));
  CHECK(Uris(listing) == std::vector<std::string>{"https://example.com/a"});
}

TEST_CASE("Sitemap lastmod in W3C datetime forms becomes unix seconds", "[listing][dates]") {
  const std::string xml = R"(<urlset>
  <url><loc>/d</loc><lastmod>2024-05-01</lastmod></url>
  <url><loc>/z</loc><lastmod>2024-05-01T10:30:00Z</lastmod></url>
  <url><loc>/o</loc><lastmod>2024-05-01T12:30:00+02:00</lastmod></url>
  <url><loc>/f</loc><lastmod>2024-05-01T10:30:00.123-00:00</lastmod></url>
  <url><loc>/m</loc><lastmod>2024-05-01T05:30-05:00</lastmod></url>
  <url><loc>/bad</loc><lastmod>yesterday</lastmod></url>
  <url><loc>/feb30</loc><lastmod>2024-02-30</lastmod></url>
</urlset>)";
  const Listing listing = Parsed(ParseSitemap(xml, "https://example.com/"));
  REQUIRE(listing.documents.size() == 7);
  CHECK(listing.documents[0].modified_unix_seconds == 1714521600);
  for (int i = 1; i <= 4; ++i) {
    INFO(listing.documents[i].uri);
    CHECK(listing.documents[i].modified_unix_seconds == 1714559400);
  }
  CHECK_FALSE(listing.documents[5].modified_unix_seconds.has_value());
  CHECK_FALSE(listing.documents[6].modified_unix_seconds.has_value());
}

TEST_CASE("W3C and RFC 822 date parsers", "[listing][dates]") {
  CHECK(ParseW3cDateTime("1970-01-01T00:00:00Z") == 0);
  CHECK(ParseW3cDateTime("2000-02-29") == 951782400);
  CHECK(ParseW3cDateTime("2024") == 1704067200);
  CHECK(ParseW3cDateTime("2024-05") == 1714521600);
  CHECK(ParseW3cDateTime("1969-12-31T23:59:59Z") == -1);
  CHECK_FALSE(ParseW3cDateTime("2023-02-29").has_value());
  CHECK_FALSE(ParseW3cDateTime("2024-05-01T25:00:00Z").has_value());
  CHECK_FALSE(ParseW3cDateTime("2024-05-01T10:00:00Zjunk").has_value());
  CHECK_FALSE(ParseW3cDateTime("").has_value());

  CHECK(ParseRfc822DateTime("Wed, 01 May 2024 10:30:00 GMT") == 1714559400);
  CHECK(ParseRfc822DateTime("1 May 2024 12:30:00 +0200") == 1714559400);
  CHECK(ParseRfc822DateTime("Wed, 01 May 2024 06:30:00 EDT") == 1714559400);
  CHECK(ParseRfc822DateTime("Wed, 01 May 24 10:30 Z") == 1714559400);
  CHECK(ParseRfc822DateTime("Wed, 01 May 2024 10:30:00 +0000 (UTC)") == 1714559400);
  CHECK(ParseRfc822DateTime("Wed, 01 May 2024 10:30:00") == 1714559400);
  CHECK_FALSE(ParseRfc822DateTime("Wed, 32 May 2024 10:30:00 GMT").has_value());
  CHECK_FALSE(ParseRfc822DateTime("Wed, 01 Mai 2024 10:30:00 GMT").has_value());
  CHECK_FALSE(ParseRfc822DateTime("soon").has_value());
}

TEST_CASE("Relative sitemap locations resolve against the sitemap's URL", "[listing][sitemap]") {
  const std::string xml =
      "<urlset><url><loc>/root.html</loc></url><url><loc>page.html</loc></url>"
      "<url><loc>../up.html</loc></url><url><loc>//cdn.example.org/x</loc></url></urlset>";
  const Listing listing = Parsed(ParseSitemap(xml, "https://example.com/docs/sitemap.xml"));
  CHECK(Uris(listing) == std::vector<std::string>{
                             "https://example.com/root.html", "https://example.com/docs/page.html",
                             "https://example.com/up.html", "https://cdn.example.org/x"});
}

TEST_CASE("An RSS feed lists item links with their pubDate", "[listing][feed]") {
  const std::string xml = R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>MCC changes</title><link>https://example.com/</link>
  <atom:link href="https://example.com/feed.rss" rel="self"/>
  <item><title>One</title><link>https://example.com/mcc/1</link>
        <pubDate>Wed, 01 May 2024 10:30:00 GMT</pubDate></item>
  <item><title>Two</title><link><![CDATA[/mcc/2]]></link></item>
  <item><title>Dup</title><link>https://example.com/mcc/1</link></item>
  <item><title>Guid</title><guid>https://example.com/mcc/3</guid></item>
  <item><title>Not a link</title><guid isPermaLink="false">tag:1</guid></item>
</channel></rss>)";
  const Listing listing = Parsed(ParseFeed(xml, "https://example.com/feed.rss"));
  CHECK(Uris(listing) == std::vector<std::string>{"https://example.com/mcc/1",
                                                  "https://example.com/mcc/2",
                                                  "https://example.com/mcc/3"});
  CHECK(listing.documents[0].modified_unix_seconds == 1714559400);
  CHECK_FALSE(listing.documents[1].modified_unix_seconds.has_value());
}

TEST_CASE("An Atom feed lists alternate links with updated times", "[listing][feed]") {
  const std::string xml = R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.com/mcc/">
  <title>MCC</title><link rel="self" href="https://example.com/mcc/changes.atom"/>
  <entry><title>A</title>
    <link rel="edit" href="https://example.com/edit/a"/>
    <link rel="alternate" type="text/html" href="a.html"/>
    <updated>2024-05-01T10:30:00Z</updated><published>2024-01-01T00:00:00Z</published></entry>
  <entry><title>B</title><link href="https://example.com/mcc/b.html"/>
    <published>2024-05-01T12:30:00+02:00</published></entry>
  <entry><title>C, no usable link</title><link rel="enclosure" href="c.mp3"/></entry>
</feed>)";
  const Listing listing = Parsed(ParseFeed(xml, "https://example.com/mcc/changes.atom"));
  CHECK(Uris(listing) == std::vector<std::string>{"https://example.com/mcc/a.html",
                                                  "https://example.com/mcc/b.html"});
  CHECK(listing.documents[0].modified_unix_seconds == 1714559400);
  CHECK(listing.documents[1].modified_unix_seconds == 1714559400);
}

TEST_CASE("An RSS 1.0 (RDF) feed lists its items", "[listing][feed]") {
  const std::string xml = R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel><link>https://example.com/</link></channel>
  <item><link>https://example.com/r/1</link><dc:date>2024-05-01T10:30:00Z</dc:date></item>
</rdf:RDF>)";
  const Listing listing = Parsed(ParseFeed(xml, ""));
  REQUIRE(listing.documents.size() == 1);
  CHECK(listing.documents[0].uri == "https://example.com/r/1");
  CHECK(listing.documents[0].modified_unix_seconds == 1714559400);
}

TEST_CASE("Malformed XML is an error, not a crash", "[listing][errors]") {
  for (const std::string& xml :
       {std::string("<urlset><url><loc>https://x/</loc></urlset>"), std::string(""),
        std::string("not xml at all"), std::string("<urlset>\xFF</urlset>")}) {
    const Result<Listing> sitemap = ParseSitemap(xml, "https://x/");
    CHECK_FALSE(sitemap.ok());
    CHECK_FALSE(sitemap.status().message().empty());
    CHECK_FALSE(ParseFeed(xml, "https://x/").ok());
  }
  CHECK_THAT(ParseSitemap("<urlset><url></urlset>", "").status().message(),
             Catch::Contains("line 1"));
}

TEST_CASE("A document of the wrong kind is an error", "[listing][errors]") {
  const Result<Listing> html = ParseSitemap("<html><body>Not found</body></html>", "https://x/");
  CHECK(html.status().IsInvalidArgument());
  CHECK_THAT(html.status().message(), Catch::Contains("not a sitemap"));
  const Result<Listing> feed_as_sitemap = ParseSitemap("<rss><channel/></rss>", "https://x/");
  CHECK_FALSE(feed_as_sitemap.ok());
  const Result<Listing> sitemap_as_feed = ParseFeed("<urlset/>", "https://x/");
  CHECK_FALSE(sitemap_as_feed.ok());
  CHECK_THAT(sitemap_as_feed.status().message(), Catch::Contains("not a feed"));
}

TEST_CASE("External entities in a sitemap are not fetched or expanded", "[listing][errors]") {
  const std::string xml =
      "<?xml version=\"1.0\"?><!DOCTYPE urlset [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
      "<urlset><url><loc>https://example.com/&x;</loc></url></urlset>";
  const Result<Listing> listing = ParseSitemap(xml, "");
  if (listing.ok()) {
    REQUIRE(listing->documents.size() == 1);
    CHECK(listing->documents[0].uri == "https://example.com/");
  }
}

TEST_CASE("Entries of other schemes are skipped and counted, not listed", "[listing][url]") {
  const std::string xml =
      "<urlset><url><loc>https://example.com/a</loc></url>"
      "<url><loc>javascript:void(0)</loc></url><url><loc>file:///etc/passwd</loc></url>"
      "<url><loc>gopher://example.com/1</loc></url><url><loc>ftp://example.com/b</loc></url>"
      "<url><loc>mailto:web@example.com</loc></url><url><loc>c.html</loc></url>"
      "<url><loc>HTTPS://example.com/d</loc></url></urlset>";
  const Listing listing = Parsed(ParseSitemap(xml, "http://example.com/sitemap.xml"));
  CHECK(Uris(listing) == std::vector<std::string>{"https://example.com/a",
                                                  "http://example.com/c.html",
                                                  "HTTPS://example.com/d"});
  CHECK(listing.skipped.count == 5);
  CHECK(listing.skipped.example_scheme == "javascript");

  const std::string index =
      "<sitemapindex><sitemap><loc>ftp://example.com/s.xml</loc></sitemap>"
      "<sitemap><loc>/s2.xml</loc></sitemap></sitemapindex>";
  const Listing children = Parsed(ParseSitemap(index, "https://example.com/sitemap.xml"));
  CHECK(children.child_sitemaps == std::vector<std::string>{"https://example.com/s2.xml"});
  CHECK(children.skipped.count == 1);
  CHECK(children.skipped.example_scheme == "ftp");
}

TEST_CASE("Feeds skip entries of other schemes too, and a listing may list its own scheme",
          "[listing][url]") {
  const std::string rss =
      "<rss><channel><item><link>javascript:alert(1)</link></item>"
      "<item><link>https://example.com/ok</link></item></channel></rss>";
  const Listing feed = Parsed(ParseFeed(rss, "https://example.com/feed.rss"));
  CHECK(Uris(feed) == std::vector<std::string>{"https://example.com/ok"});
  CHECK(feed.skipped.count == 1);

  const Listing local = Parsed(
      ParseSitemap("<urlset><url><loc>file:///srv/a.html</loc></url></urlset>", "file:///srv/"));
  CHECK(Uris(local) == std::vector<std::string>{"file:///srv/a.html"});
  CHECK(local.skipped.count == 0);
}

TEST_CASE("A listed URL's userinfo never reaches the document's URI", "[listing][url]") {
  const std::string xml =
      "<urlset><url><loc>https://user:SECRET@example.com/a</loc></url>"
      "<url><loc>https://example.com/a</loc></url>"
      "<url><loc>//bob:SECRET@cdn.example.org/b?x=@</loc></url></urlset>";
  const Listing listing = Parsed(ParseSitemap(xml, "https://example.com/sitemap.xml"));
  CHECK(Uris(listing) ==
        std::vector<std::string>{"https://example.com/a", "https://cdn.example.org/b?x=@"});
  const std::string atom =
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://u:SECRET@example.com/\">"
      "<entry><link href=\"x.html\"/></entry></feed>";
  CHECK(Uris(Parsed(ParseFeed(atom, ""))) ==
        std::vector<std::string>{"https://example.com/x.html"});
}

}  // namespace
}  // namespace freshd::watchers
