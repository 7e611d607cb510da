#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "advisor/advisor.h"

namespace adv = freshd::advisor;

namespace {

constexpr double kHour = 3600;

Approx Close(double value) { return Approx(value).epsilon(1e-9).margin(0); }

std::vector<adv::Interval> Equal(int n, int changed, double seconds) {
  std::vector<adv::Interval> intervals;
  for (int i = 0; i < n; ++i) intervals.push_back({seconds, i < changed});
  return intervals;
}

// Draws the intervals of polls of a Poisson process of `rate`.
std::vector<adv::Interval> Poll(std::mt19937_64& rng, double rate,
                                const std::vector<double>& lengths) {
  std::vector<adv::Interval> intervals;
  for (double t : lengths) {
    intervals.push_back({t, std::uniform_real_distribution<>(0, 1)(rng) < -std::expm1(-rate * t)});
  }
  return intervals;
}

}  // namespace

TEST_CASE("regular estimator with no change: rate 0, Clopper-Pearson upper bound") {
  const auto e = adv::EstimateRegular(10, 0, kHour, 0.9);
  CHECK(e.method == "regular");
  CHECK(e.rate == 0);
  CHECK(e.lower == 0);
  // p_upper = 1 - 0.05^(1/10), so r_upper = -ln(0.05) / (10 I).
  CHECK(e.upper == Close(-std::log(0.05) / (10 * kHour)));
  CHECK(e.observed_seconds == 10 * kHour);
}

TEST_CASE("regular estimator with some changes: r = -ln((n - X + 0.5) / (n + 0.5)) / I") {
  const auto e = adv::EstimateRegular(10, 5, kHour, 0.9);
  CHECK(e.rate == Close(std::log(10.5 / 5.5) / kHour));
  CHECK(e.lower < e.rate);
  CHECK(e.upper > e.rate);
  CHECK(e.changes == 5);
  CHECK(e.checks == 10);
}

TEST_CASE("regular estimator when every check changed: finite rate, unbounded upper") {
  const auto e = adv::EstimateRegular(10, 10, kHour, 0.9);
  CHECK(e.rate == Close(std::log(21.0) / kHour));  // (10 + 0.5) / 0.5
  CHECK(std::isinf(e.upper));
  // p_lower = 0.05^(1/10).
  CHECK(e.lower == Close(-std::log1p(-std::pow(0.05, 0.1)) / kHour));
}

TEST_CASE("irregular estimator on equal intervals equals the regular estimator") {
  const auto regular = adv::EstimateRegular(20, 7, kHour, 0.9);
  const auto irregular = adv::EstimateIrregular(Equal(20, 7, kHour), 0.9);
  CHECK(irregular.method == "irregular");
  CHECK(irregular.rate == Approx(regular.rate).epsilon(1e-12));
}

TEST_CASE("irregular estimator on a hand-computable case") {
  // One changed interval of 1 s, one unchanged of 1 s. With the half pseudo-unchanged
  // interval (mean length 1 s): 1 / (e^r - 1) = 1.5, r = ln(5/3). The plain MLE is ln 2,
  // and the likelihood-ratio bounds satisfy l(r) = l(ln 2) - chi2_0.9(1) / 2 with
  // l(r) = ln(1 - e^-r) - r.
  const auto e = adv::EstimateIrregular({{1, true}, {1, false}}, 0.9);
  CHECK(e.rate == Close(std::log(5.0 / 3.0)));
  const auto l = [](double r) { return std::log(-std::expm1(-r)) - r; };
  const double cut = l(std::log(2.0)) - adv::ChiSquareQuantile(0.9, 1) / 2;
  CHECK(l(e.lower) == Approx(cut).epsilon(1e-9));
  CHECK(l(e.upper) == Approx(cut).epsilon(1e-9));
  CHECK(e.lower < std::log(2.0));
  CHECK(e.upper > std::log(2.0));
}

TEST_CASE("irregular estimator with no change: rate 0, exact upper bound") {
  const auto e = adv::EstimateIrregular({{100, false}, {300, false}, {50, false}}, 0.9);
  CHECK(e.rate == 0);
  CHECK(e.lower == 0);
  CHECK(e.upper == Close(-std::log(0.05) / 450));
}

TEST_CASE("irregular estimator regularises when every interval changed") {
  const std::vector<adv::Interval> all = {{100, true}, {300, true}, {50, true}, {200, true}};
  const auto e = adv::EstimateIrregular(all, 0.9);
  REQUIRE(std::isfinite(e.rate));
  CHECK(e.rate > 0);
  CHECK(std::isinf(e.upper));
  CHECK(e.lower > 0);
  CHECK(e.lower < e.rate);
  // The lower bound is exact: P(all four changed | lower) = 0.05.
  double all_changed = 1;
  for (const auto& interval : all) all_changed *= -std::expm1(-e.lower * interval.seconds);
  CHECK(all_changed == Approx(0.05).epsilon(1e-9));
  // On equal intervals it matches the regular estimator's ln(2n + 1) / I.
  CHECK(adv::EstimateIrregular(Equal(4, 4, 100), 0.9).rate == Close(std::log(9.0) / 100));
}

