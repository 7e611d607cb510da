#include "scheduler/allocation.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

using freshd::scheduler::AllocateChecks;
using freshd::scheduler::AllocateUniform;
using freshd::scheduler::Allocation;
using freshd::scheduler::AllocationLimits;
using freshd::scheduler::ExpectedFreshness;

namespace {

constexpr double kDay = 86400;

AllocationLimits Limits(double budget_per_day, double min_interval = 60,
                        double max_interval = 365 * kDay) {
  return {budget_per_day / kDay, min_interval, max_interval};
}

double SumOfFrequencies(const Allocation& allocation) {
  double sum = 0;
  for (const double interval : allocation.intervals_seconds) sum += 1 / interval;
  return sum;
}

// Log-uniform rates from once an hour to once a month.
std::vector<double> RandomRates(std::size_t count, std::uint32_t seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> exponent(std::log(1 / (30 * kDay)), std::log(1 / 3600.0));
  std::vector<double> rates(count);
  for (double& rate : rates) rate = std::exp(exponent(random));
  return rates;
}

double MeanFreshness(const std::vector<double>& rates, const std::vector<double>& intervals) {
  double sum = 0;
  for (std::size_t i = 0; i < rates.size(); ++i) sum += ExpectedFreshness(rates[i], intervals[i]);
  return sum / static_cast<double>(rates.size());
}

// dF/df at the allocated interval: equal for every document between the limits at the optimum.
double Marginal(double rate, double interval) {
  const double x = rate * interval;
  return (1 - (1 + x) * std::exp(-x)) / rate;
}

}  // namespace

TEST_CASE("expected freshness is (1 - e^-x) / x of rate times interval") {
  CHECK(ExpectedFreshness(0, 3600) == 1);
  CHECK(ExpectedFreshness(1.0 / 3600, 3600) == Approx(1 - std::exp(-1.0)).epsilon(1e-12));
  CHECK(ExpectedFreshness(2.0 / 3600, 3600) == Approx((1 - std::exp(-2.0)) / 2).epsilon(1e-12));
  CHECK(ExpectedFreshness(1e-12, 1) == Approx(1 - 0.5e-12).epsilon(1e-15));
}

TEST_CASE("documents of equal rates share the budget equally") {
  const std::vector<double> rates(4, 1 / kDay);
  const Allocation allocation = AllocateChecks(rates, Limits(8));
  for (const double interval : allocation.intervals_seconds) {
    CHECK(interval == Approx(kDay / 2).epsilon(1e-9));
  }
  CHECK(allocation.requests_per_second == Approx(8 / kDay).epsilon(1e-9));
  CHECK(allocation.expected_freshness == Approx(ExpectedFreshness(1 / kDay, kDay / 2)));
}

TEST_CASE("a page far too fast for the budget gets the longest interval as in the paper") {
  // Cho and Garcia-Molina's example: one page changes 9 times a day, the other once, and one
  // check a day is affordable: checking only the slow page keeps the index freshest.
  const std::vector<double> rates = {9 / kDay, 1 / kDay};
  const AllocationLimits limits = Limits(1);
  const Allocation allocation = AllocateChecks(rates, limits);
  CHECK(allocation.intervals_seconds[0] == Approx(limits.max_interval_seconds));
  CHECK(allocation.intervals_seconds[1] < 1.01 * kDay);
  CHECK(allocation.requests_per_second == Approx(limits.budget_per_second).epsilon(1e-9));
  CHECK(allocation.expected_freshness > AllocateUniform(rates, limits).expected_freshness);
}

TEST_CASE("with a large budget the faster page is checked more often") {
  const std::vector<double> rates = {9 / kDay, 1 / kDay};
  const Allocation allocation = AllocateChecks(rates, Limits(200));
  CHECK(allocation.intervals_seconds[0] < allocation.intervals_seconds[1]);
  // With r I small, F ~ 1 - r / (2 f) and the optimum has f proportional to sqrt(r).
  CHECK(allocation.intervals_seconds[1] / allocation.intervals_seconds[0] ==
        Approx(3).epsilon(0.05));
}

