// The property every record codec must keep, for the fuzzers of record decoders: whatever
// decodes encodes to bytes that decode again to the same encoding. Aborts (a finding)
// otherwise.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

template <typename Decode, typename Encode>
void CheckRoundTrip(std::string_view bytes, Decode decode, Encode encode) {
  const auto decoded = decode(bytes);
  if (!decoded) return;
  const std::string encoded = encode(*decoded);
  const auto again = decode(encoded);
  if (!again || encode(*again) != encoded) std::abort();
}
