#include "watchers/normalize.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace freshd::watchers {
namespace {

std::unique_ptr<Normalizer> MakeNormalizer(SelectorSpec select = {},
                                           std::vector<std::string> ignore = {}) {
  auto normalizer = Normalizer::Create(select, ignore);
  INFO(normalizer.status().ToString());
  REQUIRE(normalizer.ok());
  return std::move(normalizer).value();
}

SelectorSpec XPath(std::string expression) {
  return SelectorSpec{SelectorSpec::Kind::kXPath, std::move(expression), "", ""};
}

SelectorSpec Css(std::string expression) {
  return SelectorSpec{SelectorSpec::Kind::kCss, std::move(expression), "", ""};
}

std::string NormalizeOk(const Normalizer& normalizer, std::string_view body, ContentKind kind,
                        std::string_view charset = "") {
  const Normalizer::Result result = normalizer.Normalize(body, kind, charset);
  INFO(result.message);
  REQUIRE(result.error == FetchError::kNone);
  return result.text;
}

std::string HtmlText(const Normalizer& normalizer, std::string_view html) {
  return NormalizeOk(normalizer, html, ContentKind::kHtml);
}

std::string CreateError(SelectorSpec select, std::vector<std::string> ignore = {}) {
  auto normalizer = Normalizer::Create(select, ignore);
  CHECK_FALSE(normalizer.ok());
  CHECK(normalizer.status().IsInvalidArgument());
  return normalizer.status().message();
}

constexpr std::string_view kPolicyPage = R"(<!DOCTYPE html>
<html><head><title>Refunds</title><style>p { color: red }</style>
<script>var tracking = "head script";</script></head>
<body>
  <header><a href="/">Example Shop</a></header>
  <nav><ul><li><a href="/a">Menu item</a></li></ul></nav>
  <main>
    <h1>Refund    policy</h1>
    <p>Refunds are
       possible within <b>30</b>	days.</p>
    <script>document.write("body script")</script>
    <noscript>Please enable JavaScript</noscript>
    <template><p>template text</p></template>
    <ul><li>One</li>
        <li>Two</li></ul>
    <div>A</div><div>B</div>
    <svg><text>svg text</text></svg>
    <iframe src="/x">iframe text</iframe>
  </main>
  <footer>Copyright 2024</footer>
</body></html>)";

TEST_CASE("HTML loses scripts, styles, navigation, header and footer", "[normalize][html]") {
  const std::string text = HtmlText(*MakeNormalizer(), kPolicyPage);
  for (std::string_view dropped :
       {"Refunds\n", "color", "head script", "body script", "Example Shop", "Menu item",
        "enable JavaScript", "template text", "svg text", "iframe text", "Copyright"}) {
    INFO(dropped);
    CHECK(text.find(dropped) == std::string::npos);
  }
}

TEST_CASE("HTML blocks become line breaks and whitespace is folded", "[normalize][html]") {
  CHECK(HtmlText(*MakeNormalizer(), kPolicyPage) ==
        "Refund policy\n\nRefunds are possible within 30 days.\n\nOne\nTwo\n\nA\nB");
}

TEST_CASE("A header inside an article is content, not page chrome", "[normalize][html]") {
  const std::string html =
      "<body><header>Site</header><article><header><h2>Title</h2></header><p>Body</p>"
      "<footer>Posted by Ann</footer></article></body>";
  CHECK(HtmlText(*MakeNormalizer(), html) == "Title\n\nBody\n\nPosted by Ann");
}

TEST_CASE("HTML line breaks, pre, and table cells", "[normalize][html]") {
  const auto normalizer = MakeNormalizer();
  CHECK(HtmlText(*normalizer, "<p>a<br>b<br/>c</p>") == "a\nb\nc");
  CHECK(HtmlText(*normalizer, "<p>x</p><pre>line1\n   line2</pre><p>y</p>") ==
        "x\n\nline1\nline2\n\ny");
  CHECK(HtmlText(*normalizer,
                 "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>") ==
        "k v\na 1");
}

TEST_CASE("Entities and no-break spaces are decoded and folded", "[normalize][html]") {
  CHECK(HtmlText(*MakeNormalizer(), "<p>Fish&nbsp;&amp;&nbsp;chips &eacute;t&#233;</p>") ==
        "Fish & chips \xC3\xA9t\xC3\xA9");
}