TEST_CASE("the frequencies sum to the budget and respect the limits") {
  const std::vector<double> rates = RandomRates(5000, 7);
  for (const double per_day : {2000.0, 5000.0, 20000.0, 200000.0}) {
    const AllocationLimits limits = Limits(per_day, 300, 7 * kDay);
    const Allocation allocation = AllocateChecks(rates, limits);
    REQUIRE(allocation.intervals_seconds.size() == rates.size());
    CHECK(std::abs(SumOfFrequencies(allocation) / limits.budget_per_second - 1) < 1e-9);
    CHECK(std::abs(allocation.requests_per_second / limits.budget_per_second - 1) < 1e-9);
    for (const double interval : allocation.intervals_seconds) {
      CHECK(interval >= limits.min_interval_seconds * (1 - 1e-12));
      CHECK(interval <= limits.max_interval_seconds * (1 + 1e-12));
    }
  }
}

TEST_CASE("the marginal freshness is equal for every document between the limits") {
  const std::vector<double> rates = RandomRates(2000, 11);
  const Allocation allocation = AllocateChecks(rates, Limits(3000, 300, 7 * kDay));
  std::vector<double> marginals;
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const double interval = allocation.intervals_seconds[i];
    if (interval > 300 * 1.000001 && interval < 7 * kDay * 0.999999) {
      marginals.push_back(Marginal(rates[i], interval));
    }
  }
  REQUIRE(marginals.size() > 100);
  for (const double marginal : marginals) CHECK(marginal == Approx(marginals[0]).epsilon(1e-6));
}

TEST_CASE("the allocation is fresher than uniform and proportional ones") {
  const std::vector<double> rates = RandomRates(3000, 3);
  const AllocationLimits limits = Limits(3000, 60, 365 * kDay);
  const Allocation optimal = AllocateChecks(rates, limits);
  const double total_rate = std::accumulate(rates.begin(), rates.end(), 0.0);
  std::vector<double> proportional;
  proportional.reserve(rates.size());
  for (const double rate : rates) {
    proportional.push_back(total_rate / (rate * limits.budget_per_second));
  }
  const double uniform = AllocateUniform(rates, limits).expected_freshness;
  CHECK(optimal.expected_freshness == Approx(MeanFreshness(rates, optimal.intervals_seconds)));
  CHECK(optimal.expected_freshness > uniform + 0.01);
  CHECK(optimal.expected_freshness > MeanFreshness(rates, proportional) + 0.01);
}

TEST_CASE("moving checks between two documents does not improve the optimum") {
  const std::vector<double> rates = RandomRates(50, 5);
  const AllocationLimits limits = Limits(60, 60, 365 * kDay);
  const Allocation optimal = AllocateChecks(rates, limits);
  const auto inside = [&](std::size_t i) {
    return optimal.intervals_seconds[i] < limits.max_interval_seconds * 0.999;
  };
  std::size_t pairs = 0;
  for (std::size_t i = 0; i + 1 < rates.size(); ++i) {
    if (!inside(i) || !inside(i + 1)) continue;
    ++pairs;
    for (const double shift : {-0.01, 0.01}) {
      std::vector<double> intervals = optimal.intervals_seconds;
      const double f = 1 / intervals[i];
      const double g = 1 / intervals[i + 1];
      const double moved = shift * std::min(f, g);
      intervals[i] = 1 / (f + moved);
      intervals[i + 1] = 1 / (g - moved);
      CHECK(MeanFreshness(rates, intervals) <= optimal.expected_freshness + 1e-12);
    }
  }
  CHECK(pairs > 10);
}

TEST_CASE("a budget too small for max_interval gives every document max_interval") {
  const std::vector<double> rates = RandomRates(100, 1);
  const AllocationLimits limits = Limits(3, 60, 30 * kDay);  // 100 / 30 d > 3 / d
  const Allocation allocation = AllocateChecks(rates, limits);
  for (const double interval : allocation.intervals_seconds) {
    CHECK(interval == limits.max_interval_seconds);
  }
  CHECK(allocation.requests_per_second > limits.budget_per_second);
  CHECK(AllocateChecks(rates, Limits(0)).intervals_seconds[0] == 365 * kDay);
}

