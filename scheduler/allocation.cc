#include "scheduler/allocation.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

namespace freshd::scheduler {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// g(x) = 1 - (1 + x) e^(-x), x = rate / frequency: the marginal freshness dF/df times the
// rate. Increasing from 0 (x = 0) to 1 (x -> inf). Near 0 the two terms cancel, so the
// series sum over k >= 2 of (-1)^k (k - 1) x^k / k! is used there. `e` is e^(-x).
double G(double x, double e) {
  if (x < 0.05) {
    double term = x * x / 2;  // x^k / k!, from k = 2
    double sum = term;
    for (int k = 3; k <= 9; ++k) {
      term *= -x / k;
      sum += (k - 1) * term;
    }
    return sum;
  }
  if (x > 0.5) return 1 - (1 + x) * e;
  return -std::expm1(-x) - x * e;
}

double G(double x) { return G(x, std::exp(-x)); }

// A first guess at the inverse of g, within about 10%: from the series near 0, from
// x = L + ln(1 + x) with L = -ln(1 - y) beyond.
double GuessInverseG(double y) {
  if (y < 0.35) {
    const double s = std::sqrt(2 * y);
    return s * (1 + s / 3 + s * s / 36);
  }
  const double l = -std::log1p(-y);
  double x = l;
  for (int i = 0; i < 3; ++i) x = l + std::log1p(x);
  return x;
}

// The x in (low, high) with g(x) = y, for g(low) < y < g(high): Halley's method (g' = x
// e^(-x), g'' = (1 - x) e^(-x); the error is cubed at each step) kept inside the bracket,
// bisecting when a step would leave it. `guess` <= 0: none.
double InverseG(double y, double low, double high, double guess) {
  double x = std::clamp(guess > 0 ? guess : GuessInverseG(y), low, high);
  if (!(x > low && x < high)) x = std::isfinite(high) ? (low + high) / 2 : 2 * low + 1;
  for (int i = 0; i < 100; ++i) {
    const double e = std::exp(-x);
    const double excess = G(x, e) - y;
    if (excess == 0) return x;
    (excess > 0 ? high : low) = x;
    const double slope = x * e;
    const double newton = excess / slope;
    const double step = newton / (1 - 0.5 * newton * (1 - x) / x);
    double next = x - step;
    if (!(slope > 0) || !(next > low && next < high)) {
      next = std::isfinite(high) ? (low + high) / 2 : 2 * x;
    } else if (std::abs(step) <= 1e-6 * x) {
      return next;
    }
    x = next;
  }
  return x;
}

// One document of positive, finite rate, with its marginal freshness at the limits.
struct Document {
  std::size_t index;
  double rate;
  double marginal_at_low;   // dF/df at f = low (the longest interval)
  double marginal_at_high;  // dF/df at f = high (the shortest interval)
  double x = 0;             // rate / frequency at the last solve, a warm start
};

double Marginal(double rate, double frequency) { return G(rate / frequency) / rate; }

struct Range {
  double low;   // frequency at max_interval
  double high;  // frequency at min_interval
};

// The frequency maximising F - mu f within the range (dF/df = mu, or a limit).
double FrequencyAt(double mu, const Range& range, Document& doc) {
  if (doc.marginal_at_low <= mu) return range.low;
  if (doc.marginal_at_high >= mu) return range.high;
  doc.x = InverseG(mu * doc.rate, doc.rate / range.high, doc.rate / range.low, doc.x);
  return std::clamp(doc.rate / doc.x, range.low, range.high);
}

// The total frequency at multiplier mu, and its derivative with respect to ln(mu).
struct Total {
  double sum = 0;
  double slope = 0;  // d sum / d ln(mu), <= 0
};

Total TotalAt(double mu, const Range& range, std::vector<Document>& docs) {
  Total total;
  for (Document& doc : docs) {
    const double f = FrequencyAt(mu, range, doc);
    total.sum += f;
    if (f > range.low && f < range.high && doc.x < 700) {
      // df/dmu = 1 / F''(f) = -f^2 e^x / x.
      total.slope -= mu * f * f * std::exp(doc.x) / doc.x;
    }
  }
  return total;
}

// The ln(mu) at which the documents' frequencies sum to `budget`, for a budget strictly
// between the sums at the two ends: safeguarded Newton steps in ln(mu), bisection when a
// step would leave the bracket or the last step did not halve the excess.
double SolveMultiplier(double budget, const Range& range, std::vector<Document>& docs) {
  double high_mu = 0;
  double low_mu = kInfinity;
  for (const Document& doc : docs) {
    high_mu = std::max(high_mu, doc.marginal_at_low);
    low_mu = std::min(low_mu, doc.marginal_at_high);
  }
  const double min_positive = std::numeric_limits<double>::min();
  double low = std::log(std::max(low_mu, min_positive));    // sum >= budget here
  double high = std::log(std::max(high_mu, min_positive));  // sum <= budget here
  double t = (low + high) / 2;
  double previous_excess = kInfinity;
  for (int i = 0; i < 200 && high - low > 1e-15 * std::max(1.0, std::abs(t)); ++i) {
    const Total total = TotalAt(std::exp(t), range, docs);
    const double excess = total.sum - budget;
    if (std::abs(excess) <= 1e-14 * budget) break;
    (excess > 0 ? low : high) = t;
    double next = total.slope < 0 ? t - excess / total.slope : kInfinity;
    const bool slow = std::abs(excess) > std::abs(previous_excess) / 2;
    if (!(next > low && next < high) || slow) next = (low + high) / 2;
    previous_excess = excess;
    t = next;
  }
  return t;
}

// Spreads what the sum misses of the budget (rounding, a stopped solve) over the documents
// that can take it, proportionally to their room, so that the sum is the budget.
void CloseGap(double budget, const Range& range, const std::vector<Document>& docs,
              std::vector<double>& frequencies) {
  double sum = 0;
  for (const double f : frequencies) sum += f;
  const double gap = budget - sum;
  double room = 0;
  for (const Document& doc : docs) {
    const double f = frequencies[doc.index];
    room += gap > 0 ? range.high - f : f - range.low;
  }
  if (gap == 0 || room <= 0) return;
  const double share = std::min(1.0, std::abs(gap) / room);
  for (const Document& doc : docs) {
    double& f = frequencies[doc.index];
    f += gap > 0 ? share * (range.high - f) : -share * (f - range.low);
  }
}

Allocation Finish(const std::vector<double>& rates, const std::vector<double>& frequencies) {
  Allocation allocation;
  allocation.intervals_seconds.reserve(frequencies.size());
  double freshness = 0;
  for (std::size_t i = 0; i < frequencies.size(); ++i) {
    const double interval = 1 / frequencies[i];
    allocation.intervals_seconds.push_back(interval);
    allocation.requests_per_second += frequencies[i];
    freshness += ExpectedFreshness(rates[i], interval);
  }
  if (!rates.empty()) allocation.expected_freshness = freshness / static_cast<double>(rates.size());
  return allocation;
}

Range RangeOf(const AllocationLimits& limits) {
  const double high = 1 / limits.min_interval_seconds;
  return {std::min(high, 1 / limits.max_interval_seconds), high};
}

bool Changes(double rate) { return rate > 0; }

}  // namespace

