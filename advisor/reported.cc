// Change-rate estimates that mix freshd's own observations with the history a source
// reports about itself (DESIGN.md 6.2): one likelihood for both.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "advisor/advisor.h"
#include "advisor/internal.h"

namespace freshd::advisor {
namespace {

// Everything the likelihood needs. A change seen by polling in an interval of length t has
// probability 1 - e^(-r t); time without a change (observed or reported) E contributes
// e^(-r E); a reported change time is an exact event, a factor r.
struct Evidence {
  std::vector<std::pair<double, double>> changed;  // interval length, how many such
  double unchanged_seconds = 0;                    // observed, without a change
  double reported_seconds = 0;
  double reported_changes = 0;
  double dated_changes = 0;  // observed changes whose time the source's date gives
  double observed_seconds = 0;
  std::uint64_t checks = 0;
  std::uint64_t changes = 0;

  double Unchanged() const { return unchanged_seconds + reported_seconds; }
  double Exact() const { return reported_changes + dated_changes; }
};

double LogLikelihood(const Evidence& e, double r) {
  double sum = e.Exact() * std::log(r) - r * e.Unchanged();
  for (const auto& [t, count] : e.changed) sum += count * std::log(-std::expm1(-r * t));
  return sum;
}

// The derivative of LogLikelihood, with `extra_unchanged` seconds added to the exposure.
double Score(const Evidence& e, double r, double extra_unchanged) {
  double sum = e.Exact() / r;
  for (const auto& [t, count] : e.changed) sum += count * t / std::expm1(r * t);
  return sum - e.Unchanged() - extra_unchanged;
}

Evidence ReportedPart(const DocumentHistory& history) {
  Evidence evidence;
  evidence.reported_seconds = history.first_check - history.reported_since;
  for (double time : history.reported_changes) {
    if (time > history.reported_since && time <= history.first_check) ++evidence.reported_changes;
  }
  return evidence;
}

double Naive(const Evidence& e) {
  return (static_cast<double>(e.changes) + e.reported_changes) /
         (e.observed_seconds + e.reported_seconds);
}

// The likelihood-ratio interval {r : 2 (l(r_mle) - l(r)) <= chi2_conf(1)}; the likelihood
// is concave in r. Needs an observed interval that saw a change.
internal::PoissonBounds LikelihoodInterval(const Evidence& e, double confidence) {
  const double mle = internal::DecreasingRoot([&](double r) { return Score(e, r, 0); }, Naive(e));
  const double cut = LogLikelihood(e, mle) - ChiSquareQuantile(confidence, 1) / 2;
  return {internal::DecreasingRoot([&](double r) { return cut - LogLikelihood(e, r); }, mle),
          internal::DecreasingRoot([&](double r) { return LogLikelihood(e, r) - cut; }, mle)};
}

// The point estimate and the lower bound take the reported date at the first check as the
// start of unchanged time; the upper bound counts it as a change too (the last edit, if it
// was not the creation), which only widens the interval on the side that "stable" needs.
RateEstimate FromEvidence(const Evidence& e, double confidence, const char* method) {
  RateEstimate estimate;
  estimate.method = method;
  estimate.checks = e.checks;
  estimate.changes = e.changes;
  estimate.observed_seconds = e.observed_seconds;
  estimate.reported_seconds = e.reported_seconds;
  estimate.reported_changes = static_cast<std::uint64_t>(e.reported_changes);
  Evidence with_date = e;
  ++with_date.reported_changes;
  if (e.changed.empty()) {
    // A Poisson count over a known exposure: the MLE and Garwood's exact interval.
    const auto k = static_cast<std::uint64_t>(e.Exact());
    estimate.rate = e.Exact() / e.Unchanged();
    estimate.lower = internal::Garwood(k, e.Unchanged(), confidence).lower;
    estimate.upper = internal::Garwood(k + 1, e.Unchanged(), confidence).upper;
    return estimate;
  }
  // As EstimateIrregular: half a pseudo-unchanged observed interval of the mean length in
  // the point estimate, the plain likelihood for the interval.
  const double mean =
      e.observed_seconds / static_cast<double>(std::max<std::uint64_t>(1, e.checks));
  estimate.rate =
      internal::DecreasingRoot([&](double r) { return Score(e, r, 0.5 * mean); }, Naive(e));
  estimate.lower = LikelihoodInterval(e, confidence).lower;
  estimate.upper = LikelihoodInterval(with_date, confidence).upper;
  return estimate;
}

}  // namespace

RateEstimate EstimateWithReported(const DocumentHistory& history, double confidence) {
  if (!internal::HasReportedHistory(history)) return EstimateDocument(history, confidence);
  Evidence evidence = ReportedPart(history);
  if (ModificationTimesUsable(history)) {
    // The observed part as the last-modified estimator sees it: X exact change times over
    // the time known to be without a change, a Poisson likelihood like the reported part.
    const internal::ModificationEvidence seen = internal::FromModifications(history);
    evidence.checks = seen.checks;
    evidence.changes = seen.changes;
    evidence.observed_seconds = seen.total;
    evidence.unchanged_seconds = seen.exposure;
    evidence.dated_changes = static_cast<double>(seen.changes);
    return FromEvidence(evidence, confidence, "last_modified+reported");
  }
  for (const Interval& interval : history.intervals) {
    if (!(interval.seconds > 0) || !std::isfinite(interval.seconds)) continue;
    ++evidence.checks;
    evidence.observed_seconds += interval.seconds;
    if (interval.changed) {
      ++evidence.changes;
      evidence.changed.emplace_back(interval.seconds, 1.0);
    } else {
      evidence.unchanged_seconds += interval.seconds;
    }
  }
  return FromEvidence(evidence, confidence, "irregular+reported");
}

RateEstimate EstimateLifetimeWithReported(std::uint64_t checks, std::uint64_t changes,
                                          double interval_seconds, const DocumentHistory& history,
                                          double confidence) {
  if (!internal::HasReportedHistory(history)) {
    return EstimateRegular(checks, changes, interval_seconds, confidence);
  }
  Evidence evidence = ReportedPart(history);
  if (!(interval_seconds > 0)) checks = 0;
  changes = std::min(changes, checks);
  evidence.checks = checks;
  evidence.changes = changes;
  evidence.observed_seconds = static_cast<double>(checks) * interval_seconds;
  evidence.unchanged_seconds = static_cast<double>(checks - changes) * interval_seconds;
  if (changes > 0) evidence.changed.emplace_back(interval_seconds, static_cast<double>(changes));
  return FromEvidence(evidence, confidence, "lifetime+reported");
}

}  // namespace freshd::advisor
