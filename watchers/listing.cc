#include "watchers/listing.h"

#include <array>
#include <climits>
#include <exception>
#include <memory>
#include <unordered_set>
#include <utility>

#include "common/strings.h"
#include "watchers/content_xml.h"
#include "watchers/url.h"

namespace freshd::watchers {
namespace {

using content::AsView;
using content::XmlCharPtr;
using content::XmlDocPtr;
using content::XmlParserCtxtPtr;

// No entity substitution, no DTD loading, no network; libxml2's own limits stay on (no
// XML_PARSE_HUGE).
constexpr int kListingOptions =
    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;

// XML's whitespace, and the form feed that some feeds carry.
constexpr std::string_view kSpaces = " \t\n\r\f";

bool IsSpace(char c) { return c != '\0' && kSpaces.find(c) != std::string_view::npos; }
std::string_view Trim(std::string_view s) { return strings::Trim(s, kSpaces); }

using strings::AsciiLowered;
using strings::IsAsciiAlpha;
using strings::IsAsciiDigit;

// ---------------------------------------------------------------------------------------
// Dates.

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilTime {
  int year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_seconds = 0;  // east of UTC
};

std::optional<std::int64_t> ToUnixSeconds(const CivilTime& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > DaysInMonth(t.year, t.month) ||
      t.hour > 24 || t.minute > 59 || t.second > 60 ||
      (t.hour == 24 && (t.minute != 0 || t.second != 0))) {
    return std::nullopt;
  }
  return DaysFromCivil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second -
         t.offset_seconds;
}

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }

  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // Reads between `min` and `max` digits.
  bool Digits(int min, int max, int* value) {
    int count = 0;
    int result = 0;
    while (count < max && IsAsciiDigit(Peek())) {
      result = result * 10 + (text_[pos_++] - '0');
      ++count;
    }
    *value = result;
    return count >= min;
  }

  // Reads up to `max` digits and says how many there were.
  int DigitCount(int max, int* value) {
    const std::size_t start = pos_;
    Digits(0, max, value);
    return static_cast<int>(pos_ - start);
  }

  void SkipDigits() {
    while (IsAsciiDigit(Peek())) ++pos_;
  }

  void SkipSeparators() {
    while (IsSpace(Peek()) || Peek() == ',') ++pos_;
  }

  std::string_view Word() {
    const std::size_t start = pos_;
    while (IsAsciiAlpha(Peek())) ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// "+02:00", "-0500", "+01" -> seconds east of UTC.
bool ParseNumericOffset(Cursor* cursor, int* seconds) {
  int sign = 0;
  if (cursor->Consume('+')) {
    sign = 1;
  } else if (cursor->Consume('-')) {
    sign = -1;
  } else {
    return false;
  }
  int hours = 0;
  int minutes = 0;
  if (!cursor->Digits(2, 2, &hours)) return false;
  if (cursor->Consume(':')) {
    if (!cursor->Digits(2, 2, &minutes)) return false;
  } else if (IsAsciiDigit(cursor->Peek()) && !cursor->Digits(2, 2, &minutes)) {
    return false;
  }
  if (hours > 23 || minutes > 59) return false;
  *seconds = sign * (hours * 3600 + minutes * 60);
  return true;
}

// hh:mm[:ss[.fraction]]
bool ParseClock(Cursor* cursor, int min_hour_digits, CivilTime* t) {
  if (!cursor->Digits(min_hour_digits, 2, &t->hour) || !cursor->Consume(':') ||
      !cursor->Digits(2, 2, &t->minute)) {
    return false;
  }
  if (cursor->Consume(':')) {
    if (!cursor->Digits(2, 2, &t->second)) return false;
    if (cursor->Consume('.') || cursor->Consume(',')) {
      if (!IsAsciiDigit(cursor->Peek())) return false;
      cursor->SkipDigits();  // fractions of a second are dropped
    }
  }
  return true;
}

struct NamedZone {
  std::string_view name;
  int hours;
};
// The zone names of RFC 822 (military letters other than Z are obsolete and ignored).
// clang-format off
constexpr std::array<NamedZone, 12> kNamedZones = {{
    {"ut", 0}, {"utc", 0}, {"gmt", 0}, {"z", 0}, {"est", -5}, {"edt", -4},
    {"cst", -6}, {"cdt", -5}, {"mst", -7}, {"mdt", -6}, {"pst", -8}, {"pdt", -7}}};
// clang-format on

std::optional<int> NamedZoneOffset(std::string_view zone) {
  const std::string lowered = AsciiLowered(zone);
  for (const NamedZone& known : kNamedZones) {
    if (known.name == lowered) return known.hours * 3600;
  }
  return std::nullopt;
}

std::optional<int> MonthFromName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (name.size() < 3) return std::nullopt;
  const std::string prefix = AsciiLowered(name.substr(0, 3));
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == prefix) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

