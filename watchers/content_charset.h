// Private: decoding of a body before parsing (charset detection, conversion, UTF-8 checks).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"
#include "watchers/normalize.h"

namespace freshd::watchers::content {

// What the parsers get: for HTML and XML the raw bytes plus the name of their encoding
// ("" lets libxml2 detect it from a byte order mark); for the text kinds, UTF-8 text.
struct PreparedInput {
  std::string_view bytes;
  std::string encoding;
  std::string transcoded;    // owns `bytes` when the input had to be converted or repaired
  std::size_t replaced = 0;  // ill-formed UTF-8 sequences replaced by U+FFFD
};

// Rejects binary data, and decides how the body is to be decoded: the charset is the
// Content-Type header's (`header_charset`, "" when absent), else a byte order mark's, else
// what the document declares. A UTF-8 body's ill-formed sequences are replaced by U+FFFD,
// one per maximal subpart (as WHATWG's decoder does), and counted. InvalidArgument on
// rejection (binary data, an unknown charset, bytes that do not decode). *input is an out
// parameter rather than a Result because its `bytes` may point into its own `transcoded`.
Status PrepareInput(std::string_view body, ContentKind kind, std::string_view header_charset,
                    PreparedInput* input);

}  // namespace freshd::watchers::content
