// Why a check failed: the `reason` label of freshd_source_errors_total.
#pragma once

#include <string_view>

namespace freshd::watchers {

enum class FetchError {
  kNone,
  kTimeout,
  kDns,
  kConnect,
  kTls,
  kHttp4xx,
  kHttp5xx,
  kTooLarge,  // over max_bytes, before or after decompression
  kParse,     // not decodable: binary data, an unknown charset, malformed XML/JSON
  kIo,        // everything else: a truncated body, a redirect loop, a file read error
};

// The label value: "timeout", "dns", ... ("" for kNone).
std::string_view ToLabel(FetchError error);

}  // namespace freshd::watchers
