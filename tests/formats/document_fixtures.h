// Document files made in memory for tests and benchmarks: PDFs written object by object
// with a correct xref, and DOCX, PPTX, ODT and ODP as zips of a few XML files (libzip).
// No binary fixtures are committed; each writer is deterministic for the same arguments.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace freshd::testing {

// ---- PDF (ASCII text in Helvetica, WinAnsiEncoding) ----

using PdfPage = std::vector<std::string>;  // paragraphs, top to bottom

struct PdfOptions {
  std::string producer = "freshd document fixtures";
  std::string creation_date = "D:20240101120000Z";
  bool reversed_objects = false;  // write the same objects in reverse order
  bool two_columns = false;       // paragraphs alternate between a left and a right column
};

// A valid PDF: one text block per paragraph (long ones wrapped over several lines), a gap
// between paragraphs, one page per entry.
std::string MakePdf(const std::vector<PdfPage>& pages, const PdfOptions& options = {});

// A PDF encrypted with the standard security handler (revision 2, RC4 40-bit) under a
// non-empty user password: Poppler opens it locked, and reads it given the password.
std::string MakeEncryptedPdf(const std::vector<PdfPage>& pages,
                             const std::string& user_password = "secret");

// A PDF cut short after its header and part of its first object: nothing to recover.
std::string MakeDamagedPdf();

// ---- Word processing and presentations ----

struct Block {
  enum class Kind { kParagraph, kHeading, kListItem, kTable };
  Kind kind = Kind::kParagraph;
  int level = 0;                               // headings: 1..9
  std::string text;                            // '\t' becomes a tab element, '\n' a line break
  std::vector<std::vector<std::string>> rows;  // tables: cells
};
Block Paragraph(std::string text);
Block Heading(int level, std::string text);
Block ListItem(std::string text);
Block Table(std::vector<std::vector<std::string>> rows);

std::string MakeDocx(const std::vector<Block>& blocks);
std::string MakeOdt(const std::vector<Block>& blocks);

using Slide = std::vector<std::string>;  // paragraphs
// Slides are stored in the zip in reverse order, so order must come from their names.
std::string MakePptx(const std::vector<Slide>& slides);
std::string MakeOdp(const std::vector<Slide>& slides);

// A DOCX whose word/document.xml unzips to `unzipped_bytes` spaces (default 1 GiB) from
// about a thousandth of that: written by repeating one compressed block, without ever
// holding the spaces in memory.
std::string MakeZipBomb(std::uint64_t unzipped_bytes = 1ull << 30);

// A zip of the given members (deflated), in name order.
std::string MakeZip(const std::map<std::string, std::string>& members);

}  // namespace freshd::testing
