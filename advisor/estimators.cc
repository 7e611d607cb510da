// Change-rate estimators of Cho and Garcia-Molina, "Estimating Frequency of Change"
// (ACM TOIT 2003), each with a two-sided interval.
#include <algorithm>
#include <cmath>
#include <limits>

#include "advisor/advisor.h"
#include "advisor/internal.h"

namespace freshd::advisor {
namespace {

using internal::DecreasingRoot;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

bool Usable(const Interval& interval) {
  return interval.seconds > 0 && std::isfinite(interval.seconds);
}

RateEstimate Unobserved() {
  RateEstimate estimate;
  estimate.upper = kInfinity;
  estimate.method = "none";
  return estimate;
}

struct IrregularData {
  std::vector<double> changed;  // lengths of the intervals that saw a change
  double unchanged_seconds = 0;
  double total_seconds = 0;
  std::uint64_t count = 0;
};

IrregularData Collect(const std::vector<Interval>& intervals) {
  IrregularData data;
  for (const Interval& interval : intervals) {
    if (!Usable(interval)) continue;
    ++data.count;
    data.total_seconds += interval.seconds;
    if (interval.changed) {
      data.changed.push_back(interval.seconds);
    } else {
      data.unchanged_seconds += interval.seconds;
    }
  }
  return data;
}

// Log-likelihood of rate r: a change in an interval of length t has probability
// 1 - e^(-r t), no change e^(-r t).
double LogLikelihood(const IrregularData& data, double r) {
  double sum = -r * data.unchanged_seconds;
  for (double t : data.changed) sum += std::log(-std::expm1(-r * t));
  return sum;
}

// Left side minus right side of the likelihood equation
// sum_changed t / (e^(r t) - 1) = unchanged_seconds.
double Score(const IrregularData& data, double r, double unchanged_seconds) {
  double sum = 0;
  for (double t : data.changed) sum += t / std::expm1(r * t);
  return sum - unchanged_seconds;
}

}  // namespace

namespace internal {

PoissonBounds Garwood(std::uint64_t count, double exposure_seconds, double confidence) {
  PoissonBounds bounds;
  if (!(exposure_seconds > 0)) {
    bounds.upper = kInfinity;
    return bounds;
  }
  const double alpha = 1 - confidence;
  const double k = static_cast<double>(count);
  bounds.lower = count == 0 ? 0 : ChiSquareQuantile(alpha / 2, 2 * k) / (2 * exposure_seconds);
  bounds.upper = ChiSquareQuantile(1 - alpha / 2, 2 * k + 2) / (2 * exposure_seconds);
  return bounds;
}

}  // namespace internal

RateEstimate EstimateRegular(std::uint64_t checks, std::uint64_t changes, double interval_seconds,
                             double confidence) {
  if (checks == 0 || !(interval_seconds > 0)) return Unobserved();
  const double n = static_cast<double>(checks);
  const double x = static_cast<double>(std::min(changes, checks));
  const double alpha = 1 - confidence;
  RateEstimate estimate;
  estimate.method = "regular";
  estimate.checks = checks;
  estimate.changes = std::min(changes, checks);
  estimate.observed_seconds = n * interval_seconds;
  estimate.rate = (std::log(n + 0.5) - std::log(n - x + 0.5)) / interval_seconds;
  // Clopper-Pearson on p = P(change within one interval) = 1 - e^(-r I).
  const double p_lower = x == 0 ? 0 : BetaQuantile(alpha / 2, x, n - x + 1);
  const double p_upper = x == n ? 1 : BetaQuantile(1 - alpha / 2, x + 1, n - x);
  estimate.lower = -std::log1p(-p_lower) / interval_seconds;
  estimate.upper = p_upper >= 1 ? kInfinity : -std::log1p(-p_upper) / interval_seconds;
  return estimate;
}

RateEstimate EstimateIrregular(const std::vector<Interval>& intervals, double confidence) {
  const IrregularData data = Collect(intervals);
  if (data.count == 0) return Unobserved();
  const double alpha = 1 - confidence;
  RateEstimate estimate;
  estimate.method = "irregular";
  estimate.checks = data.count;
  estimate.changes = data.changed.size();
  estimate.observed_seconds = data.total_seconds;
  if (data.changed.empty()) {
    // Exact: P(no change in any interval | r) = e^(-r U) = alpha / 2.
    estimate.upper = -std::log(alpha / 2) / data.unchanged_seconds;
    return estimate;
  }
  // The point estimate adds half a pseudo-unchanged interval of the mean length to the
  // right side, as the +0.5 of the regular estimator does: on equal intervals the root is
  // exactly -ln((n - X + 0.5) / (n + 0.5)) / I. It keeps the root finite when every
  // interval saw a change (the plain MLE is then +inf) and reduces the MLE's upward bias.
  const double mean = data.total_seconds / static_cast<double>(data.count);
  const double pseudo_unchanged = data.unchanged_seconds + 0.5 * mean;
  const double naive = static_cast<double>(data.changed.size()) / data.total_seconds;
  estimate.rate = DecreasingRoot([&](double r) { return Score(data, r, pseudo_unchanged); }, naive);

  // Interval from the plain likelihood (no pseudo-interval), which is concave in r:
  // inside, the likelihood-ratio interval {r : 2 (l(r_mle) - l(r)) <= chi2_conf(1)};
  // when every interval changed, the exact one-sided bound P(all changed | r) = alpha / 2.
  if (data.unchanged_seconds <= 0) {
    const double target = std::log(alpha / 2);
    estimate.lower =
        DecreasingRoot([&](double r) { return target - LogLikelihood(data, r); }, estimate.rate);
    estimate.upper = kInfinity;
    return estimate;
  }
  const double mle =
      DecreasingRoot([&](double r) { return Score(data, r, data.unchanged_seconds); }, naive);
  const double cut = LogLikelihood(data, mle) - ChiSquareQuantile(confidence, 1) / 2;
  estimate.lower = DecreasingRoot([&](double r) { return cut - LogLikelihood(data, r); }, mle);
  estimate.upper = DecreasingRoot([&](double r) { return LogLikelihood(data, r) - cut; }, mle);
  return estimate;
}

namespace internal {

ModificationEvidence FromModifications(const DocumentHistory& history) {
  std::vector<double> modifications = history.modification_times;
  std::sort(modifications.begin(), modifications.end());
  ModificationEvidence evidence;
  for (const Interval& interval : history.intervals) {
    if (Usable(interval)) evidence.total += interval.seconds;
  }
  double access =
      history.first_check > 0 ? history.first_check : history.last_check - evidence.total;
  for (const Interval& interval : history.intervals) {
    if (!Usable(interval)) continue;
    const double previous = access;
    access += interval.seconds;
    ++evidence.checks;
    if (!interval.changed) {
      evidence.exposure += interval.seconds;
      continue;
    }
    ++evidence.changes;
    auto after = std::upper_bound(modifications.begin(), modifications.end(), access);
    if (after != modifications.begin() && *(after - 1) > previous) {
      evidence.exposure += access - *(after - 1);
    }
  }
  return evidence;
}

}  // namespace internal

// Section "estimation with the last date of change". For each access i, if it detected a
// change, T_i is the time from the last modification before the access to the access
// (the page is known unchanged during it); otherwise T_i is the whole interval since the
// previous access. With n accesses, X of them detecting a change, and T = sum T_i, the
// likelihood is r^X e^(-r T), its MLE X / T, and the bias-reduced estimator is
//   r = (X - 1 - X / (n ln(1 - X / n))) / T,
// which tends to X / T when few accesses see a change and to (X - 1) / T (unbiased for a
// sum of X exponential gaps) when all do. The interval is Garwood's on X over T, the
// interval of that same likelihood shape.
// A change seen by the content comparison is what counts: a modification time inside an
// interval whose content did not change (a touched file) leaves it unchanged; a content
// change with no modification time inside its interval is taken to have happened at the
// access (T_i = 0), which errs towards a faster rate.
RateEstimate EstimateFromModifications(const DocumentHistory& history, double confidence) {
  const internal::ModificationEvidence evidence = internal::FromModifications(history);
  const std::uint64_t n = evidence.checks;
  const std::uint64_t x = evidence.changes;
  const double exposure = evidence.exposure;
  const double total = evidence.total;
  if (n == 0) return Unobserved();
  if (x > 0 && !(exposure > 0)) return EstimateIrregular(history.intervals, confidence);
  RateEstimate estimate;
  estimate.method = "last_modified";
  estimate.checks = n;
  estimate.changes = x;
  estimate.observed_seconds = total;
  const double nd = static_cast<double>(n);
  const double xd = static_cast<double>(x);
  if (x == 0) {
    estimate.rate = 0;
  } else if (x == n) {
    estimate.rate = (xd - 1) / exposure;
  } else {
    estimate.rate = (xd - 1 - xd / (nd * std::log1p(-xd / nd))) / exposure;
  }
  const internal::PoissonBounds bounds = internal::Garwood(x, exposure, confidence);
  estimate.lower = bounds.lower;
  estimate.upper = bounds.upper;
  return estimate;
}

RateEstimate EstimateNaive(const std::vector<Interval>& intervals, double confidence) {
  const IrregularData data = Collect(intervals);
  if (data.count == 0) return Unobserved();
  RateEstimate estimate;
  estimate.method = "naive";
  estimate.checks = data.count;
  estimate.changes = data.changed.size();
  estimate.observed_seconds = data.total_seconds;
  estimate.rate = static_cast<double>(estimate.changes) / data.total_seconds;
  const internal::PoissonBounds bounds =
      internal::Garwood(estimate.changes, data.total_seconds, confidence);
  estimate.lower = bounds.lower;
  estimate.upper = bounds.upper;
  return estimate;
}

bool ModificationTimesUsable(const DocumentHistory& history) {
  if (history.modification_times.empty()) return false;
  std::vector<double> modifications = history.modification_times;
  std::sort(modifications.begin(), modifications.end());
  double total = 0;
  std::uint64_t n = 0;
  for (const Interval& interval : history.intervals) {
    if (Usable(interval)) {
      total += interval.seconds;
      ++n;
    }
  }
  if (n < 2) return false;
  double access = history.first_check > 0 ? history.first_check : history.last_check - total;
  double exposure = 0;
  for (const Interval& interval : history.intervals) {
    if (!Usable(interval)) continue;
    const double previous = access;
    access += interval.seconds;
    if (!interval.changed) {
      exposure += interval.seconds;
      continue;
    }
    auto after = std::upper_bound(modifications.begin(), modifications.end(), access);
    if (after == modifications.begin() || *(after - 1) <= previous) return false;
    exposure += access - *(after - 1);
  }
  return exposure > 0;
}

RateEstimate EstimateDocument(const DocumentHistory& history, double confidence) {
  if (internal::HasReportedHistory(history)) return EstimateWithReported(history, confidence);
  if (ModificationTimesUsable(history)) return EstimateFromModifications(history, confidence);
  double shortest = kInfinity;
  double longest = 0;
  double total = 0;
  std::uint64_t n = 0;
  std::uint64_t x = 0;
  for (const Interval& interval : history.intervals) {
    if (!Usable(interval)) continue;
    shortest = std::min(shortest, interval.seconds);
    longest = std::max(longest, interval.seconds);
    total += interval.seconds;
    ++n;
    if (interval.changed) ++x;
  }
  if (n == 0) return Unobserved();
  const double mean = total / static_cast<double>(n);
  if (longest - shortest <= 0.1 * mean) return EstimateRegular(n, x, mean, confidence);
  return EstimateIrregular(history.intervals, confidence);
}

}  // namespace freshd::advisor