// Any date a feed or sitemap may carry: W3C/RFC 3339 first, then RFC 822.
std::optional<std::int64_t> ParseAnyDate(std::string_view text) {
  if (auto seconds = ParseW3cDateTime(text)) return seconds;
  return ParseRfc822DateTime(text);
}

// ---------------------------------------------------------------------------------------
// XML documents.

// A document with a root element.
Result<XmlDocPtr> ReadXml(std::string_view xml) {
  if (Trim(xml).empty()) return Status::InvalidArgument("empty document");
  if (xml.size() > static_cast<std::size_t>(INT_MAX)) {
    return Status::ResourceExhausted("document too large for the parser");
  }
  content::EnsureXmlInitialized();
  content::ScopedXmlErrorSilencer silence;
  XmlParserCtxtPtr parser(xmlNewParserCtxt());
  if (parser == nullptr) return Status::ResourceExhausted("cannot allocate an XML parser");
  XmlDocPtr doc(xmlCtxtReadMemory(parser.get(), xml.data(), static_cast<int>(xml.size()), nullptr,
                                  nullptr, kListingOptions));
  if (doc == nullptr) {
    return Status::InvalidArgument("malformed XML: " +
                                   content::DescribeXmlError(parser->lastError));
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) return Status::InvalidArgument("no root element");
  return doc;
}

// Local names only: a prefix or namespace never matters.
bool IsElement(const xmlNode* node, std::string_view local_name) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && AsView(node->name) == local_name;
}

std::vector<xmlNode*> ChildElements(xmlNode* parent, std::string_view local_name) {
  std::vector<xmlNode*> children;
  if (parent == nullptr) return children;
  for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsElement(child, local_name)) children.push_back(child);
  }
  return children;
}

xmlNode* FirstChildElement(xmlNode* parent, std::string_view local_name) {
  if (parent == nullptr) return nullptr;
  for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (IsElement(child, local_name)) return child;
  }
  return nullptr;
}

// The text directly inside an element (text and CDATA children), trimmed.
std::string DirectText(const xmlNode* node) {
  std::string text;
  if (node == nullptr) return text;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
      text += AsView(child->content);
    }
  }
  return std::string(Trim(text));
}

bool IsXmlNamespace(const xmlNs* ns) {
  return ns != nullptr && AsView(ns->href) == AsView(XML_XML_NAMESPACE);
}

// An attribute by local name; `xml_namespace` selects xml:base-style attributes.
std::optional<std::string> Attribute(const xmlNode* node, std::string_view local_name,
                                     bool xml_namespace = false) {
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    if (AsView(attr->name) != local_name || IsXmlNamespace(attr->ns) != xml_namespace) continue;
    XmlCharPtr value(xmlNodeListGetString(node->doc, attr->children, 1));
    return std::string(Trim(AsView(value.get())));
  }
  return std::nullopt;
}

// base_url, refined by the xml:base attributes of the node and its ancestors.
std::string EffectiveBase(const xmlNode* node, std::string_view base_url) {
  std::vector<std::string> bases;
  for (const xmlNode* up = node; up != nullptr && up->type == XML_ELEMENT_NODE; up = up->parent) {
    if (auto base = Attribute(up, "base", /*xml_namespace=*/true)) bases.push_back(*base);
  }
  std::string base(base_url);
  for (auto it = bases.rbegin(); it != bases.rend(); ++it) base = ResolveUrl(base, *it);
  return base;
}

// Collects a listing's entries: only those freshd can fetch, each once, without userinfo.
class ListingBuilder {
 public:
  explicit ListingBuilder(std::string_view base_url) : own_scheme_(UrlScheme(base_url)) {}

  void AddDocument(const std::string& uri, std::optional<std::int64_t> modified) {
    if (uri.empty() || !Fetchable(uri)) return;
    std::string clean = WithoutUserinfo(uri);
    if (!seen_documents_.insert(clean).second) return;
    listing_.documents.push_back(ListedDocument{std::move(clean), modified});
  }

  void AddChildSitemap(const std::string& uri) {
    if (uri.empty() || !Fetchable(uri)) return;
    std::string clean = WithoutUserinfo(uri);
    if (!seen_sitemaps_.insert(clean).second) return;
    listing_.child_sitemaps.push_back(std::move(clean));
  }