TEST_CASE("a budget beyond min_interval gives every changing document min_interval") {
  const std::vector<double> rates = {1 / kDay, 1 / 3600.0, 0};
  const Allocation allocation = AllocateChecks(rates, Limits(1e6, 60, 7 * kDay));
  CHECK(allocation.intervals_seconds[0] == 60);
  CHECK(allocation.intervals_seconds[1] == 60);
  CHECK(allocation.intervals_seconds[2] == 7 * kDay);
}

TEST_CASE("documents that never change get max_interval and the others the rest") {
  const std::vector<double> rates = {0, 1 / kDay, 0, 1 / kDay};
  const AllocationLimits limits = Limits(10, 60, 7 * kDay);
  const Allocation allocation = AllocateChecks(rates, limits);
  CHECK(allocation.intervals_seconds[0] == 7 * kDay);
  CHECK(allocation.intervals_seconds[2] == 7 * kDay);
  const double rest = (10 - 2 / 7.0) / 2;  // checks a day for each changing document
  CHECK(allocation.intervals_seconds[1] == Approx(kDay / rest).epsilon(1e-9));
  CHECK(allocation.intervals_seconds[3] == Approx(kDay / rest).epsilon(1e-9));
}

TEST_CASE("uniform allocation splits the budget evenly within the limits") {
  const std::vector<double> rates = {0, 1 / kDay, 1 / 3600.0, 1 / 60.0};
  const Allocation even = AllocateUniform(rates, Limits(8, 60, 7 * kDay));
  for (const double interval : even.intervals_seconds) CHECK(interval == Approx(kDay / 2));
  CHECK(AllocateUniform(rates, Limits(0.1, 60, 7 * kDay)).intervals_seconds[1] == 7 * kDay);
  CHECK(AllocateUniform(rates, Limits(1e6, 60, 7 * kDay)).intervals_seconds[1] == 60);
  CHECK(AllocateUniform({}, Limits(8)).intervals_seconds.empty());
}

TEST_CASE("no documents give an empty allocation") {
  const Allocation allocation = AllocateChecks({}, Limits(8));
  CHECK(allocation.intervals_seconds.empty());
  CHECK(allocation.requests_per_second == 0);
}

TEST_CASE("the planning rate shrinks a short history towards the source's mean") {
  using freshd::scheduler::ObservedRate;
  using freshd::scheduler::PlanningRate;
  const double prior = 1 / kDay;
  // No history: the mean.
  CHECK(PlanningRate(ObservedRate{}, prior) == prior);
  // Ten days without a change: half a change over ten and a half days, not zero.
  CHECK(PlanningRate(ObservedRate{4, 0, 0, 10 * kDay}, prior) == Approx(0.5 / (10.5 * kDay)));
  // A long history at a known rate: that rate.
  CHECK(PlanningRate(ObservedRate{400, 300, 3 / kDay, 1000 * kDay}, prior) ==
        Approx(3 / kDay).epsilon(0.001));
  // No prior: the estimate.
  CHECK(PlanningRate(ObservedRate{4, 2, 3 / kDay, 10 * kDay}, 0) == 3 / kDay);
}

TEST_CASE("a document whose every check saw a change is explored at shorter intervals") {
  using freshd::scheduler::ExploringInterval;
  using freshd::scheduler::ObservedRate;
  const AllocationLimits limits = Limits(10, 600, 7 * kDay);
  const ObservedRate always{3, 3, 1 / kDay, 6 * kDay};
  const ObservedRate sometimes{3, 2, 1 / kDay, 6 * kDay};
  CHECK(ExploringInterval(always, 2 * kDay, 7 * kDay, limits) == kDay / 2);
  CHECK(ExploringInterval(always, 2 * kDay, 3600, limits) == 3600);  // the allocation is shorter
  CHECK(ExploringInterval(always, 1200, 7 * kDay, limits) == 600);   // not below min_interval
  CHECK(ExploringInterval(sometimes, 2 * kDay, 7 * kDay, limits) == 7 * kDay);
  CHECK(ExploringInterval(ObservedRate{}, 2 * kDay, 5 * kDay, limits) == 5 * kDay);
}
