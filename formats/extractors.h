// One extractor per format, behind formats.h's Extract (which catches what they throw).
#pragma once

#include <string_view>

#include "formats/formats.h"

namespace freshd::formats {

Result<Extracted> ExtractPdf(std::string_view body, const ExtractLimits& limits);
Result<Extracted> ExtractDocx(std::string_view body, const ExtractLimits& limits);
Result<Extracted> ExtractPptx(std::string_view body, const ExtractLimits& limits);
Result<Extracted> ExtractOdt(std::string_view body, const ExtractLimits& limits);
Result<Extracted> ExtractOdp(std::string_view body, const ExtractLimits& limits);

}  // namespace freshd::formats