constexpr std::string_view kSelectPage = R"(<html><body>
  <div class="sidebar">Sidebar</div>
  <main>
    <article id="refund" class="policy current">Refund text</article>
    <section><article class="policy">Second article</article></section>
  </main>
  <div class="content wide"><p id="x">Paragraph X</p><p>Other</p></div>
  <article>Outside main</article>
</body></html>)";

TEST_CASE("XPath selects the part of the page that counts", "[normalize][select]") {
  CHECK(HtmlText(*MakeNormalizer(XPath("//main//article")), kSelectPage) ==
        "Refund text\n\nSecond article");
  CHECK(HtmlText(*MakeNormalizer(XPath("//p[@id='x']")), kSelectPage) == "Paragraph X");
}

TEST_CASE("An XPath that yields a string gives that string", "[normalize][select]") {
  CHECK(HtmlText(*MakeNormalizer(XPath("string(//article[@id='refund'])")), kSelectPage) ==
        "Refund text");
}

TEST_CASE("Nested selected nodes are not counted twice", "[normalize][select]") {
  CHECK(HtmlText(*MakeNormalizer(XPath("//div")), "<div>outer <div>inner</div></div>") ==
        "outer\ninner");
}

TEST_CASE("CSS selectors: type, class, id, descendant, child, lists", "[normalize][select]") {
  struct Case {
    std::string css;
    std::string text;
  };
  const std::vector<Case> cases = {
      {"article", "Refund text\n\nSecond article\n\nOutside main"},
      {".sidebar", "Sidebar"},
      {"#x", "Paragraph X"},
      {"main article", "Refund text\n\nSecond article"},
      {"main > article", "Refund text"},
      {"article.policy.current", "Refund text"},
      {"div.content #x", "Paragraph X"},
      {"#x, .sidebar", "Sidebar\n\nParagraph X"},
      {"[id=refund]", "Refund text"},
      {"article[class~=policy]", "Refund text\n\nSecond article"},
      {"p[id^=\"x\"]", "Paragraph X"},
  };
  for (const Case& c : cases) {
    INFO(c.css);
    CHECK(HtmlText(*MakeNormalizer(Css(c.css)), kSelectPage) == c.text);
  }
  // Element names are case-insensitive in HTML; class names are not.
  CHECK(HtmlText(*MakeNormalizer(Css("DIV.wide P")), kSelectPage) == "Paragraph X\n\nOther");
  CHECK(HtmlText(*MakeNormalizer(Css("div.WIDE p")), kSelectPage).empty());
}

TEST_CASE("A selector that matches nothing gives empty text, not an error", "[normalize]") {
  for (const SelectorSpec& select : {XPath("//table"), Css("main .missing")}) {
    const Normalizer::Result result =
        MakeNormalizer(select)->Normalize(kSelectPage, ContentKind::kHtml, "");
    CHECK(result.error == FetchError::kNone);
    CHECK(result.text.empty());
  }
}

TEST_CASE("Ignore patterns remove what must not count as a change", "[normalize][ignore]") {
  const auto normalizer = MakeNormalizer({}, {"Last updated: .*"});
  const std::string before =
      HtmlText(*normalizer, "<p>Policy text.</p><p>Last updated: 2024-05-01 10:00</p><p>End</p>");
  const std::string after =
      HtmlText(*normalizer, "<p>Policy text.</p><p>Last   updated: 2024-06-11 17:45</p><p>End</p>");
  CHECK(before == "Policy text.\n\nEnd");
  CHECK(after == before);
  CHECK(ContentHash(after) == ContentHash(before));
}

TEST_CASE("Several ignore patterns all apply, on every line", "[normalize][ignore]") {
  const auto normalizer = MakeNormalizer({}, {"^Build \\d+$", "\\(v\\d+\\)"});
  CHECK(NormalizeOk(*normalizer, "Build 41\nGuide (v3)\ntext\nBuild 42\n", ContentKind::kText) ==
        "Guide\ntext");
}

