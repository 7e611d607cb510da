// Document extraction speed (DESIGN.md 8a): PDF pages/s over a 200-page PDF, DOCX
// documents/s over a 20-paragraph document, the time to refuse a zip bomb, and what
// DetectFormat costs per fetched body (ns per call) on a 20 KiB HTML page, the common text
// path, next to hashing that body once (the content hash every fetched body pays anyway).
// Documents are made in memory by tests/formats/document_fixtures.h: no network, no disk.
// Run: build/bench/bench_extract [PDF_ROUNDS] [DOCX_ROUNDS]   (defaults 5 and 500)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "bench/must.h"
#include "formats/formats.h"
#include "tests/formats/document_fixtures.h"

namespace {

using namespace freshd;
using Clock = std::chrono::steady_clock;
namespace fixtures = freshd::testing;

constexpr const char* kWords[] = {"refund",   "policy",  "customer", "request",  "days",
                                  "approval", "payment", "card",     "receipt",  "notice",
                                  "travel",   "expense", "office",   "contract", "review"};

std::string Sentence(unsigned seed, std::size_t length) {
  std::string text = "Clause " + std::to_string(seed) + ":";
  unsigned state = seed * 2654435761u + 1;
  while (text.size() < length) {
    state = state * 1664525u + 1013904223u;
    text += ' ';
    text += kWords[(state >> 16) % std::size(kWords)];
  }
  return text + ".";
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

volatile std::size_t sink;  // keeps the measured calls from being optimized away

void BenchPdf(int rounds) {
  std::vector<fixtures::PdfPage> pages;
  for (unsigned p = 0; p < 200; ++p) {
    fixtures::PdfPage page;
    for (unsigned i = 0; i < 6; ++i) page.push_back(Sentence(p * 10 + i, 300));
    pages.push_back(page);
  }
  const std::string pdf = fixtures::MakePdf(pages);
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    const auto extracted = bench::Must(formats::Extract(formats::Format::kPdf, pdf, {}));
    sink = extracted.sections.size();
  }
  const double seconds = Seconds(start);
  std::printf(
      "PDF   200 pages x 6 paragraphs (%zu KiB), %d rounds: %8.0f pages/s  (%.1f ms per "
      "document)\n",
      pdf.size() / 1024, rounds, 200.0 * rounds / seconds, 1000 * seconds / rounds);
}

void BenchDocx(int rounds) {
  std::vector<fixtures::Block> blocks;
  for (unsigned i = 0; i < 20; ++i) {
    if (i % 5 == 0)
      blocks.push_back(fixtures::Heading(1 + (i / 5) % 2, "Part " + std::to_string(i / 5)));
    blocks.push_back(fixtures::Paragraph(Sentence(i, 400)));
  }
  const std::string docx = fixtures::MakeDocx(blocks);
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    const auto extracted = bench::Must(formats::Extract(formats::Format::kDocx, docx, {}));
    sink = extracted.sections.size();
  }
  const double seconds = Seconds(start);
  std::printf(
      "DOCX  20 paragraphs, 4 headings (%zu KiB), %d rounds: %8.0f documents/s  (%.3f ms per "
      "document)\n",
      docx.size() / 1024, rounds, rounds / seconds, 1000 * seconds / rounds);
}

// What refusing a zip bomb costs: unzipping up to the member cap (64 MiB by default).
void BenchZipBomb() {
  const std::string bomb = fixtures::MakeZipBomb();
  const auto start = Clock::now();
  const auto extracted = formats::Extract(formats::Format::kDocx, bomb, {});
  const double seconds = Seconds(start);
  std::printf("DOCX zip bomb (%zu KiB unzipping to 1 GiB): %s in %.0f ms\n", bomb.size() / 1024,
              extracted.ok() ? "NOT REFUSED" : "refused", 1000 * seconds);
}

double NsPerCall(int calls, const std::function<std::size_t()>& call) {
  const auto start = Clock::now();
  for (int i = 0; i < calls; ++i) sink = call();
  return 1e9 * Seconds(start) / calls;
}

void BenchDetect() {
  std::string html = "<!doctype html><html><head><title>Refunds</title></head><body>";
  for (unsigned i = 0; html.size() < 20 * 1024; ++i) html += "<p>" + Sentence(i, 200) + "</p>\n";
  html += "</body></html>";
  const std::string pdf = fixtures::MakePdf({{"x"}});
  const std::string docx = fixtures::MakeDocx({fixtures::Paragraph("x")});
  std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
  png += std::string(20 * 1024, '\x01');

  const double hash = NsPerCall(100000, [&] { return std::hash<std::string>{}(html); });
  const auto detect = [](const std::string& type, const std::string& body) {
    return
        [&type, &body] { return static_cast<std::size_t>(formats::DetectFormat(type, "", body)); };
  };
  const std::string text_html = "text/html", octets = "application/octet-stream";
  const double text = NsPerCall(100000, detect(text_html, html));
  std::printf(
      "DetectFormat, 20 KiB HTML: %7.0f ns per call (hashing the body once: %.0f ns, ratio %.2f)\n",
      text, hash, text / hash);
  std::printf("DetectFormat, PDF magic:   %7.0f ns per call\n",
              NsPerCall(100000, detect(octets, pdf)));
  std::printf("DetectFormat, DOCX zip:    %7.0f ns per call (libzip reads the central directory)\n",
              NsPerCall(20000, detect(octets, docx)));
  std::printf("DetectFormat, PNG:         %7.0f ns per call (libmagic)\n",
              NsPerCall(20000, detect(octets, png)));
}

}  // namespace

int main(int argc, char** argv) {
  const int pdf_rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int docx_rounds = argc > 2 ? std::atoi(argv[2]) : 500;
  if (pdf_rounds <= 0 || docx_rounds <= 0) {
    std::fprintf(stderr, "usage: bench_extract [PDF_ROUNDS] [DOCX_ROUNDS]\n");
    return 2;
  }
  BenchPdf(pdf_rounds);
  BenchDocx(docx_rounds);
  BenchZipBomb();
  BenchDetect();
  return 0;
}
