// The PDF writers of document_fixtures.h.
#include <cstdio>
#include <string>
#include <vector>

#include "tests/formats/document_fixtures.h"

namespace freshd::testing {
namespace {

constexpr std::size_t kLineChars = 80;

std::string PdfString(const std::string& text) {
  std::string out = "(";
  for (const char c : text) {
    if (c == '(' || c == ')' || c == '\\') out += '\\';
    out += c;
  }
  return out + ")";
}

// `text` cut at spaces into lines of at most `line_chars` (a longer word stays whole).
std::vector<std::string> Wrap(const std::string& text, std::size_t line_chars) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > line_chars) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

std::string Column(const std::vector<std::string>& paragraphs, int x, std::size_t line_chars) {
  std::string out = "BT\n/F1 11 Tf\n14 TL\n" + std::to_string(x) + " 750 Td\n";
  for (const std::string& paragraph : paragraphs) {
    for (const std::string& line : Wrap(paragraph, line_chars)) out += PdfString(line) + " Tj T*\n";
    out += "T*\n";  // an empty line between paragraphs
  }
  return out + "ET\n";
}

std::string ContentStream(const PdfPage& page, bool two_columns) {
  if (!two_columns) return Column(page, 72, kLineChars);
  std::vector<std::string> left, right;
  for (std::size_t i = 0; i < page.size(); ++i) (i % 2 ? right : left).push_back(page[i]);
  return Column(left, 72, kLineChars / 2 - 4) + Column(right, 320, kLineChars / 2 - 4);
}

struct PdfObjects {
  std::vector<std::string> bodies;  // object i+1's dictionary or stream
  std::string trailer_extra;
};

PdfObjects Objects(const std::vector<PdfPage>& pages, const PdfOptions& options) {
  PdfObjects objects;
  std::string kids;
  for (std::size_t i = 0; i < pages.size(); ++i) kids += std::to_string(5 + 2 * i) + " 0 R ";
  objects.bodies = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
      "<< /Producer " + PdfString(options.producer) + " /CreationDate " +
          PdfString(options.creation_date) + " >>",
  };
  for (std::size_t i = 0; i < pages.size(); ++i) {
    objects.bodies.push_back(
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
        "<< /Font << /F1 3 0 R >> >> /Contents " +
        std::to_string(6 + 2 * i) + " 0 R >>");
    const std::string stream = ContentStream(pages[i], options.two_columns);
    objects.bodies.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" +
                             stream + "endstream");
  }
  return objects;
}

std::string Serialize(const PdfObjects& objects, bool reversed) {
  std::string out = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
  std::vector<std::size_t> offsets(objects.bodies.size());
  for (std::size_t k = 0; k < objects.bodies.size(); ++k) {
    const std::size_t i = reversed ? objects.bodies.size() - 1 - k : k;
    offsets[i] = out.size();
    out += std::to_string(i + 1) + " 0 obj\n" + objects.bodies[i] + "\nendobj\n";
  }
  const std::size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.bodies.size() + 1) + "\n0000000000 65535 f \n";
  for (const std::size_t offset : offsets) {
    char entry[21];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
    out += entry;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.bodies.size() + 1) +
         " /Root 1 0 R /Info 4 0 R" + objects.trailer_extra + " >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

}  // namespace

std::string MakePdf(const std::vector<PdfPage>& pages, const PdfOptions& options) {
  return Serialize(Objects(pages, options), options.reversed_objects);
}

std::string MakeEncryptedPdf(const std::vector<PdfPage>& pages) {
  PdfObjects objects = Objects(pages, {});
  // /O and /U are 32 bytes each. /U does not match what the empty password gives, which is
  // how a reader sees any non-empty user password: it must ask for one.
  const std::string o(64, 'A'), u(64, '5');
  objects.bodies.push_back("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + o + "> /U <" +
                           u + "> >>");
  objects.trailer_extra = " /Encrypt " + std::to_string(objects.bodies.size()) +
                          " 0 R /ID [<0123456789abcdef0123456789abcdef> "
                          "<0123456789abcdef0123456789abcdef>]";
  return Serialize(objects, false);
}

std::string MakeDamagedPdf() {
  const std::string whole = MakePdf({{"This file is cut short."}});
  return whole.substr(0, whole.find("/Pages"));
}

}  // namespace freshd::testing