  Listing Finish() { return std::move(listing_); }

 private:
  // http, https, or the listing's own scheme; any other (javascript:, mailto:, ftp:...) would
  // make a document that fails forever, so it is skipped and counted.
  bool Fetchable(const std::string& uri) {
    const std::string scheme = UrlScheme(uri);
    if (scheme == "http" || scheme == "https" || scheme == own_scheme_) return true;
    if (listing_.skipped.count++ == 0) listing_.skipped.example_scheme = scheme;
    return false;
  }

  std::string own_scheme_;
  Listing listing_;
  std::unordered_set<std::string> seen_documents_;
  std::unordered_set<std::string> seen_sitemaps_;
};

std::string RootName(const xmlNode* root) { return std::string(AsView(root->name)); }

std::optional<std::int64_t> ChildDate(xmlNode* parent, std::string_view local_name) {
  xmlNode* element = FirstChildElement(parent, local_name);
  if (element == nullptr) return std::nullopt;
  return ParseAnyDate(DirectText(element));
}

Listing ParseUrlset(xmlNode* root, std::string_view base_url) {
  ListingBuilder builder(base_url);
  for (xmlNode* url : ChildElements(root, "url")) {
    const std::string loc = DirectText(FirstChildElement(url, "loc"));
    if (loc.empty()) continue;
    builder.AddDocument(ResolveUrl(base_url, loc), ChildDate(url, "lastmod"));
  }
  return builder.Finish();
}

Listing ParseSitemapIndex(xmlNode* root, std::string_view base_url) {
  ListingBuilder builder(base_url);
  for (xmlNode* sitemap : ChildElements(root, "sitemap")) {
    const std::string loc = DirectText(FirstChildElement(sitemap, "loc"));
    if (!loc.empty()) builder.AddChildSitemap(ResolveUrl(base_url, loc));
  }
  return builder.Finish();
}

// <link>text</link>, else an Atom-style <atom:link href>, else a permalink <guid>.
std::string RssItemLink(xmlNode* item, std::string_view base_url) {
  for (xmlNode* link : ChildElements(item, "link")) {
    std::string text = DirectText(link);
    if (!text.empty()) return ResolveUrl(EffectiveBase(link, base_url), text);
  }
  for (xmlNode* link : ChildElements(item, "link")) {
    const std::string rel = Attribute(link, "rel").value_or("alternate");
    const std::optional<std::string> href = Attribute(link, "href");
    if (rel == "alternate" && href && !href->empty()) {
      return ResolveUrl(EffectiveBase(link, base_url), *href);
    }
  }
  if (xmlNode* guid = FirstChildElement(item, "guid")) {
    if (AsciiLowered(Attribute(guid, "isPermaLink").value_or("true")) != "false") {
      const std::string text = DirectText(guid);
      if (!text.empty()) return ResolveUrl(EffectiveBase(guid, base_url), text);
    }
  }
  return "";
}

std::optional<std::int64_t> RssItemDate(xmlNode* item) {
  for (std::string_view name : {"pubDate", "date", "updated", "modified"}) {
    if (auto seconds = ChildDate(item, name)) return seconds;
  }
  return std::nullopt;
}

Listing ParseRssItems(const std::vector<xmlNode*>& items, std::string_view base_url) {
  ListingBuilder builder(base_url);
  for (xmlNode* item : items) builder.AddDocument(RssItemLink(item, base_url), RssItemDate(item));
  return builder.Finish();
}

// The first <link> with rel="alternate" or no rel.
std::string AtomEntryLink(xmlNode* entry, std::string_view base_url) {
  for (xmlNode* link : ChildElements(entry, "link")) {
    const std::string rel = Attribute(link, "rel").value_or("alternate");
    const std::optional<std::string> href = Attribute(link, "href");
    if (rel == "alternate" && href && !href->empty()) {
      return ResolveUrl(EffectiveBase(link, base_url), *href);
    }
  }
  return "";
}

Listing ParseAtom(xmlNode* root, std::string_view base_url) {
  ListingBuilder builder(base_url);
  for (xmlNode* entry : ChildElements(root, "entry")) {
    std::optional<std::int64_t> modified = ChildDate(entry, "updated");
    if (!modified) modified = ChildDate(entry, "published");
    builder.AddDocument(AtomEntryLink(entry, base_url), modified);
  }
  return builder.Finish();
}

}  // namespace

