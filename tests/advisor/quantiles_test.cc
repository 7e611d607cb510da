#include <catch2/catch.hpp>
#include <cmath>

#include "advisor/advisor.h"

using freshd::advisor::BetaQuantile;
using freshd::advisor::ChiSquareQuantile;

namespace {
Approx Close(double value) { return Approx(value).epsilon(1e-9).margin(0); }
}  // namespace

TEST_CASE("chi-square quantiles match well-known table values to 1e-9") {
  CHECK(ChiSquareQuantile(0.95, 1) == Close(3.841458820694124));
  CHECK(ChiSquareQuantile(0.95, 10) == Close(18.307038053275146));
  CHECK(ChiSquareQuantile(0.05, 2) == Close(0.10258658877510107));
  // Printed tables give three decimals.
  CHECK(ChiSquareQuantile(0.95, 100) == Approx(124.342).epsilon(0).margin(5e-4));
  CHECK(ChiSquareQuantile(0.05, 100) == Approx(77.929).epsilon(0).margin(5e-4));
}

TEST_CASE("chi-square quantiles with 2 degrees of freedom match -2 ln(1 - p)") {
  for (double p : {1e-12, 1e-6, 0.01, 0.05, 0.3, 0.5, 0.9, 0.95, 0.999, 1 - 1e-10}) {
    CAPTURE(p);
    CHECK(ChiSquareQuantile(p, 2) == Close(-2 * std::log1p(-p)));
  }
}

TEST_CASE("chi-square quantiles with 4 and 6 degrees of freedom invert the closed-form cdf") {
  // For 2k degrees of freedom, P(chi2 > x) = e^(-x/2) sum_{j<k} (x/2)^j / j!.
  for (double p : {1e-6, 0.025, 0.5, 0.95, 0.9999}) {
    CAPTURE(p);
    const double x4 = ChiSquareQuantile(p, 4) / 2;
    CHECK(std::exp(-x4) * (1 + x4) == Close(1 - p));
    const double x6 = ChiSquareQuantile(p, 6) / 2;
    CHECK(std::exp(-x6) * (1 + x6 + x6 * x6 / 2) == Close(1 - p));
  }
}

TEST_CASE("chi-square quantile edge probabilities") {
  CHECK(ChiSquareQuantile(0, 3) == 0);
  CHECK(std::isinf(ChiSquareQuantile(1, 3)));
  CHECK(std::isnan(ChiSquareQuantile(0.5, 0)));
}

TEST_CASE("beta quantiles match the closed forms of Beta(1, b) and Beta(a, 1)") {
  for (double p : {1e-8, 0.01, 0.05, 0.3, 0.5, 0.9, 0.95, 0.999999}) {
    for (double s : {0.5, 2.0, 7.5, 50.0}) {
      CAPTURE(p, s);
      CHECK(BetaQuantile(p, 1, s) == Close(-std::expm1(std::log1p(-p) / s)));
      CHECK(BetaQuantile(p, s, 1) == Close(std::pow(p, 1 / s)));
    }
    CHECK(BetaQuantile(p, 1, 1) == Close(p));
  }
}

TEST_CASE("symmetric beta distributions have their median at 0.5") {
  for (double a : {0.3, 2.0, 17.0, 300.0}) {
    CAPTURE(a);
    CHECK(BetaQuantile(0.5, a, a) == Close(0.5));
  }
}

TEST_CASE("Beta(2, 2) quantiles invert its cdf 3x^2 - 2x^3") {
  for (double p : {1e-6, 0.05, 0.4, 0.95, 0.999}) {
    CAPTURE(p);
    const double x = BetaQuantile(p, 2, 2);
    CHECK(3 * x * x - 2 * x * x * x == Close(p));
  }
}

TEST_CASE("beta quantiles are consistent under swapping a and b") {
  for (double p : {0.001, 0.05, 0.5, 0.95}) {
    CAPTURE(p);
    CHECK(BetaQuantile(p, 2.5, 7) == Close(1 - BetaQuantile(1 - p, 7, 2.5)));
    CHECK(BetaQuantile(p, 3, 98) == Close(1 - BetaQuantile(1 - p, 98, 3)));
  }
}
