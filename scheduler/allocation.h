// How often to check each document of a source under a request budget (DESIGN.md 6.3):
// the allocation of Cho and Garcia-Molina, "Effective Page Refresh Policies for Web
// Crawlers" (ACM TODS 2003), which maximises the documents' expected average freshness.
//
// A document changing as a Poisson process of rate r and checked every I seconds (at
// frequency f = 1 / I) is fresh on average F(r, f) = (f / r) (1 - e^(-r / f)) of the time.
// The optimum under sum f_i = budget makes dF/df equal for every document (the Lagrange
// condition), found by bisection on the multiplier; intervals are kept within
// [min_interval, max_interval], and a document that changes much faster than the budget
// can follow gets the longest interval allowed, as the optimum says.
//
// Pure computation, thread-safe; O(documents log(1/tolerance)).
#pragma once

#include <cstdint>
#include <vector>

namespace freshd::scheduler {

struct AllocationLimits {
  double budget_per_second = 0;  // checks per second for all the documents together
  double min_interval_seconds = 60;
  double max_interval_seconds = 7 * 86400.0;
};

struct Allocation {
  std::vector<double> intervals_seconds;  // one per rate, in the same order
  double requests_per_second = 0;         // sum of 1 / interval: the budget, or less when
                                          // min_interval caps it (more only as said below)
  double expected_freshness = 0;          // mean of F(r_i, 1 / I_i) over the documents
};

// Fraction of time a document of change rate `rate` checked every `interval` seconds is
// fresh: (1 - e^(-rate interval)) / (rate interval); 1 when the rate is 0.
double ExpectedFreshness(double rate_per_second, double interval_seconds);

// The optimal intervals for documents of the given rates (changes per second, >= 0).
// When even max_interval for every document exceeds the budget, every document gets
// max_interval (no document starves; the budget is then enforced by RequestBudget).
Allocation AllocateChecks(const std::vector<double>& rates_per_second,
                          const AllocationLimits& limits);

// The same frequency for every document (the budget split evenly), for comparison.
Allocation AllocateUniform(const std::vector<double>& rates_per_second,
                           const AllocationLimits& limits);

// What a document's own checks showed, for planning (from advisor::EstimateIrregular).
struct ObservedRate {
  std::uint64_t checks = 0;   // successful checks after the first one
  std::uint64_t changes = 0;  // of which saw a change
  double estimate = 0;        // the estimated rate, changes per second
  double observed_seconds = 0;
};

// The rate to allocate a document's checks by: its estimate shrunk towards `prior_rate`
// (the source's mean) by a gamma prior worth half a change, (estimate T + 1/2) /
// (T + 1/(2 prior)) over T observed seconds; with no check yet, the prior. A document
// checked a few times without a change is not left at max_interval however fast it turns
// out to be (an estimate of 0 would), nor one that changed once checked at min_interval;
// a long history speaks for itself. With no prior (0), the estimate.
double PlanningRate(const ObservedRate& observed, double prior_rate);

// A document whose every check saw a change only shows that it changes faster than it was
// checked, and its estimate stays low; it is checked next at a quarter of its last
// interval (not below min_interval, nor above `allocated_seconds`) until a check sees no
// change: a few checks that tell a fast document, which the optimum leaves at max_interval,
// from a moderate one. Other documents keep `allocated_seconds`. These checks are beyond the
// allocation: bench_freshness_sim shows them costing 6-15% over a tight budget (0.5 checks a
// document a day) for 1-2 points of freshness, so a caller under a hard cap pays for them.
double ExploringInterval(const ObservedRate& observed, double last_interval_seconds,
                         double allocated_seconds, const AllocationLimits& limits);

}  // namespace freshd::scheduler