double ExpectedFreshness(double rate_per_second, double interval_seconds) {
  if (!(rate_per_second > 0)) return 1;
  const double x = rate_per_second * interval_seconds;
  if (!std::isfinite(x)) return 0;
  if (x == 0) return 1;
  return -std::expm1(-x) / x;
}

Allocation AllocateChecks(const std::vector<double>& rates_per_second,
                          const AllocationLimits& limits) {
  const Range range = RangeOf(limits);
  const double budget = limits.budget_per_second;
  std::vector<double> frequencies(rates_per_second.size(), range.low);
  std::vector<Document> docs;
  for (std::size_t i = 0; i < rates_per_second.size(); ++i) {
    const double rate = rates_per_second[i];
    if (!Changes(rate) || !std::isfinite(rate)) continue;  // fresh always, or never
    docs.push_back({i, rate, Marginal(rate, range.low), Marginal(rate, range.high)});
  }
  const double fixed = static_cast<double>(rates_per_second.size() - docs.size()) * range.low;
  const double spare = budget - fixed;  // for the documents that change at a finite rate
  const double at_low = static_cast<double>(docs.size()) * range.low;
  const double at_high = static_cast<double>(docs.size()) * range.high;
  if (docs.empty() || !(spare > at_low)) return Finish(rates_per_second, frequencies);
  if (spare >= at_high) {
    for (const Document& doc : docs) frequencies[doc.index] = range.high;
    return Finish(rates_per_second, frequencies);
  }
  const double mu = std::exp(SolveMultiplier(spare, range, docs));
  for (Document& doc : docs) frequencies[doc.index] = FrequencyAt(mu, range, doc);
  CloseGap(budget, range, docs, frequencies);
  return Finish(rates_per_second, frequencies);
}

Allocation AllocateUniform(const std::vector<double>& rates_per_second,
                           const AllocationLimits& limits) {
  const Range range = RangeOf(limits);
  const double each =
      rates_per_second.empty()
          ? range.low
          : std::clamp(limits.budget_per_second / static_cast<double>(rates_per_second.size()),
                       range.low, range.high);
  return Finish(rates_per_second, std::vector<double>(rates_per_second.size(), each));
}

double PlanningRate(const ObservedRate& observed, double prior_rate) {
  if (observed.checks == 0 || !(observed.observed_seconds > 0)) return prior_rate;
  if (!(prior_rate > 0)) return observed.estimate;
  constexpr double kPriorChanges = 0.5;
  const double exposure = observed.observed_seconds;
  return (observed.estimate * exposure + kPriorChanges) / (exposure + kPriorChanges / prior_rate);
}

double ExploringInterval(const ObservedRate& observed, double last_interval_seconds,
                         double allocated_seconds, const AllocationLimits& limits) {
  if (observed.checks == 0 || observed.changes < observed.checks) return allocated_seconds;
  return std::max(limits.min_interval_seconds,
                  std::min(allocated_seconds, last_interval_seconds / 4));
}

}  // namespace freshd::scheduler