TEST_CASE("A change in markup only keeps the hash", "[normalize][hash]") {
  const auto normalizer = MakeNormalizer();
  const std::string a = HtmlText(*normalizer, "<p>Hello <b>world</b>, refunds in 30 days.</p>");
  const std::string b = HtmlText(
      *normalizer,
      "<div class=\"new\"><!-- redesign --><p style=\"x\">Hello   <strong>world</strong>,\n"
      "refunds in <span>30</span> days.</p></div><script>track()</script>");
  CHECK(a == b);
  CHECK(ContentHash(a) == ContentHash(b));
}

TEST_CASE("A change in text changes the hash", "[normalize][hash]") {
  const auto normalizer = MakeNormalizer();
  const std::string a = HtmlText(*normalizer, "<p>Refunds within 30 days.</p>");
  const std::string b = HtmlText(*normalizer, "<p>Refunds within 14 days.</p>");
  CHECK(a != b);
  CHECK(ContentHash(a) != ContentHash(b));
}

TEST_CASE("JSON is canonical: key order and spacing do not matter", "[normalize][json]") {
  const auto normalizer = MakeNormalizer();
  const std::string a = NormalizeOk(*normalizer, R"({"b": 1, "a": [1, 2, {"d": true, "c": null}]})",
                                    ContentKind::kJson);
  const std::string b =
      NormalizeOk(*normalizer, "{\n  \"a\" : [1,2,{\"c\":null,\"d\":true}],\n  \"b\":1\n}\n",
                  ContentKind::kJson);
  CHECK(a == R"({"a":[1,2,{"c":null,"d":true}],"b":1})");
  CHECK(a == b);
  const std::string changed = NormalizeOk(
      *normalizer, R"({"b": 2, "a": [1, 2, {"d": true, "c": null}]})", ContentKind::kJson);
  CHECK(ContentHash(changed) != ContentHash(a));
}

TEST_CASE("Malformed or absurdly nested JSON is a parse error", "[normalize][json]") {
  const auto normalizer = MakeNormalizer();
  const Normalizer::Result bad = normalizer->Normalize(R"({"a": 1,})", ContentKind::kJson, "");
  CHECK(bad.error == FetchError::kParse);
  CHECK_THAT(bad.message, Catch::Contains("malformed JSON"));
  const Normalizer::Result deep =
      normalizer->Normalize(std::string(100000, '['), ContentKind::kJson, "");
  CHECK(deep.error == FetchError::kParse);
  CHECK_THAT(deep.message, Catch::Contains("nested deeper"));
}

TEST_CASE("Invalid UTF-8 is replaced by U+FFFD, one per maximal subpart, and counted",
          "[normalize][decode]") {
  const std::string fffd = "\xEF\xBF\xBD";
  const auto normalizer = MakeNormalizer();
  const Normalizer::Result text = normalizer->Normalize(
      "abc\xFF"
      "def",
      ContentKind::kText, "");
  CHECK(text.error == FetchError::kNone);
  CHECK(text.text == "abc" + fffd + "def");
  CHECK(text.invalid_utf8 == 1);
  const Normalizer::Result html =
      normalizer->Normalize("<p>caf\xE9</p>", ContentKind::kHtml, "utf-8");
  CHECK(html.error == FetchError::kNone);
  CHECK(html.text == "caf" + fffd);
  CHECK(html.invalid_utf8 == 1);
  const Normalizer::Result xml = normalizer->Normalize("<r>a\x80z</r>", ContentKind::kXml, "");
  CHECK(xml.text == "a" + fffd + "z");
  const Normalizer::Result json =
      normalizer->Normalize("{\"k\": \"a\xC3z\"}", ContentKind::kJson, "");
  CHECK(json.text == "{\"k\":\"a" + fffd + "z\"}");
  CHECK(json.invalid_utf8 == 1);

  struct Case {
    std::string bytes;
    std::size_t replacements;
  };
  const std::vector<Case> malformed = {
      {"\xC0\xAF", 2},              // overlong '/': no lead byte, then a lone continuation
      {"\xE0\x80\xAF", 3},          // overlong, three bytes
      {"\xED\xA0\x80", 3},          // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", 4},      // above U+10FFFF
      {"\xE2\x82", 1},              // truncated at the end: one maximal subpart
      {"\xF0\x9F\x98z", 1},         // truncated before an ASCII byte, which is kept
      {"\xE2\x82\xE2\x82\xAC", 1},  // truncated, then a whole euro sign
  };
  for (const Case& c : malformed) {
    const Normalizer::Result result =
        normalizer->Normalize("ok " + c.bytes, ContentKind::kMarkdown, "");
    INFO(result.text);
    CHECK(result.error == FetchError::kNone);
    CHECK(result.invalid_utf8 == c.replacements);
  }
  CHECK(normalizer->Normalize("ok \xF0\x9F\x98z", ContentKind::kText, "").text ==
        "ok " + fffd + "z");
  CHECK(normalizer->Normalize("\xE2\x82\xE2\x82\xAC", ContentKind::kText, "").text ==
        fffd + "\xE2\x82\xAC");
  const Normalizer::Result valid =
      normalizer->Normalize("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E", ContentKind::kText, "");
  CHECK(valid.text == "h\xC3\xA9llo \xE2\x82\xAC \xF0\x9D\x84\x9E");
  CHECK(valid.invalid_utf8 == 0);
}

