// DetectFormat: magic bytes over what the server says, then the Content-Type and extension.
#include <catch2/catch.hpp>
#include <string>

#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using freshd::formats::DetectFormat;
using freshd::formats::Format;
namespace fixtures = freshd::testing;

std::string Bytes(const char* data, std::size_t size) { return std::string(data, size); }

// The first bytes of real files, then filler: enough for the signatures.
std::string Png() {
  return Bytes("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0", 29) +
         std::string(64, 'x');
}
std::string Gzip() {
  return Bytes("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9\xc9\x07\x00", 17);
}
std::string Elf() {
  return Bytes(
             "\x7f"
             "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0\x01\0\0\0",
             24) +
         std::string(200, '\0');
}

}  // namespace

TEST_CASE("a PDF is read as a PDF whatever the Content-Type and name say") {
  const std::string pdf = fixtures::MakePdf({{"Refund policy."}});
  CHECK(DetectFormat("text/html; charset=utf-8", "https://example.com/page.html", pdf) ==
        Format::kPdf);
  CHECK(DetectFormat("application/octet-stream", "", pdf) == Format::kPdf);
}

TEST_CASE("a zip is told by its members: DOCX PPTX ODT and ODP") {
  const std::string type = "application/zip";
  CHECK(DetectFormat(type, "a.bin", fixtures::MakeDocx({fixtures::Paragraph("x")})) ==
        Format::kDocx);
  CHECK(DetectFormat(type, "a.bin", fixtures::MakePptx({{"x"}})) == Format::kPptx);
  CHECK(DetectFormat(type, "a.bin", fixtures::MakeOdt({fixtures::Paragraph("x")})) == Format::kOdt);
  CHECK(DetectFormat(type, "a.bin", fixtures::MakeOdp({{"x"}})) == Format::kOdp);
}

TEST_CASE("any other zip is unsupported even when named as a document") {
  const std::string zip = fixtures::MakeZip({{"notes.txt", "hello"}, {"word/other.xml", "<a/>"}});
  CHECK(DetectFormat("", "archive.zip", zip) == Format::kUnsupported);
  CHECK(DetectFormat("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "report.docx", zip) == Format::kUnsupported);
}

TEST_CASE("images archives and executables are unsupported whatever they are called") {
  CHECK(DetectFormat("image/png", "a.png", Png()) == Format::kUnsupported);
  CHECK(DetectFormat("application/pdf", "a.pdf", Png()) == Format::kUnsupported);
  CHECK(DetectFormat("text/html", "index.html", Gzip()) == Format::kUnsupported);
  CHECK(DetectFormat("", "tool", Elf()) == Format::kUnsupported);
  CHECK(DetectFormat("text/plain", "", std::string("abc\0def", 7)) == Format::kUnsupported);
}

TEST_CASE("a text body is text whatever the Content-Type and name say") {
  const std::string html =
      "<!doctype html><html><body><p>Refunds within 30 days.</p></body></html>";
  CHECK(DetectFormat("application/pdf", "https://example.com/policy.pdf", html) == Format::kText);
  CHECK(DetectFormat("application/vnd.oasis.opendocument.text", "a.odt", "{\"a\": 1}") ==
        Format::kText);
  CHECK(DetectFormat("", "", "plain words") == Format::kText);
  // Starts like a bzip2 or RAR signature: libmagic is asked, and says text.
  CHECK(DetectFormat("", "", "BZh is how this sentence starts.\n") == Format::kText);
  CHECK(DetectFormat("", "", "Rar! said the lion, and the sentence went on.\n") == Format::kText);
}

TEST_CASE("text in UTF-16 with its NUL bytes is text not unsupported") {
  const std::string utf16 = Bytes("\xff\xfeR\0e\0f\0u\0n\0d\0s\0 \0a\0r\0e\0 \0o\0k\0\n\0", 30);
  CHECK(DetectFormat("text/plain", "", utf16) == Format::kText);
}

TEST_CASE("an empty or truncated body is named by its Content-Type then its extension") {
  CHECK(DetectFormat("application/pdf", "", "") == Format::kPdf);
  CHECK(DetectFormat("Application/PDF; qs=1", "a.html", "") == Format::kPdf);
  CHECK(DetectFormat("text/html", "https://example.com/files/Policy.PDF?v=2#p3", "") ==
        Format::kPdf);
  CHECK(DetectFormat("", "/srv/docs/handbook.odp", "%P") == Format::kOdp);
  CHECK(DetectFormat("", "https://example.com/a.pptx", "") == Format::kPptx);
  CHECK(DetectFormat("", "https://example.com/dir.docx/", "") == Format::kText);
  CHECK(DetectFormat("", "", "") == Format::kText);

  const std::string cut = fixtures::MakeDocx({fixtures::Paragraph("x")}).substr(0, 100);
  CHECK(DetectFormat("", "report.docx", cut) == Format::kDocx);
  CHECK(DetectFormat("", "report", cut) == Format::kUnsupported);
}

TEST_CASE("formats have stable names") {
  CHECK(ToString(Format::kText) == "text");
  CHECK(ToString(Format::kPdf) == "pdf");
  CHECK(ToString(Format::kDocx) == "docx");
  CHECK(ToString(Format::kPptx) == "pptx");
  CHECK(ToString(Format::kOdt) == "odt");
  CHECK(ToString(Format::kOdp) == "odp");
  CHECK(ToString(Format::kUnsupported) == "unsupported");
}
