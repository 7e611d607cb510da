// DOCX, PPTX, ODT and ODP: paragraphs, headings, lists and tables in order, sections per
// heading or slide.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using freshd::formats::Extract;
using freshd::formats::Extracted;
using freshd::formats::Format;
namespace fixtures = freshd::testing;
using fixtures::Block;

std::vector<Block> Handbook(const std::string& window_text = "Thirty days from delivery.") {
  return {fixtures::Paragraph("Welcome to the handbook."),
          fixtures::Heading(1, "Refunds"),
          fixtures::Paragraph("Paid to the card\tthat paid."),
          fixtures::Heading(2, "Window"),
          fixtures::Paragraph(window_text),
          fixtures::ListItem("Unworn goods"),
          fixtures::ListItem("With a receipt"),
          fixtures::Heading(2, "Exceptions"),
          fixtures::Table({{"Item", "Rule"}, {"Sale", "No refund"}}),
          fixtures::Heading(1, "Contact"),
          fixtures::Paragraph("Write to us\nor call.")};
}

Extracted MustExtract(Format format, const std::string& body) {
  auto extracted = Extract(format, body, {});
  INFO(extracted.status().ToString());
  REQUIRE(extracted.ok());
  return *extracted;
}

void CheckHandbook(const Extracted& extracted) {
  CHECK_FALSE(extracted.truncated);
  REQUIRE(extracted.sections.size() == 5);
  CHECK(extracted.sections[0].heading == "");
  CHECK(extracted.sections[0].text == "Welcome to the handbook.");
  CHECK(extracted.sections[1].heading == "Refunds");
  CHECK(extracted.sections[1].text == "Refunds\n\nPaid to the card that paid.");
  CHECK(extracted.sections[2].heading == "Refunds > Window");
  CHECK(extracted.sections[2].text ==
        "Window\n\nThirty days from delivery.\n\n- Unworn goods\n\n- With a receipt");
  CHECK(extracted.sections[3].heading == "Refunds > Exceptions");
  CHECK(extracted.sections[3].text == "Exceptions\n\nItem | Rule\nSale | No refund");
  CHECK(extracted.sections[4].heading == "Contact");
  CHECK(extracted.sections[4].text == "Contact\n\nWrite to us\nor call.");
  for (const auto& section : extracted.sections) CHECK(section.page == 0);
}

std::vector<fixtures::Slide> Deck(int count) {
  std::vector<fixtures::Slide> slides;
  for (int i = 1; i <= count; ++i) {
    slides.push_back({"Slide " + std::to_string(i), "Point " + std::to_string(i)});
  }
  return slides;
}

void CheckDeck(const Extracted& extracted, int count) {
  CHECK(extracted.pages == static_cast<std::uint32_t>(count));
  REQUIRE(extracted.sections.size() == static_cast<std::size_t>(count));
  for (int i = 1; i <= count; ++i) {
    const auto& section = extracted.sections[i - 1];
    CHECK(section.page == static_cast<std::uint32_t>(i));
    CHECK(section.text == "Slide " + std::to_string(i) + "\n\nPoint " + std::to_string(i));
  }
}

}  // namespace

TEST_CASE("DOCX text comes out in order with heading paths lists and tables") {
  CheckHandbook(MustExtract(Format::kDocx, fixtures::MakeDocx(Handbook())));
}

TEST_CASE("ODT text comes out in order with heading paths lists and tables") {
  CheckHandbook(MustExtract(Format::kOdt, fixtures::MakeOdt(Handbook())));
}

TEST_CASE("one edited DOCX or ODT paragraph changes only its section") {
  for (const Format format : {Format::kDocx, Format::kOdt}) {
    const auto make = format == Format::kDocx ? fixtures::MakeDocx : fixtures::MakeOdt;
    const Extracted a = MustExtract(format, make(Handbook()));
    const Extracted b = MustExtract(format, make(Handbook("Sixty days from delivery.")));
    REQUIRE(a.sections.size() == b.sections.size());
    for (std::size_t i = 0; i < a.sections.size(); ++i) {
      INFO(ToString(format) << " section " << i);
      CHECK(a.sections[i].heading == b.sections[i].heading);
      CHECK((a.sections[i].text == b.sections[i].text) == (i != 2));
    }
  }
}

TEST_CASE("PPTX slides come out in slide order with their numbers") {
  // Eleven slides: slide10 and slide11 sort after slide9 by number, not by name; the
  // writer stores them in reverse, so the zip's order says nothing either.
  CheckDeck(MustExtract(Format::kPptx, fixtures::MakePptx(Deck(11))), 11);
}

TEST_CASE("ODP pages come out in order with their numbers and without speaker notes") {
  const Extracted extracted = MustExtract(Format::kOdp, fixtures::MakeOdp(Deck(3)));
  CheckDeck(extracted, 3);
  for (const auto& section : extracted.sections) {
    CHECK(section.text.find("speaker notes") == std::string::npos);
  }
}

TEST_CASE("a zip document that is damaged or lacks its content is InvalidArgument") {
  const std::string docx = fixtures::MakeDocx(Handbook());
  for (const Format format : {Format::kDocx, Format::kPptx, Format::kOdt, Format::kOdp}) {
    INFO(ToString(format));
    CHECK(Extract(format, docx.substr(0, docx.size() / 2), {}).status().IsInvalidArgument());
    CHECK(Extract(format, "not a zip at all", {}).status().IsInvalidArgument());
  }
  // A DOCX's zip holds no content.xml: an ODT it is not.
  CHECK(Extract(Format::kOdt, docx, {}).status().IsInvalidArgument());
  const std::string broken_xml = fixtures::MakeZip({{"word/document.xml", "<w:document><w:body>"}});
  CHECK(Extract(Format::kDocx, broken_xml, {}).status().IsInvalidArgument());
}

TEST_CASE("text and unsupported bodies have no extraction") {
  CHECK(Extract(Format::kText, "<p>hi</p>", {}).status().IsInvalidArgument());
  CHECK(Extract(Format::kUnsupported, "\x89PNG", {}).status().IsInvalidArgument());
}
