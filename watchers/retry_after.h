// The delay a 429 or 503 answer asks for in its Retry-After header (RFC 9110 10.2.3).
// Private to watchers/: HttpClient reads it into HttpResponse::retry_after.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace freshd::watchers {

// The longest delay taken from a server: one wrong header must not silence a host for days.
inline constexpr std::chrono::seconds kMaxRetryAfter{3600};

// `value` is delay-seconds ("120") or an HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37
// GMT", or the obsolete RFC 850 and asctime forms). A date counts from the response's own
// Date header (`date`) when that parses, else from `now`, so that a server whose clock is
// off still gets the delay it meant; a date already past is zero. The result is capped at
// kMaxRetryAfter. nullopt for anything else: empty, signed, fractional, or text.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, std::string_view date,
                                                    std::chrono::system_clock::time_point now);

}  // namespace freshd::watchers
