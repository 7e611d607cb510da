// Documents in binary formats (DESIGN.md 8a): which format a body is, and its text.
//
// PDF with Poppler's C++ API, one section per page; DOCX and PPTX (Office Open XML) and
// ODT and ODP (OpenDocument) through their zip container (libzip) and the XML inside
// (libxml2): paragraphs, headings, list items and table cells as text, in document order,
// a section per heading (DOCX, ODT) or per slide (PPTX, ODP). Pure functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace freshd::formats {

enum class Format {
  kText,  // not a binary document: the caller's text path (HTML, XML, JSON, ...)
  kPdf,
  kDocx,
  kPptx,
  kOdt,
  kOdp,
  kUnsupported,  // other binary data: images, archives, executables, other zips
};
std::string_view ToString(Format format);  // "text", "pdf", "docx", ..., "unsupported"

// The body's magic bytes first, where they name a binary format (a server that says
// text/html for a PDF is still read as a PDF; libmagic tells binary data from text), then
// the Content-Type, then the URI's extension. A body that is text stays kText whatever
// its name says. Cheap on text bodies (a NUL scan of the first 8 KiB and a few prefix
// comparisons); libmagic runs only on bodies that look binary, libzip only on zips.
Format DetectFormat(std::string_view content_type, std::string_view uri, std::string_view body);

struct ExtractLimits {
  std::uint32_t max_pages = 2000;                   // PDF pages, slides: later ones are left out
  std::uint64_t max_bytes = 64ull << 20;            // the text, and each zip member decompressed
  std::uint64_t max_total_unzipped = 256ull << 20;  // all zip members read, together
};

// A run of the document's text with where it stands: what a chunk cites.
struct Section {
  std::uint32_t page = 0;  // PDF page or slide number, from 1; 0 when not paged
  std::string heading;     // heading path, outermost first, joined by " > "; "" when none
  std::string text;        // paragraphs separated by blank lines; UTF-8
};

struct Extracted {
  std::vector<Section> sections;  // in document order; sections without text left out
  std::uint32_t pages = 0;        // in the document (PDF, slides), including those left out
  bool truncated = false;         // max_pages or max_bytes left part of the text out
};

// InvalidArgument for a damaged file or one that is not the format said; PermissionDenied
// for an encrypted one (no password is tried); ResourceExhausted when a zip member or the
// whole container unzips past the limits (a zip bomb): max_bytes caps the zip members'
// XML too, so a document whose XML is larger fails rather than being cut. kText and
// kUnsupported have no extraction (InvalidArgument). The message names the problem in one
// line, for the log; the libraries' own messages never reach stderr.
Result<Extracted> Extract(Format format, std::string_view body, const ExtractLimits& limits);

}  // namespace freshd::formats
