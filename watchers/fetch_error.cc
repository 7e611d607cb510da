#include "watchers/fetch_error.h"

namespace freshd::watchers {

std::string_view ToLabel(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "";
    case FetchError::kTimeout:
      return "timeout";
    case FetchError::kDns:
      return "dns";
    case FetchError::kConnect:
      return "connect";
    case FetchError::kTls:
      return "tls";
    case FetchError::kHttp4xx:
      return "http_4xx";
    case FetchError::kHttp5xx:
      return "http_5xx";
    case FetchError::kTooLarge:
      return "too_large";
    case FetchError::kParse:
      return "parse";
    case FetchError::kIo:
      return "io";
  }
  return "io";
}

}  // namespace freshd::watchers
