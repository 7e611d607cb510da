// Helpers shared by the advisor's translation units; not part of the public API.
#pragma once

#include <cstdint>
#include <string>

#include "advisor/advisor.h"

namespace freshd::advisor::internal {

// Garwood's exact interval for a Poisson count: `count` events over `exposure_seconds`,
// two-sided at `confidence`. Lower is 0 when the count is 0; upper is +inf when the
// exposure is 0.
struct PoissonBounds {
  double lower = 0;
  double upper = 0;
};
PoissonBounds Garwood(std::uint64_t count, double exposure_seconds, double confidence);

// The decision table of DESIGN.md 6.4.
Recommendation Decide(Frequency frequency, Strategy strategy, bool latency_below_threshold,
                      bool explainability_required);
Recommendation FromStrategy(Strategy strategy);

// "45 s", "12 min", "5.0 h", "36.2 d", "unbounded".
std::string FormatDuration(double seconds);

}  // namespace freshd::advisor::internal
