// The query string of a request target: parameters decoded as HTML forms encode them, and
// counts (search k, page limit) parsed strictly, so that a typo is answered with 400 rather
// than guessed at.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace freshd::daemon {

// The path of a request target, without its query.
std::string_view PathOf(std::string_view target);

// The first value of parameter `name` in the query of `target`, percent-decoded with '+'
// read as a space; nullopt when the parameter is absent. A '%' not followed by two hex
// digits is kept as it is.
std::optional<std::string> QueryParameter(std::string_view target, std::string_view name);

// Decimal digits only (no sign, space or '+') as a number; nullopt for anything else. A
// number too large for 64 bits reads as UINT64_MAX, so that it can still be capped.
std::optional<std::uint64_t> ParseDigits(std::string_view text);

// Parameter `name` of `target` as a count of at least 1: `fallback` when absent, `cap` when
// larger than `cap`. InvalidArgument, whose message is the answer 400 gives, for anything
// that is not a whole number of at least 1.
Result<std::size_t> CountParameter(std::string_view target, std::string_view name,
                                   std::size_t fallback, std::size_t cap);

}  // namespace freshd::daemon
