#include "seigh/eig/result.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "seigh/core/error.hpp"

namespace seigh::eig {

std::string name(Ordering ordering) { return ordering == Ordering::magnitude ? "magnitude" : "algebraic"; }

Ordering parse_ordering(const std::string& text) {
  if (text == "magnitude") return Ordering::magnitude;
  if (text == "algebraic") return Ordering::algebraic;
  SEIGH_FAIL() << "unknown ordering '" << text << "' (valid: magnitude, algebraic)";
}

std::vector<Index> sorted_order(const VectorD& values, Ordering ordering) {
  std::vector<Index> order(static_cast<std::size_t>(values.size()));
  std::iota(order.begin(), order.end(), Index{0});
  const auto key = [&](Index i) { return ordering == Ordering::magnitude ? std::abs(values[i]) : values[i]; };
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return key(a) > key(b); });
  return order;
}

double ErrorEstimate::relative_error() const {
  if (operator_frobenius2 <= 0) return residual_frobenius2 > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return std::sqrt(residual_frobenius2 / operator_frobenius2);
}

double ErrorEstimate::probability_under(double epsilon) const {
  SEIGH_REQUIRE(epsilon > 0 && epsilon < 1) << "probability_under: epsilon=" << epsilon << " outside (0, 1)";
  return std::pow(std::exp(epsilon) * (1 - epsilon), static_cast<double>(probes) / 2);
}

double ErrorEstimate::probability_over(double epsilon) const {
  SEIGH_REQUIRE(epsilon > 0) << "probability_over: epsilon=" << epsilon << " must be > 0";
  return std::pow((1 + epsilon) * std::exp(-epsilon), static_cast<double>(probes) / 2);
}

namespace {
/// Smallest x in (lo, hi) with f(x) <= delta for f decreasing on (lo, hi).
template <class F>
double bisect_decreasing(F f, double lo, double hi, double delta) {
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > delta ? lo : hi) = mid;
  }
  return hi;
}
}  // namespace

double ErrorEstimate::epsilon_under(double delta) const {
  SEIGH_REQUIRE(probes > 0 && delta > 0 && delta < 1) << "epsilon_under: needs probes > 0 and delta in (0, 1)";
  // e^ε(1 − ε) decreases from 1 to 0 on (0, 1), so a solution always exists.
  return bisect_decreasing([&](double eps) { return probability_under(eps); }, 0.0, 1.0, delta);
}

double ErrorEstimate::epsilon_over(double delta) const {
  SEIGH_REQUIRE(probes > 0 && delta > 0 && delta < 1) << "epsilon_over: needs probes > 0 and delta in (0, 1)";
  // (1 + ε)e^{−ε} decreases from 1 to 0 on (0, ∞): grow the bracket first.
  double hi = 1.0;
  while (probability_over(hi) > delta) hi *= 2;
  return bisect_decreasing([&](double eps) { return probability_over(eps); }, 0.0, hi, delta);
}

std::pair<double, double> ErrorEstimate::relative_error_interval(double delta) const {
  if (operator_frobenius2 <= 0) return {0.0, std::numeric_limits<double>::infinity()};
  const double ratio = residual_frobenius2 / operator_frobenius2;
  return {std::sqrt(ratio / (1 + epsilon_over(delta))), std::sqrt(ratio / (1 - epsilon_under(delta)))};
}

}  // namespace seigh::eig
