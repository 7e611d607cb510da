// Bounded work: zip bombs, the text cap, the page cap, and any input without a crash.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using freshd::formats::Extract;
using freshd::formats::ExtractLimits;
using freshd::formats::Format;
namespace fixtures = freshd::testing;

long PeakResidentKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

bool ValidUtf8(const std::string& text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80         ? 1
                               : (lead >> 5) == 6  ? 2
                               : (lead >> 4) == 14 ? 3
                               : (lead >> 3) == 30 ? 4
                                                   : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

TEST_CASE("a zip bomb fails with ResourceExhausted without unzipping the bomb") {
  const std::string bomb = fixtures::MakeZipBomb();  // 1 GiB of spaces
  REQUIRE(bomb.size() < (4u << 20));
  REQUIRE(freshd::formats::DetectFormat("", "", bomb) == Format::kDocx);
  const long before = PeakResidentKiB();
  const auto extracted = Extract(Format::kDocx, bomb, {});  // the default caps: 64 MiB
  const long grown_kib = PeakResidentKiB() - before;
  REQUIRE_FALSE(extracted.ok());
  CHECK(extracted.status().IsResourceExhausted());
  CHECK(extracted.status().message().find("word/document.xml") != std::string::npos);
  // The 64 MiB cap, with the string's growth, is well under the gigabyte of the bomb.
  CHECK(grown_kib < 256 * 1024);
}

TEST_CASE("members that together unzip past the total cap fail with ResourceExhausted") {
  std::vector<fixtures::Slide> slides(4, fixtures::Slide{std::string(3000, 'x')});
  const std::string pptx = fixtures::MakePptx(slides);
  ExtractLimits limits;
  limits.max_total_unzipped = 8000;  // each slide is about 3 KiB, all four are more
  CHECK(Extract(Format::kPptx, pptx, limits).status().IsResourceExhausted());
  limits.max_total_unzipped = 64000;
  CHECK(Extract(Format::kPptx, pptx, limits).ok());
}

TEST_CASE("max_bytes cuts the text on a character boundary and says truncated") {
  // Slides rather than one DOCX: max_bytes also caps each zip member, and a slide's XML
  // (about 600 bytes here) stays under the caps tried while all the text goes past them.
  std::vector<fixtures::Slide> slides;
  for (int i = 0; i < 10; ++i) {
    slides.push_back({std::string(140, 'a') + "\xc3\xa9\xc3\xa9\xc3\xa9 " + std::to_string(i)});
  }
  const std::string pptx = fixtures::MakePptx(slides);
  const auto whole = Extract(Format::kPptx, pptx, {});
  REQUIRE(whole.ok());
  REQUIRE(whole->sections.size() == 10);
  for (const std::uint64_t cap : {900, 1010, 1011, 1012, 1013, 1200}) {
    ExtractLimits limits;
    limits.max_bytes = cap;
    const auto cut = Extract(Format::kPptx, pptx, limits);
    INFO("cap " << cap << ": " << cut.status().ToString());
    REQUIRE(cut.ok());
    CHECK(cut->truncated);
    REQUIRE_FALSE(cut->sections.empty());
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < cut->sections.size(); ++i) {
      const std::string& text = cut->sections[i].text;
      total += text.size();
      CHECK(ValidUtf8(text));
      if (i + 1 < cut->sections.size())
        CHECK(text == whole->sections[i].text);
      else
        CHECK(whole->sections[i].text.starts_with(text));
    }
    CHECK(total <= cap);
    CHECK(total + 4 > cap);
  }
}

TEST_CASE("slides after max_pages are left out for PPTX and ODP") {
  std::vector<fixtures::Slide> slides;
  for (int i = 1; i <= 4; ++i) slides.push_back({"Slide " + std::to_string(i)});
  ExtractLimits limits;
  limits.max_pages = 3;
  for (const auto& [format, body] : {std::pair{Format::kPptx, fixtures::MakePptx(slides)},
                                     std::pair{Format::kOdp, fixtures::MakeOdp(slides)}}) {
    INFO(ToString(format));
    const auto extracted = Extract(format, body, limits);
    REQUIRE(extracted.ok());
    CHECK(extracted->pages == 4);
    CHECK(extracted->truncated);
    REQUIRE(extracted->sections.size() == 3);
    CHECK(extracted->sections.back().text == "Slide 3");
  }
}

TEST_CASE("cut and corrupted documents fail cleanly or extract and never crash") {
  const std::vector<std::pair<Format, std::string>> documents = {
      {Format::kPdf, fixtures::MakePdf({{"One paragraph."}, {"Another page."}})},
      {Format::kDocx, fixtures::MakeDocx({fixtures::Heading(1, "H"), fixtures::Paragraph("p")})},
      {Format::kPptx, fixtures::MakePptx({{"a"}, {"b"}})},
      {Format::kOdt, fixtures::MakeOdt({fixtures::Heading(1, "H"), fixtures::Paragraph("p")})},
      {Format::kOdp, fixtures::MakeOdp({{"a"}, {"b"}})}};
  std::mt19937 random(12);
  std::size_t failures = 0, runs = 0;
  for (const auto& [format, body] : documents) {
    for (std::size_t length = 0; length < body.size(); length += 7) {
      failures += Extract(format, body.substr(0, length), {}).ok() ? 0 : 1;
      ++runs;
    }
    for (int round = 0; round < 50; ++round) {
      std::string corrupted = body;
      for (int k = 0; k < 4; ++k)
        corrupted[random() % corrupted.size()] = static_cast<char>(random());
      failures += Extract(format, corrupted, {}).ok() ? 0 : 1;
      ++runs;
    }
  }
  // Reaching here without a crash is the point; most cut documents are refused.
  CHECK(failures > runs / 2);
}
