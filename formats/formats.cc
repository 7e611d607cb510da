#include "formats/formats.h"

namespace freshd::formats {

std::string_view ToString(Format format) {
  switch (format) {
    case Format::kText:
      return "text";
    case Format::kPdf:
      return "pdf";
    case Format::kDocx:
      return "docx";
    case Format::kPptx:
      return "pptx";
    case Format::kOdt:
      return "odt";
    case Format::kOdp:
      return "odp";
    case Format::kUnsupported:
      return "unsupported";
  }
  return "unsupported";
}

Format DetectFormat(std::string_view, std::string_view, std::string_view) { return Format::kText; }

Result<Extracted> Extract(Format, std::string_view, const ExtractLimits&) {
  return Status::InvalidArgument("not implemented yet");
}

}  // namespace freshd::formats
