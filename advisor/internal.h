// Helpers shared by the advisor's translation units; not part of the public API.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

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

// Root of a decreasing function on (0, inf), found by bisection on log r from `start`.
// The function must be positive near 0 and negative for large r.
template <typename F>
double DecreasingRoot(F f, double start) {
  double lo = start;
  double hi = start;
  for (int i = 0; i < 2000 && f(lo) <= 0; ++i) lo /= 2;
  for (int i = 0; i < 2000 && f(hi) >= 0; ++i) hi *= 2;
  for (int i = 0; i < 200 && hi / lo - 1 > 1e-14; ++i) {
    const double mid = std::sqrt(lo * hi);
    (f(mid) > 0 ? lo : hi) = mid;
  }
  return std::sqrt(lo * hi);
}

// The last-modified estimator's data (estimators.cc): n accesses, X of which saw a change,
// over `exposure` seconds known to be without a change, of `total` observed seconds.
struct ModificationEvidence {
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;
  double exposure = 0;
  double total = 0;
};
ModificationEvidence FromModifications(const DocumentHistory& history);

// True when `history` holds reported exposure before its first check.
inline bool HasReportedHistory(const DocumentHistory& history) {
  return history.reported_since > 0 && history.reported_since < history.first_check;
}

// One pool's Garwood inputs: `changes` over `exposure` (mean per document), times `scale`.
struct Group {
  std::uint64_t changes = 0;        // for the lower bound
  std::uint64_t upper_changes = 0;  // for the upper bound: also the reported dates
  double exposure = 0;
  double scale = 1;
  // With reported history, the upper bound is the smallest of two or three, each at its
  // share of the error: with it (upper_changes over exposure); without it (the observed
  // changes over the observed time), so that dates that may be edits do not hold it up for
  // ever; and, when no document changed at all, the workload's quiet time (no change
  // anywhere for the shortest of the documents' reported plus observed times, exposure of
  // the workload as a whole), which tells pages written on many days long ago from pages
  // edited now and then.
  bool reported = false;
  std::uint64_t observed_changes = 0;
  double observed_exposure = 0;
  double quiet = 0;  // 0 when some document changed
};
// The group's scaled upper bound after `more` seconds of further observation per document
// without a change.
double GroupUpper(const Group& group, double more, double confidence);

// The documents of a workload or a source pooled (pool.cc).
struct Pooled {
  RateEstimate rate;
  double scale = 1;  // estimate / naive, applied to the Garwood bounds
  double window_seconds = 0;
  std::size_t documents = 0;
  std::size_t reported_documents = 0;  // whose estimate holds reported history
  std::uint64_t reported_dates = 0;    // distinct days of their reported_since
  double quiet_seconds = 0;            // see Group::quiet
  std::vector<Group> groups;           // one, or two when only some documents have history
};

// A document is counted once checked twice, or once it has reported history.
bool Counted(const RateEstimate& estimate);
// See Assessment::rate in advisor.h; `documents[i]` is the history of `estimates[i]`.
Pooled Pool(const std::vector<const RateEstimate*>& estimates,
            const std::vector<const DocumentHistory*>& documents, double confidence);

// The decision table of DESIGN.md 6.4.
Recommendation Decide(Frequency frequency, Strategy strategy, bool latency_below_threshold,
                      bool explainability_required);
Recommendation FromStrategy(Strategy strategy);

// "45 s", "12 min", "5.0 h", "36.2 d", "unbounded".
std::string FormatDuration(double seconds);

}  // namespace freshd::advisor::internal
