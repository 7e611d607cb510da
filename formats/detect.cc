// DetectFormat: magic bytes, then (when they say nothing) the Content-Type, then the URI's
// extension. The text path (HTML, JSON: thousands a second) costs one memchr over 8 KiB
// and a few prefix comparisons; libmagic runs only on bodies that look binary.
#include <magic.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "formats/formats.h"
#include "formats/zip_archive.h"

namespace freshd::formats {
namespace {

constexpr std::size_t kSniffBytes = 8 * 1024;
constexpr std::size_t kMagicBytes = 4 * 1024;

constexpr std::string_view kPdfMagic = "%PDF-";
constexpr std::string_view kZipMagic{"PK\x03\x04", 4};

// Binary formats whose first bytes may hold no NUL byte.
constexpr std::array<std::string_view, 12> kBinarySignatures = {
    std::string_view("\x1f\x8b", 2),              // gzip
    std::string_view("\x89\x50\x4e\x47", 4),      // PNG
    std::string_view("\xff\xd8\xff", 3),          // JPEG
    std::string_view("GIF87a"),                   // GIF
    std::string_view("GIF89a"),                   //
    std::string_view("\x7f\x45\x4c\x46", 4),      // ELF
    std::string_view("BZh"),                      // bzip2
    std::string_view("\xfd\x37\x7a\x58\x5a", 5),  // xz
    std::string_view("\x37\x7a\xbc\xaf", 4),      // 7-Zip
    std::string_view("Rar!"),                     // RAR
    std::string_view("PK\x05\x06", 4),            // an empty zip
    std::string_view("\x28\xb5\x2f\xfd", 4),      // zstd
};

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Format FromMimeType(std::string_view type) {
  if (type == "application/pdf" || type == "application/x-pdf") return Format::kPdf;
  if (type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document") {
    return Format::kDocx;
  }
  if (type == "application/vnd.openxmlformats-officedocument.presentationml.presentation") {
    return Format::kPptx;
  }
  if (type == "application/vnd.oasis.opendocument.text") return Format::kOdt;
  if (type == "application/vnd.oasis.opendocument.presentation") return Format::kOdp;
  return Format::kText;
}

Format FromContentType(std::string_view content_type) {
  const std::string type = Lower(content_type.substr(0, content_type.find(';')));
  const auto begin = type.find_first_not_of(" \t");
  if (begin == std::string::npos) return Format::kText;
  return FromMimeType(
      std::string_view(type).substr(begin, type.find_last_not_of(" \t") + 1 - begin));
}

Format FromExtension(std::string_view uri) {
  uri = uri.substr(0, uri.find_first_of("?#"));
  const std::size_t dot = uri.rfind('.');
  if (dot == std::string_view::npos || uri.find('/', dot) != std::string_view::npos) {
    return Format::kText;
  }
  const std::string extension = Lower(uri.substr(dot + 1));
  if (extension == "pdf") return Format::kPdf;
  if (extension == "docx") return Format::kDocx;
  if (extension == "pptx") return Format::kPptx;
  if (extension == "odt") return Format::kOdt;
  if (extension == "odp") return Format::kOdp;
  return Format::kText;
}

// What the zip holds, or kText when libzip cannot read it (truncated: the name decides).
Format ZipFormat(std::string_view body) {
  auto zip = ZipArchive::Open(body, 256, 256);
  if (!zip.ok()) return Format::kText;
  if (auto mimetype = zip->Read("mimetype"); mimetype.ok()) {
    const Format format = FromMimeType(Lower(*mimetype));
    if (format == Format::kOdt || format == Format::kOdp) return format;
  }
  if (zip->Has("word/document.xml")) return Format::kDocx;
  if (zip->Has("ppt/presentation.xml")) return Format::kPptx;
  return Format::kUnsupported;
}

bool LooksBinary(std::string_view body) {
  const std::string_view head = body.substr(0, kSniffBytes);
  if (std::memchr(head.data(), '\0', head.size()) != nullptr) return true;
  return std::any_of(kBinarySignatures.begin(), kBinarySignatures.end(),
                     [&](std::string_view signature) { return head.starts_with(signature); });
}

// A body shorter than a signature it begins: the magic bytes cannot tell.
bool TruncatedMagic(std::string_view body) {
  return (body.size() < kPdfMagic.size() && kPdfMagic.starts_with(body)) ||
         (body.size() < kZipMagic.size() && kZipMagic.starts_with(body));
}

struct CloseMagic {
  void operator()(magic_t magic) const { magic_close(magic); }
};

// libmagic's "type; charset=..." for the head of `body`; "" when libmagic is unavailable.
// A magic_t is not thread-safe: one per thread, loaded on first use.
std::string MagicType(std::string_view body) {
  thread_local const std::unique_ptr<std::remove_pointer_t<magic_t>, CloseMagic> magic = [] {
    std::unique_ptr<std::remove_pointer_t<magic_t>, CloseMagic> loaded(
        magic_open(MAGIC_MIME_TYPE | MAGIC_MIME_ENCODING | MAGIC_ERROR));
    if (loaded != nullptr && magic_load(loaded.get(), nullptr) != 0) loaded.reset();
    return loaded;
  }();
  if (magic == nullptr) return "";
  const std::string_view head = body.substr(0, kMagicBytes);
  const char* type = magic_buffer(magic.get(), head.data(), head.size());
  return type == nullptr ? "" : type;
}

// A body that looks binary (a NUL byte, a signature above): libmagic's charset tells text
// (UTF-16, or a sentence that starts like a signature) from binary data, which is not ours
// unless libmagic finds a PDF behind leading junk.
Format FromMagic(std::string_view body) {
  const std::string type = MagicType(body);
  const std::size_t semicolon = type.find(';');
  const std::string_view mime = std::string_view(type).substr(0, semicolon);
  if (FromMimeType(mime) == Format::kPdf) return Format::kPdf;
  // The charset, not the type: a sentence that starts "BZh" is "application/x-bzip2;
  // charset=us-ascii".
  if (semicolon != std::string::npos &&
      type.find("charset=binary", semicolon) == std::string::npos) {
    return Format::kText;
  }
  return Format::kUnsupported;
}

}  // namespace

Format DetectFormat(std::string_view content_type, std::string_view uri, std::string_view body) {
  if (body.starts_with(kPdfMagic)) return Format::kPdf;
  if (LooksLikeZip(body)) {
    const Format format = ZipFormat(body);
    if (format != Format::kText) return format;
  } else if (LooksBinary(body)) {
    return FromMagic(body);
  } else if (!body.empty() && !TruncatedMagic(body)) {
    return Format::kText;
  }
  // The magic bytes cannot tell (an empty, truncated or unreadable body): the name decides.
  if (const Format format = FromContentType(content_type); format != Format::kText) return format;
  if (const Format format = FromExtension(uri); format != Format::kText) return format;
  return LooksLikeZip(body) ? Format::kUnsupported : Format::kText;
}

}  // namespace freshd::formats
