// Exponential backoff, the one rule shared by the scheduler (failing sources), the RAG
// delivery (a failing sink) and the OpenAI embedder (retries): `base` doubled once per
// doubling, never beyond `cap`. Pure; any thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>

namespace freshd {

// base * 2^doublings, at most max(base, cap). Doublings beyond 62 change nothing (the cap
// is reached long before), so no count can overflow.
inline std::chrono::milliseconds ExponentialBackoff(std::chrono::milliseconds base,
                                                    std::uint32_t doublings,
                                                    std::chrono::milliseconds cap) {
  const std::chrono::milliseconds limit = std::max(base, cap);
  const double factor = std::ldexp(1.0, static_cast<int>(std::min<std::uint32_t>(doublings, 62)));
  const double delay = static_cast<double>(base.count()) * factor;
  if (delay >= static_cast<double>(limit.count())) return limit;
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(delay));
}

}  // namespace freshd
