// Chi-square and beta quantiles from the regularized incomplete gamma and beta functions
// (series and Lentz continued fractions), inverted by Halley/Newton steps kept inside a
// bracket that shrinks on every evaluation, with bisection whenever a step leaves it.
#include <cmath>
#include <limits>

#include "advisor/advisor.h"

namespace freshd::advisor {
namespace {

constexpr double kEpsilon = 1e-16;
constexpr double kTiny = 1e-300;
constexpr int kMaxTerms = 100000;

// exp(a ln x - x - lnGamma(a)): the common prefactor of P(a, x) and Q(a, x).
double GammaPrefactor(double a, double x) { return std::exp(a * std::log(x) - x - std::lgamma(a)); }

// P(a, x) by its power series; converges fast for x < a + 1.
double GammaPSeries(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < kMaxTerms; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
  }
  return sum * GammaPrefactor(a, x);
}

// Q(a, x) by its continued fraction (modified Lentz); converges fast for x > a + 1.
double GammaQFraction(double a, double x) {
  double b = x + 1.0 - a;
  double c = 1.0 / kTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxTerms; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h * GammaPrefactor(a, x);
}

double GammaP(double a, double x) {
  if (x <= 0) return 0;
  return x < a + 1 ? GammaPSeries(a, x) : 1.0 - GammaQFraction(a, x);
}

double GammaQ(double a, double x) {
  if (x <= 0) return 1;
  return x < a + 1 ? 1.0 - GammaPSeries(a, x) : GammaQFraction(a, x);
}

// Continued fraction of the incomplete beta function (modified Lentz).
double BetaFraction(double a, double b, double x) {
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < kMaxTerms; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

double LogBeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// I_x(a, b), computed directly (not as 1 - something) on the side where the fraction
// converges, so that small tails keep their relative accuracy.
double BetaLower(double a, double b, double x);
double BetaUpper(double a, double b, double x) {  // 1 - I_x(a, b) = I_{1-x}(b, a)
  return BetaLower(b, a, 1.0 - x);
}
double BetaLower(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(a * std::log(x) + b * std::log1p(-x) - LogBeta(a, b));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * BetaFraction(a, b, x) / a;
  return 1.0 - front * BetaFraction(b, a, 1.0 - x) / b;
}

// Solves F(x) = p for an increasing F on (lo, hi) given F and its density f.
// `f_minus_p(x)` returns F(x) - p computed from the tail that keeps precision.
template <typename Residual, typename Density>
double Invert(Residual residual, Density density, double x, double lo, double hi) {
  for (int i = 0; i < 500; ++i) {
    const double r = residual(x);
    if (r == 0) return x;
    if (r < 0) {
      lo = x;
    } else {
      hi = x;
    }
    const double f = density(x);
    double next =
        (f > 0 && std::isfinite(f)) ? x - r / f : std::numeric_limits<double>::quiet_NaN();
    if (!(next > lo && next < hi)) {
      if (std::isfinite(hi)) {
        next = lo > 0 && hi / lo > 1e3 ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
      } else {
        next = 2 * x + 1;
      }
    }
    if (std::fabs(next - x) <= 1e-15 * std::fabs(next) || next == x) return next;
    x = next;
  }
  return x;
}

// Initial guess for the gamma quantile (Wilson-Hilferty above a = 1, the small-x series
// below), from a rational approximation of the normal quantile.
double GammaGuess(double p, double a) {
  if (a > 1) {
    const double pp = p < 0.5 ? p : 1 - p;
    const double t = std::sqrt(-2 * std::log(pp));
    double z = (2.30753 + t * 0.27061) / (1 + t * (0.99229 + t * 0.04481)) - t;
    if (p >= 0.5) z = -z;
    return std::fmax(1e-3 * a, a * std::pow(1 - 1 / (9 * a) - z / (3 * std::sqrt(a)), 3));
  }
  const double t = 1 - a * (0.253 + a * 0.12);
  return p < t ? std::pow(p / t, 1 / a) : 1 - std::log1p(-(p - t) / (1 - t));
}

double GammaQuantile(double p, double a) {
  const auto residual = [p, a](double x) {
    return p <= 0.5 ? GammaP(a, x) - p : (1 - p) - GammaQ(a, x);
  };
  const auto density = [a](double x) {
    return x > 0 ? std::exp((a - 1) * std::log(x) - x - std::lgamma(a)) : 0.0;
  };
  return Invert(residual, density, GammaGuess(p, a), 0, std::numeric_limits<double>::infinity());
}

}  // namespace

double ChiSquareQuantile(double probability, double degrees_of_freedom) {
  if (!(degrees_of_freedom > 0) || std::isnan(probability)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (probability <= 0) return 0;
  if (probability >= 1) return std::numeric_limits<double>::infinity();
  return 2 * GammaQuantile(probability, degrees_of_freedom / 2);
}

double BetaQuantile(double probability, double a, double b) {
  if (!(a > 0 && b > 0) || std::isnan(probability)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (probability <= 0) return 0;
  if (probability >= 1) return 1;
  const double p = probability;
  const auto residual = [p, a, b](double x) {
    return p <= 0.5 ? BetaLower(a, b, x) - p : (1 - p) - BetaUpper(a, b, x);
  };
  const auto density = [a, b](double x) {
    if (x <= 0 || x >= 1) return 0.0;
    return std::exp((a - 1) * std::log(x) + (b - 1) * std::log1p(-x) - LogBeta(a, b));
  };
  // Tail approximations: I_x ~ x^a / (a B(a, b)) near 0, 1 - I_x ~ (1-x)^b / (b B(a, b))
  // near 1.
  const double log_beta = LogBeta(a, b);
  double guess = p <= 0.5 ? std::exp((std::log(p * a) + log_beta) / a)
                          : 1 - std::exp((std::log((1 - p) * b) + log_beta) / b);
  if (!(guess > 0 && guess < 1)) guess = a / (a + b);
  return Invert(residual, density, guess, 0, 1);
}

}  // namespace freshd::advisor