TEST_CASE("naive estimator is X / T with Garwood's interval") {
  const auto none = adv::EstimateNaive({{100, false}, {300, false}}, 0.9);
  CHECK(none.rate == 0);
  CHECK(none.upper == Close(-std::log(0.05) / 400));  // chi2_0.95(2) / 2 = -ln 0.05
  const auto some = adv::EstimateNaive({{100, true}, {300, false}, {100, true}}, 0.9);
  CHECK(some.rate == Close(2.0 / 500));
  CHECK(some.lower == Close(adv::ChiSquareQuantile(0.05, 4) / 1000));
  CHECK(some.upper == Close(adv::ChiSquareQuantile(0.95, 6) / 1000));
}

TEST_CASE("last-modified estimator on a hand-computable case") {
  // Accesses at 100, 200, 300, 400; changes seen at 100 (last modified at 70) and 300
  // (last modified at 290); a modification at 150 inside an unchanged interval is ignored.
  adv::DocumentHistory h;
  h.first_check = 1000;
  h.last_check = 1400;
  h.intervals = {{100, true}, {100, false}, {100, true}, {100, false}};
  h.modification_times = {900, 1070, 1150, 1290};
  REQUIRE(adv::ModificationTimesUsable(h));
  const auto e = adv::EstimateFromModifications(h, 0.9);
  CHECK(e.method == "last_modified");
  // T = 30 + 100 + 10 + 100; r = (X - 1 - X / (n ln(1 - X/n))) / T with X = 2, n = 4.
  const double t = 240;
  CHECK(e.rate == Close((1 - 2 / (4 * std::log(0.5))) / t));
  CHECK(e.lower == Close(adv::ChiSquareQuantile(0.05, 4) / (2 * t)));
  CHECK(e.upper == Close(adv::ChiSquareQuantile(0.95, 6) / (2 * t)));
  CHECK(adv::EstimateDocument(h, 0.9).method == "last_modified");
}

TEST_CASE("modification times are unusable when a change has none inside its interval") {
  adv::DocumentHistory h;
  h.first_check = 1000;
  h.intervals = {{100, true}, {100, false}, {100, true}};
  h.modification_times = {1050};  // nothing in (1200, 1300]
  CHECK_FALSE(adv::ModificationTimesUsable(h));
  CHECK(adv::EstimateDocument(h, 0.9).method == "regular");
}

TEST_CASE("EstimateDocument picks the estimator from the history") {
  adv::DocumentHistory h;
  CHECK(adv::EstimateDocument(h, 0.9).method == "none");
  CHECK(std::isinf(adv::EstimateDocument(h, 0.9).upper));
  h.intervals = {{100, true}, {105, false}, {96, false}};
  CHECK(adv::EstimateDocument(h, 0.9).method == "regular");
  h.intervals = {{100, true}, {150, false}, {96, false}};
  CHECK(adv::EstimateDocument(h, 0.9).method == "irregular");
}

TEST_CASE("regular estimator is unbiased within 3% at n = 100 for r <= 3 (simulation)") {
  std::mt19937_64 rng(42);
  for (double r : {0.25, 0.5, 1.0, 2.0, 3.0}) {
    CAPTURE(r);
    std::binomial_distribution<int> changes(100, -std::expm1(-r));
    double sum = 0;
    const int trials = 4000;
    for (int i = 0; i < trials; ++i) sum += adv::EstimateRegular(100, changes(rng), 1, 0.9).rate;
    CHECK(sum / trials / r == Approx(1).margin(0.03));
  }
}

TEST_CASE("naive estimator is biased low by (1 - e^-r) / r (simulation)") {
  std::mt19937_64 rng(7);
  for (double r : {0.5, 1.0, 2.0}) {
    CAPTURE(r);
    double sum = 0;
    const int trials = 2000;
    for (int i = 0; i < trials; ++i) {
      sum += adv::EstimateNaive(Poll(rng, r, std::vector<double>(100, 1.0)), 0.9).rate;
    }
    CHECK(sum / trials / r == Approx(-std::expm1(-r) / r).margin(0.01));
  }
}

TEST_CASE("irregular estimator recovers the rate from irregular intervals (simulation)") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<> length(0.2, 1.8);
  for (double rate : {0.3, 1.0, 2.0}) {
    CAPTURE(rate);
    double sum = 0;
    const int trials = 2000;
    for (int i = 0; i < trials; ++i) {
      std::vector<double> lengths(100);
      for (double& t : lengths) t = length(rng);
      sum += adv::EstimateIrregular(Poll(rng, rate, lengths), 0.9).rate;
    }
    CHECK(sum / trials / rate == Approx(1).margin(0.04));
  }
}

TEST_CASE("last-modified estimator recovers the rate (simulation)") {
  std::mt19937_64 rng(5);
  for (double rate : {0.2, 1.0, 3.0}) {
    CAPTURE(rate);
    double sum = 0;
    const int trials = 2000;
    for (int i = 0; i < trials; ++i) {
      adv::DocumentHistory h;
      h.first_check = 10;
      double now = 10;
      double next_change = now + std::exponential_distribution<>(rate)(rng);
      for (int k = 0; k < 50; ++k) {
        const double previous = now;
        now += 1;
        bool changed = false;
        while (next_change <= now) {
          changed = true;
          h.modification_times.push_back(next_change);
          next_change += std::exponential_distribution<>(rate)(rng);
        }
        h.intervals.push_back({now - previous, changed});
      }
      h.last_check = now;
      sum += adv::EstimateFromModifications(h, 0.9).rate;
    }
    CHECK(sum / trials / rate == Approx(1).margin(0.04));
  }
}
