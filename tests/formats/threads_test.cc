// formats.h promises pure functions callable from any thread: several threads at once get
// what one thread gets (libmagic's handle is per thread; Poppler and libxml2 are shared).
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using freshd::formats::DetectFormat;
using freshd::formats::Extract;
using freshd::formats::Format;
namespace fixtures = freshd::testing;

// Every section's text, for comparing two extractions.
std::string Flatten(Format format, const std::string& body) {
  const auto extracted = Extract(format, body, {});
  if (!extracted.ok()) return extracted.status().ToString();
  std::string out;
  for (const auto& section : extracted->sections) {
    out += std::to_string(section.page) + "|" + section.heading + "|" + section.text + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("detection and extraction on several threads at once agree with one thread") {
  const std::string pdf = fixtures::MakePdf({{"Refunds", "Within thirty days."}, {"Window"}});
  const std::string docx =
      fixtures::MakeDocx({fixtures::Heading(1, "Refunds"), fixtures::Paragraph("Paid.")});
  const std::string odt =
      fixtures::MakeOdt({fixtures::Heading(1, "Refunds"), fixtures::Paragraph("Paid.")});
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  png += std::string(512, '\x01');
  const std::string expected =
      Flatten(Format::kPdf, pdf) + Flatten(Format::kDocx, docx) + Flatten(Format::kOdt, odt);

  constexpr int kThreads = 4, kRounds = 25;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const std::string got = Flatten(DetectFormat("", "", pdf), pdf) +
                                Flatten(DetectFormat("", "", docx), docx) +
                                Flatten(DetectFormat("", "", odt), odt);
        if (got != expected || DetectFormat("", "", png) != Format::kUnsupported) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(mismatches[t] == 0);
  CHECK(expected.find("Refunds|Refunds\n\nPaid.") != std::string::npos);
}
