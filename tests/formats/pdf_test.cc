// PDF extraction: text by page in reading order, stable across re-exports, and the
// encrypted, damaged and long cases.
#include <poppler-document.h>
#include <poppler-page.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using freshd::formats::Extract;
using freshd::formats::Extracted;
using freshd::formats::Format;
namespace fixtures = freshd::testing;

const std::string kLong =
    "Refunds are paid within thirty days of the request, to the card or account that paid, "
    "and the customer is told by mail when the money leaves.";

std::vector<fixtures::PdfPage> Policy() {
  return {{"Refund policy", kLong, "Exceptions (see below)."},
          {"Window", "Requests after ninety days are refused."},
          {"Contact", "Write to support."}};
}

Extracted MustExtract(const std::string& body, freshd::formats::ExtractLimits limits = {}) {
  auto extracted = Extract(Format::kPdf, body, limits);
  INFO(extracted.status().ToString());
  REQUIRE(extracted.ok());
  return *extracted;
}

}  // namespace

TEST_CASE("PDF text comes out page by page with paragraphs in order") {
  const Extracted extracted = MustExtract(fixtures::MakePdf(Policy()));
  CHECK(extracted.pages == 3);
  CHECK_FALSE(extracted.truncated);
  REQUIRE(extracted.sections.size() == 3);
  CHECK(extracted.sections[0].page == 1);
  CHECK(extracted.sections[0].heading.empty());
  // The long paragraph is wrapped over two lines in the file: one paragraph here.
  CHECK(extracted.sections[0].text == "Refund policy\n\n" + kLong + "\n\nExceptions (see below).");
  CHECK(extracted.sections[1].page == 2);
  CHECK(extracted.sections[1].text == "Window\n\nRequests after ninety days are refused.");
  CHECK(extracted.sections[2].page == 3);
  CHECK(extracted.sections[2].text == "Contact\n\nWrite to support.");
}

TEST_CASE("PDF paragraphs in two columns each stay whole") {
  fixtures::PdfOptions options;
  options.two_columns = true;
  const std::vector<std::string> paragraphs = {
      "Left first: refunds are paid within thirty days of the request.",
      "Right first: exchanges are free for unworn goods with a receipt.",
      "Left second: requests after ninety days are refused.",
      "Right second: write to support for anything else."};
  const Extracted extracted = MustExtract(fixtures::MakePdf({paragraphs}, options));
  REQUIRE(extracted.sections.size() == 1);
  const std::string text = "\n\n" + extracted.sections[0].text + "\n\n";
  for (const std::string& paragraph : paragraphs) {
    INFO(extracted.sections[0].text);
    CHECK(text.find("\n\n" + paragraph + "\n\n") != std::string::npos);
  }
}

TEST_CASE("a PDF re-made with another producer date and object order gives the same text") {
  const std::string first = fixtures::MakePdf(Policy());
  fixtures::PdfOptions options;
  options.producer = "Another Writer 9.1";
  options.creation_date = "D:20251111093000+01'00'";
  options.reversed_objects = true;
  const std::string second = fixtures::MakePdf(Policy(), options);
  REQUIRE(first != second);
  const Extracted a = MustExtract(first), b = MustExtract(second);
  REQUIRE(a.sections.size() == b.sections.size());
  for (std::size_t i = 0; i < a.sections.size(); ++i) {
    CHECK(a.sections[i].page == b.sections[i].page);
    CHECK(a.sections[i].text == b.sections[i].text);
  }
}

TEST_CASE("one edited PDF paragraph changes only its page's section") {
  std::vector<fixtures::PdfPage> edited = Policy();
  edited[1][1] = "Requests after sixty days are refused.";
  const Extracted a = MustExtract(fixtures::MakePdf(Policy()));
  const Extracted b = MustExtract(fixtures::MakePdf(edited));
  REQUIRE(a.sections.size() == 3);
  REQUIRE(b.sections.size() == 3);
  CHECK(a.sections[0].text == b.sections[0].text);
  CHECK(a.sections[1].text != b.sections[1].text);
  CHECK(b.sections[1].text == "Window\n\nRequests after sixty days are refused.");
  CHECK(a.sections[2].text == b.sections[2].text);
}

TEST_CASE("an encrypted PDF is refused as PermissionDenied") {
  const auto extracted = Extract(Format::kPdf, fixtures::MakeEncryptedPdf(Policy()), {});
  REQUIRE_FALSE(extracted.ok());
  CHECK(extracted.status().IsPermissionDenied());
  CHECK(extracted.status().message() == "encrypted PDF (no password tried)");
}

TEST_CASE("the encrypted fixture is really encrypted: Poppler reads it with its password only") {
  const std::string pdf = fixtures::MakeEncryptedPdf({{"Secret refund rules."}}, "hunter2");
  const auto open = [&pdf](const std::string& password) {
    return std::unique_ptr<poppler::document>(poppler::document::load_from_raw_data(
        pdf.data(), static_cast<int>(pdf.size()), "", password));
  };
  const auto locked = open("");
  REQUIRE(locked != nullptr);
  CHECK(locked->is_locked());
  const auto unlocked = open("hunter2");
  REQUIRE(unlocked != nullptr);
  REQUIRE_FALSE(unlocked->is_locked());
  const std::unique_ptr<poppler::page> page(unlocked->create_page(0));
  REQUIRE(page != nullptr);
  const poppler::byte_array text = page->text().to_utf8();
  CHECK(std::string(text.begin(), text.end()).find("Secret refund rules.") != std::string::npos);
}

TEST_CASE("a damaged PDF is InvalidArgument and the libraries write nothing to stderr") {
  std::FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  dup2(fileno(capture), STDERR_FILENO);
  const auto damaged = Extract(Format::kPdf, fixtures::MakeDamagedPdf(), {});
  const auto garbage = Extract(Format::kPdf, "%PDF-1.7\n1 0 obj << /Type /Catalog", {});
  const auto bad_xml = Extract(
      Format::kDocx, fixtures::MakeZip({{"word/document.xml", "<w:document><w:body><w:p>"}}), {});
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::fseek(capture, 0, SEEK_END);  // the file's size: what went to descriptor 2
  const long written = std::ftell(capture);
  std::fclose(capture);

  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().IsInvalidArgument());
  CHECK(damaged.status().message().starts_with("damaged PDF"));
  REQUIRE_FALSE(garbage.ok());
  CHECK(garbage.status().IsInvalidArgument());
  CHECK(bad_xml.status().IsInvalidArgument());
  CHECK(written == 0);
}

TEST_CASE("PDF pages after max_pages are left out and the result says so") {
  std::vector<fixtures::PdfPage> pages;
  for (int i = 1; i <= 5; ++i) pages.push_back({"Page " + std::to_string(i) + " text."});
  const Extracted extracted = MustExtract(fixtures::MakePdf(pages), {.max_pages = 2});
  CHECK(extracted.pages == 5);
  CHECK(extracted.truncated);
  REQUIRE(extracted.sections.size() == 2);
  CHECK(extracted.sections[1].page == 2);
  CHECK(extracted.sections[1].text == "Page 2 text.");
}
