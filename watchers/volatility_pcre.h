// Private to watchers/: the PCRE2 side of the volatility masks, shared by the learning
// (volatility.cc) and the masking (volatility_masks.cc). Any thread.
#pragma once

#include <string_view>

namespace freshd::watchers {

// True when `mask` (compiled as ApplyMasks compiles it) matches the whole of `line`; false
// for an invalid mask or a match that fails (match limit).
bool MaskMatchesWholeLine(std::string_view mask, std::string_view line);

}  // namespace freshd::watchers