TEST_CASE("A second byte order mark is dropped so that normalized text stays as it is",
          "[normalize][decode]") {
  auto normalizer = MakeNormalizer();
  const std::string fffd = "\xEF\xBF\xBD";
  // The first mark is the encoding's, the second one text: neither survives.
  const Normalizer::Result once =
      normalizer->Normalize("\xEF\xBB\xBF\xEF\xBB\xBF\x8F[", ContentKind::kText, "");
  CHECK(once.text == fffd + "[");
  CHECK(normalizer->Normalize(once.text, ContentKind::kText, "").text == once.text);
  CHECK(normalizer->Normalize("zero\xEF\xBB\xBFwidth", ContentKind::kText, "").text == "zerowidth");
}

TEST_CASE("Invalid UTF-8 with a NUL byte is still binary data", "[normalize][decode]") {
  const Normalizer::Result result =
      MakeNormalizer()->Normalize(std::string("caf\xE9 \0 menu", 11), ContentKind::kText, "");
  CHECK(result.error == FetchError::kParse);
  CHECK_THAT(result.message, Catch::Contains("NUL byte"));
}

TEST_CASE("Binary data is a parse error", "[normalize][decode]") {
  const auto normalizer = MakeNormalizer();
  const std::string png("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16);
  const Normalizer::Result nul = normalizer->Normalize(png, ContentKind::kHtml, "");
  CHECK(nul.error == FetchError::kParse);
  CHECK_THAT(nul.message, Catch::Contains("NUL byte at byte offset 8"));
  const Normalizer::Result controls =
      normalizer->Normalize("\x01\x02\x03\x04text\x05\x06", ContentKind::kText, "");
  CHECK(controls.error == FetchError::kParse);
  CHECK_THAT(controls.message, Catch::Contains("binary data"));
}

TEST_CASE("Latin-1 HTML decodes when its charset is declared", "[normalize][decode]") {
  const auto normalizer = MakeNormalizer();
  CHECK(NormalizeOk(*normalizer, "<p>caf\xE9 cr\xE8me</p>", ContentKind::kHtml, "ISO-8859-1") ==
        "caf\xC3\xA9 cr\xC3\xA8me");
  CHECK(NormalizeOk(*normalizer,
                    "<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf\xE9</p></body>",
                    ContentKind::kHtml) == "caf\xC3\xA9");
  CHECK(NormalizeOk(*normalizer,
                    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=latin1\">"
                    "<p>\x93quoted\x94 \x80</p>",
                    ContentKind::kHtml) == "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC");
  CHECK(NormalizeOk(*normalizer, "caf\xE9", ContentKind::kText, "iso-8859-1") == "caf\xC3\xA9");
  CHECK(normalizer->Normalize("<p>caf\xE9</p>", ContentKind::kHtml, "latin1").invalid_utf8 == 0);
}

TEST_CASE("An unknown charset is a parse error", "[normalize][decode]") {
  const Normalizer::Result result =
      MakeNormalizer()->Normalize("<p>x</p>", ContentKind::kHtml, "x-no-such-charset");
  CHECK(result.error == FetchError::kParse);
  CHECK_THAT(result.message, Catch::Contains("unsupported charset"));
}

TEST_CASE("Invalid regex, XPath or CSS make Create fail", "[normalize][create]") {
  CHECK_THAT(CreateError({}, {"Last updated: (.*"}), Catch::Contains("invalid ignore pattern"));
  CHECK_THAT(CreateError(XPath("//div[")), Catch::Contains("invalid XPath"));
  CHECK_THAT(CreateError(XPath("//div[no-such-function()]")), Catch::Contains("invalid XPath"));
  CHECK_THAT(CreateError(XPath("//x:div")), Catch::Contains("invalid XPath"));
  CHECK_THAT(CreateError(XPath("")), Catch::Contains("invalid XPath"));
  CHECK_THAT(CreateError(XPath("//p[x:span]")), Catch::Contains("unbound namespace prefix"));
  CHECK_THAT(CreateError(XPath("//p[$limit]")), Catch::Contains("variables"));
  CHECK_THAT(CreateError(Css("a:hover")), Catch::Contains("invalid CSS selector"));
  CHECK_THAT(CreateError(Css("div >")), Catch::Contains("invalid CSS selector"));
  CHECK_THAT(CreateError(Css("")), Catch::Contains("invalid CSS selector"));
  CHECK_THAT(CreateError(Css(".1x")), Catch::Contains("invalid CSS selector"));
  CHECK_THAT(CreateError(Css("div + p")), Catch::Contains("invalid CSS selector"));
}

TEST_CASE("Create accepts the XPath 1.0 that pages need", "[normalize][create]") {
  for (const char* xpath :
       {"//div[contains(concat(' ',normalize-space(@class),' '),' a ') and position() = 1]/text()",
        "count(//p) div 2", "//*[local-name()='loc' or name() = 'x']",
        "//p[2]/following-sibling::*[1]", "//@href",
        "//processing-instruction('x') | //comment() | //node()", "//div[@id='a-b'] | ../x",
        "string(//h1[not(@hidden)])", "//td[. * 2 > 3 mod 2]", "//*[@xml:lang='en']"}) {
    INFO(xpath);
    auto normalizer = Normalizer::Create(XPath(xpath), {});
    INFO(normalizer.status().ToString());
    CHECK(normalizer.ok());
  }
}

TEST_CASE("Create gives a normalizer or the reason there is none", "[normalize][create]") {
  auto broken = Normalizer::Create(XPath("//["), {});
  CHECK(broken.status().IsInvalidArgument());
  auto valid = Normalizer::Create(XPath("//p"), {});
  REQUIRE(valid.ok());
  CHECK(*valid != nullptr);
}

TEST_CASE("A pathological ignore pattern fails instead of hanging", "[normalize][ignore]") {
  // Nested quantifiers: 2^5000 ways to fail at the first position without a match limit.
  const auto normalizer = MakeNormalizer({}, {"(a+)+$"});
  const Normalizer::Result result =
      normalizer->Normalize(std::string(5000, 'a') + "c", ContentKind::kText, "");
  CHECK(result.error == FetchError::kParse);
  CHECK_THAT(result.message, Catch::Contains("ignore pattern \"(a+)+$\" failed"));
  CHECK_THAT(result.message, Catch::Contains("limit"));
}

TEST_CASE("Text and Markdown stay as they are, apart from whitespace", "[normalize][text]") {
  const auto normalizer = MakeNormalizer();
  CHECK(NormalizeOk(*normalizer, "\xEF\xBB\xBF  # Title \t here  \r\n\r\n\r\n\n  body  text\n",
                    ContentKind::kMarkdown) == "# Title here\n\nbody text");
  CHECK(NormalizeOk(*normalizer, "<b>not html</b>", ContentKind::kText) == "<b>not html</b>");
  CHECK(NormalizeOk(*normalizer, "", ContentKind::kHtml).empty());
}

TEST_CASE("XML gives its text, and XPath selects in it", "[normalize][xml]") {
  const std::string xml =
      "<?xml version=\"1.0\"?><doc><title>Rates</title><rate id=\"a\">1.5</rate>"
      "<rate id=\"b\">2.5</rate><!-- note --></doc>";
  CHECK(NormalizeOk(*MakeNormalizer(), xml, ContentKind::kXml) == "Rates 1.5 2.5");
  CHECK(NormalizeOk(*MakeNormalizer(XPath("//rate[@id='b']")), xml, ContentKind::kXml) == "2.5");
  const Normalizer::Result bad =
      MakeNormalizer()->Normalize("<doc><a></doc>", ContentKind::kXml, "");
  CHECK(bad.error == FetchError::kParse);
  CHECK_THAT(bad.message, Catch::Contains("malformed XML"));
}

TEST_CASE("XML external entities are never expanded", "[normalize][xml]") {
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY secret SYSTEM \"file:///etc/passwd\">]>"
      "<d>before &secret; after</d>";
  const Normalizer::Result result = MakeNormalizer()->Normalize(xxe, ContentKind::kXml, "");
  if (result.error == FetchError::kNone) {
    CHECK(result.text.find("root:") == std::string::npos);
    CHECK(result.text == "before after");
  }
}

TEST_CASE("An entity expansion bomb does not blow up", "[normalize][xml]") {
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol0 \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) bomb += "&lol" + std::to_string(i - 1) + ";";
    bomb += "\">";
  }
  bomb += "]><lolz>&lol9;</lolz>";
  const Normalizer::Result result = MakeNormalizer()->Normalize(bomb, ContentKind::kXml, "");
  CHECK(result.text.size() < 1000);
}

