#include "formats/formats.h"

#include <exception>
#include <new>

#include "formats/extractors.h"

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

namespace {

Result<Extracted> Dispatch(Format format, std::string_view body, const ExtractLimits& limits) {
  switch (format) {
    case Format::kPdf:
      return ExtractPdf(body, limits);
    case Format::kDocx:
      return ExtractDocx(body, limits);
    case Format::kPptx:
      return ExtractPptx(body, limits);
    case Format::kOdt:
      return ExtractOdt(body, limits);
    case Format::kOdp:
      return ExtractOdp(body, limits);
    case Format::kText:
    case Format::kUnsupported:
      break;
  }
  return Status::InvalidArgument("no text extraction for format " + std::string(ToString(format)));
}

}  // namespace

Result<Extracted> Extract(Format format, std::string_view body, const ExtractLimits& limits) {
  try {
    return Dispatch(format, body, limits);
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted(std::string(ToString(format)) + ": out of memory");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(ToString(format)) + ": " + e.what());
  } catch (...) {
    return Status::InvalidArgument(std::string(ToString(format)) + ": unreadable document");
  }
}

}  // namespace freshd::formats