std::optional<std::int64_t> ParseW3cDateTime(std::string_view text) {
  Cursor cursor(Trim(text));
  CivilTime t;
  if (!cursor.Digits(4, 4, &t.year)) return std::nullopt;
  if (cursor.AtEnd()) return ToUnixSeconds(t);
  if (!cursor.Consume('-') || !cursor.Digits(2, 2, &t.month)) return std::nullopt;
  if (cursor.AtEnd()) return ToUnixSeconds(t);
  if (!cursor.Consume('-') || !cursor.Digits(2, 2, &t.day)) return std::nullopt;
  if (cursor.AtEnd()) return ToUnixSeconds(t);
  if (!cursor.Consume('T') && !cursor.Consume('t') && !cursor.Consume(' ')) return std::nullopt;
  if (!ParseClock(&cursor, 2, &t)) return std::nullopt;
  if (!cursor.AtEnd() && !cursor.Consume('Z') && !cursor.Consume('z') &&
      !ParseNumericOffset(&cursor, &t.offset_seconds)) {
    return std::nullopt;
  }
  if (!cursor.AtEnd()) return std::nullopt;
  return ToUnixSeconds(t);
}

std::optional<std::int64_t> ParseRfc822DateTime(std::string_view text) {
  Cursor cursor(Trim(text));
  CivilTime t;
  if (IsAsciiAlpha(cursor.Peek())) cursor.Word();  // the day of the week, not checked
  cursor.SkipSeparators();
  if (!cursor.Digits(1, 2, &t.day)) return std::nullopt;
  cursor.SkipSeparators();
  cursor.Consume('-');
  const std::optional<int> month = MonthFromName(cursor.Word());
  if (!month) return std::nullopt;
  t.month = *month;
  cursor.SkipSeparators();
  cursor.Consume('-');
  const int year_digits = cursor.DigitCount(4, &t.year);
  if (year_digits == 2) {
    t.year += t.year < 50 ? 2000 : 1900;
  } else if (year_digits == 3) {
    t.year += 1900;
  } else if (year_digits != 4) {
    return std::nullopt;
  }
  cursor.SkipSeparators();
  if (!ParseClock(&cursor, 1, &t)) return std::nullopt;
  cursor.SkipSeparators();
  if (cursor.Peek() == '+' || cursor.Peek() == '-') {
    if (!ParseNumericOffset(&cursor, &t.offset_seconds)) return std::nullopt;
  } else if (IsAsciiAlpha(cursor.Peek())) {
    // RFC 2822 4.3: other alphabetic zones are to be taken as UTC.
    t.offset_seconds = NamedZoneOffset(cursor.Word()).value_or(0);
  }
  return ToUnixSeconds(t);  // anything after the zone, such as "(UTC)", is a comment
}

Result<Listing> ParseSitemap(std::string_view xml, std::string_view base_url) {
  try {
    Result<XmlDocPtr> parsed = ReadXml(xml);
    if (!parsed.ok()) return parsed.status().WithContext("sitemap");
    xmlNode* root = xmlDocGetRootElement(parsed->get());
    if (IsElement(root, "urlset")) return ParseUrlset(root, base_url);
    if (IsElement(root, "sitemapindex")) return ParseSitemapIndex(root, base_url);
    return Status::InvalidArgument("not a sitemap: the root element is <" + RootName(root) +
                                   ">, not <urlset> or <sitemapindex>");
  } catch (const std::exception& e) {  // an allocation
    return Status::ResourceExhausted(std::string("sitemap: ") + e.what());
  }
}

Result<Listing> ParseFeed(std::string_view xml, std::string_view base_url) {
  try {
    Result<XmlDocPtr> parsed = ReadXml(xml);
    if (!parsed.ok()) return parsed.status().WithContext("feed");
    xmlNode* root = xmlDocGetRootElement(parsed->get());
    if (IsElement(root, "rss")) {
      return ParseRssItems(ChildElements(FirstChildElement(root, "channel"), "item"), base_url);
    }
    if (IsElement(root, "RDF")) return ParseRssItems(ChildElements(root, "item"), base_url);
    if (IsElement(root, "feed")) return ParseAtom(root, base_url);
    return Status::InvalidArgument("not a feed: the root element is <" + RootName(root) +
                                   ">, not <rss>, <feed> or <rdf:RDF>");
  } catch (const std::exception& e) {  // an allocation
    return Status::ResourceExhausted(std::string("feed: ") + e.what());
  }
}

}  // namespace freshd::watchers