TEST_CASE("DetectContentKind reads Content-Type, then the extension", "[normalize][kind]") {
  CHECK(DetectContentKind("text/html; charset=utf-8", "https://x/a.json") == ContentKind::kHtml);
  CHECK(DetectContentKind("application/xhtml+xml", "") == ContentKind::kHtml);
  CHECK(DetectContentKind("application/json", "") == ContentKind::kJson);
  CHECK(DetectContentKind("application/ld+json", "") == ContentKind::kJson);
  CHECK(DetectContentKind("text/markdown", "") == ContentKind::kMarkdown);
  CHECK(DetectContentKind("application/xml", "") == ContentKind::kXml);
  CHECK(DetectContentKind("Text/XML", "") == ContentKind::kXml);
  CHECK(DetectContentKind("application/atom+xml", "") == ContentKind::kXml);
  CHECK(DetectContentKind("text/plain", "https://x/page.html") == ContentKind::kText);
  CHECK(DetectContentKind("", "/srv/handbook/guide.md") == ContentKind::kMarkdown);
  CHECK(DetectContentKind("", "https://x/doc.HTM?x=1#top") == ContentKind::kHtml);
  CHECK(DetectContentKind("application/octet-stream", "data.json") == ContentKind::kJson);
  CHECK(DetectContentKind("", "feed.xml") == ContentKind::kXml);
  CHECK(DetectContentKind("", "notes.txt") == ContentKind::kText);
  CHECK(DetectContentKind("", "https://x.example/dir.d/file") == ContentKind::kText);
  CHECK(DetectContentKind("image/png", "a.html") == ContentKind::kText);
}

TEST_CASE("ContentHash is XXH3-128 as 32 lowercase hex digits", "[normalize][hash]") {
  // Reference values from `xxhsum -H2` (xxHash 0.8.1).
  CHECK(ContentHash("abc") == "06b05ab6733a618578af5f94892f3950");
  CHECK(ContentHash("") == "99aa06d3014798d86001c324468d497f");
  CHECK(ContentHash("hello world") == "df8d09e93f874900a99b8775cc15b6c7");
  const std::string hash = ContentHash("Refund policy");
  CHECK(hash.size() == 32);
  CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(ContentHash("Refund policy") == hash);
}

TEST_CASE("One normalizer serves many threads at once", "[normalize][threads]") {
  const auto normalizer = MakeNormalizer(Css("main article"), {"Last updated: .*"});
  const std::string expected = HtmlText(*normalizer, kSelectPage);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Normalizer::Result result =
            normalizer->Normalize(kSelectPage, ContentKind::kHtml, "");
        if (result.error != FetchError::kNone || result.text != expected) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

}  // namespace
}  // namespace freshd::watchers
