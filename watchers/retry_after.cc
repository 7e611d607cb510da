#include "watchers/retry_after.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace freshd::watchers {
namespace {

std::string_view Trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Unix seconds of an HTTP-date; nullopt when it does not parse. curl_getdate reads the
// three forms RFC 9110 asks recipients to accept, and fails without a day, month and year.
std::optional<std::int64_t> HttpDate(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::string copy(text);
  const time_t parsed = curl_getdate(copy.c_str(), nullptr);
  if (parsed == -1) return std::nullopt;
  return static_cast<std::int64_t>(parsed);
}

}  // namespace

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, std::string_view date,
                                                    std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (AllDigits(value)) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds >= kMaxRetryAfter.count()) return kMaxRetryAfter;  // and no overflow
    }
    return std::chrono::seconds(seconds);
  }
  const std::optional<std::int64_t> retry_at = HttpDate(value);
  if (!retry_at) return std::nullopt;
  const std::int64_t reference =
      HttpDate(Trim(date))
          .value_or(
              std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  return std::chrono::seconds(
      std::clamp<std::int64_t>(*retry_at - reference, 0, kMaxRetryAfter.count()));
}

}  // namespace freshd::watchers
