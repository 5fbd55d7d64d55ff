// Unit tests (no MPI) of masks, mask stability, random masks and the
// Grassmannian metrics from principal cosines.
#include <catch2/catch.hpp>

#include <Eigen/SVD>
#include <cmath>
#include <numeric>
#include <map>

#include "expect_error.hpp"
#include "seigh/metrics/grassmann.hpp"
#include "seigh/metrics/mask.hpp"
#include "seigh/metrics/random_mask.hpp"

using seigh::Index;
using seigh::VectorD;
using seigh::VectorF;
using seigh::metrics::Mask;
namespace metrics = seigh::metrics;

namespace {
constexpr double kPi = 3.14159265358979323846;
}

TEST_CASE("magnitude mask: largest |theta|, ties by lower index, sorted ascending", "[metrics][mask]") {
  VectorF theta(8);
  //        0     1     2    3     4    5     6     7
  theta << 0.5f, -2.0f, 1.0f, 2.0f, -1.0f, 0.0f, -0.0f, 1.0f;
  CHECK(metrics::magnitude_mask(theta, 0).empty());
  CHECK(metrics::magnitude_mask(theta, 1) == Mask{1});  // |−2| = |2|: lower index wins
  CHECK(metrics::magnitude_mask(theta, 2) == Mask{1, 3});
  CHECK(metrics::magnitude_mask(theta, 3) == Mask{1, 2, 3});           // 1.0 at 2, 4, 7: index 2 first
  CHECK(metrics::magnitude_mask(theta, 4) == Mask{1, 2, 3, 4});        // then 4 (|−1|) before 7
  CHECK(metrics::magnitude_mask(theta, 5) == Mask{1, 2, 3, 4, 7});
  CHECK(metrics::magnitude_mask(theta, 6) == Mask{0, 1, 2, 3, 4, 7});
  CHECK(metrics::magnitude_mask(theta, 7) == Mask{0, 1, 2, 3, 4, 5, 7});  // +0 and −0 tie: 5 before 6
  CHECK(metrics::magnitude_mask(theta, 8) == Mask{0, 1, 2, 3, 4, 5, 6, 7});
  // The float64 overload agrees.
  const VectorD theta_d = theta.cast<double>();
  for (Index k = 0; k <= 8; ++k) CHECK(metrics::magnitude_mask(theta_d, k) == metrics::magnitude_mask(theta, k));
}

TEST_CASE("magnitude mask agrees with a full sort on a large vector with many ties", "[metrics][mask]") {
  const Index D = 100000;
  VectorF theta(D);
  for (Index i = 0; i < D; ++i) theta[i] = static_cast<float>(((i * 7919) % 1000) - 500) / 8.0f;  // many equal |θ|
  std::vector<Index> order(D);
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return std::abs(theta[a]) > std::abs(theta[b]); });  // stable: lower index first
  for (Index k : {Index{1}, Index{999}, Index{1000}, Index{1001}, Index{54321}}) {
    Mask expected(order.begin(), order.begin() + k);
    std::sort(expected.begin(), expected.end());
    CHECK(metrics::magnitude_mask(theta, k) == expected);
  }
}

TEST_CASE("magnitude mask rejects bad k and non-finite parameters", "[metrics][mask]") {
  VectorF theta = VectorF::Ones(5);
  CHECK_THROWS_WITH(metrics::magnitude_mask(theta, 6), Catch::Contains("k = 6 must lie in [0, D = 5]"));
  CHECK_THROWS_WITH(metrics::magnitude_mask(theta, -1), Catch::Contains("k = -1"));
  theta[3] = std::nanf("");
  CHECK_THROWS_WITH(metrics::magnitude_mask(theta, 2), Catch::Contains("parameter 3 is not finite"));
}

TEST_CASE("mask stability and intersections on hand-made sets", "[metrics][mask]") {
  const Mask a{1, 3, 5, 7};
  const Mask b{0, 3, 4, 7};
  const Mask c{2, 4, 6, 8};
  CHECK(metrics::intersection_size(a, b) == 2);
  CHECK(metrics::intersection_size(a, c) == 0);
  CHECK(metrics::intersection_size(b, c) == 1);
  CHECK(metrics::mask_stability(a, a) == 1.0);
  CHECK(metrics::mask_stability(a, b) == 0.5);
  CHECK(metrics::mask_stability(a, c) == 0.0);
  CHECK(metrics::mask_stability(b, c) == 0.25);
  CHECK_THROWS_WITH(metrics::mask_stability(a, Mask{1, 2}), Catch::Contains("different sizes"));
  CHECK_THROWS_WITH(metrics::mask_stability(Mask{}, Mask{}), Catch::Contains("empty"));
  CHECK_NOTHROW(metrics::check_mask(a, 8));
  CHECK_THROWS_WITH(metrics::check_mask(a, 7), Catch::Contains("index 7 (position 3) outside [0, D = 7)"));
  CHECK_THROWS_WITH(metrics::check_mask(Mask{1, 1}, 7), Catch::Contains("strictly ascending"));
  CHECK_THROWS_WITH(metrics::check_mask(Mask{2, 1}, 7), Catch::Contains("strictly ascending"));
}

TEST_CASE("random masks: valid k-subsets, a function of (seed, r, k, D), uniform", "[metrics][random]") {
  const auto state = seigh::random::make_rng_state(42);
  for (Index k : {Index{0}, Index{1}, Index{7}, Index{50}, Index{100}}) {
    const Mask m = metrics::random_mask(state, 3, k, 100);
    CHECK(static_cast<Index>(m.size()) == k);
    CHECK_NOTHROW(metrics::check_mask(m, 100));
    CHECK(metrics::random_mask(state, 3, k, 100) == m);  // deterministic
  }
  CHECK(metrics::random_mask(state, 0, 100, 100).back() == 99);  // k = D: everything
  // Different r, seed or user stream give different masks.
  const Mask m0 = metrics::random_mask(state, 0, 20, 1000);
  CHECK(metrics::random_mask(state, 1, 20, 1000) != m0);
  CHECK(metrics::random_mask(seigh::random::make_rng_state(43), 0, 20, 1000) != m0);
  CHECK(metrics::random_mask(seigh::random::make_rng_state(42, 1), 0, 20, 1000) != m0);
  // The role the masks draw from: its own name and stream word.
  CHECK(seigh::random::name(seigh::random::Stream::mask) == "mask");
  CHECK(seigh::random::derive(state, seigh::random::Stream::mask).stream == (7u << 24));
  // A derived state is refused (the mask role is derived inside).
  CHECK_THROWS(metrics::random_mask(seigh::random::derive(state, seigh::random::Stream::mask), 0, 2, 10));
  // Known answer: pins the (a, b) layout and Floyd's algorithm against
  // accidental change (values from this implementation, checked to be a
  // valid 5-subset above; any change of the layout changes them).
  const Mask pinned = metrics::random_mask(seigh::random::make_rng_state(1), 0, 5, 100);
  INFO("random_mask(seed 1, r 0, k 5, D 100) = " << Catch::Detail::stringify(pinned));
  CHECK(pinned == Mask{15, 26, 50, 51, 53});

  // Uniformity: over R = 20000 masks of size 3 from D = 10, every index
  // appears with probability 3/10. Counts are Binomial(20000, 0.3) (sd ≈ 65);
  // allow 5 sd. And the 120 subsets appear ≈ 167 times each: a chi-square
  // with 119 degrees of freedom has mean 119 and sd 15.4; allow < 200
  // (5 sd above the mean).
  std::vector<double> counts(10, 0.0);
  std::map<Mask, double> subsets;
  const Index R = 20000;
  for (Index r = 0; r < R; ++r) {
    const Mask m = metrics::random_mask(state, static_cast<std::uint64_t>(r), 3, 10);
    for (Index i : m) counts[static_cast<std::size_t>(i)] += 1.0;
    subsets[m] += 1.0;
  }
  for (double c : counts) CHECK(std::abs(c - 0.3 * R) <= 5.0 * std::sqrt(R * 0.3 * 0.7));
  CHECK(subsets.size() == 120);
  double chi2 = 0.0;
  const double expected = static_cast<double>(R) / 120.0;
  for (const auto& [m, c] : subsets) chi2 += (c - expected) * (c - expected) / expected;
  INFO("chi2 = " << chi2);
  CHECK(chi2 < 200.0);
}

TEST_CASE("Grassmann metrics: equal subspaces give 0 and overlap 1", "[metrics][grassmann]") {
  const VectorD cosines = VectorD::Ones(5);
  const auto m = metrics::metrics_from_cosines(cosines);
  CHECK(m.overlap == 1.0);
  CHECK(m.iou == 1.0);
  CHECK(m.geodesic == 0.0);
  CHECK(m.chordal == 0.0);
  CHECK(m.projection == 0.0);
  CHECK(m.fubini_study == 0.0);
  CHECK(m.binet_cauchy == 0.0);
}

TEST_CASE("Grassmann metrics: orthogonal subspaces", "[metrics][grassmann]") {
  const Index k = 4;
  const auto m = metrics::metrics_from_cosines(VectorD::Zero(k));
  // Tolerance 1e-15 relative: each is one or two correctly rounded operations.
  CHECK(m.overlap == 0.0);
  CHECK(m.iou == 0.0);
  CHECK(m.geodesic == Approx(std::sqrt(double(k)) * kPi / 2).epsilon(1e-15));
  CHECK(m.chordal == Approx(std::sqrt(2.0 * k)).epsilon(1e-15));  // 2 sin(π/4) = √2 per angle
  CHECK(m.projection == Approx(std::sqrt(double(k))).epsilon(1e-15));
  CHECK(m.fubini_study == Approx(kPi / 2).epsilon(1e-15));
  CHECK(m.binet_cauchy == 1.0);
}

TEST_CASE("Grassmann metrics: known angles", "[metrics][grassmann]") {
  // Two lines in R²: e_1 and (cos a, sin a) — one principal angle a.
  const double a = 0.3;
  Eigen::MatrixXd C(1, 1);
  C << std::cos(a);  // e_1ᵀ (cos a, sin a)ᵀ
  const VectorD cosines = metrics::principal_cosines(C);
  REQUIRE(cosines.size() == 1);
  const auto m = metrics::metrics_from_cosines(cosines);
  CHECK(metrics::principal_angles(cosines)[0] == Approx(a).epsilon(1e-14));
  CHECK(m.geodesic == Approx(a).epsilon(1e-14));
  CHECK(m.chordal == Approx(2 * std::sin(a / 2)).epsilon(1e-14));
  CHECK(m.projection == Approx(std::sin(a)).epsilon(1e-14));
  CHECK(m.fubini_study == Approx(a).epsilon(1e-14));
  CHECK(m.binet_cauchy == Approx(std::sin(a)).epsilon(1e-14));
  CHECK(m.overlap == Approx(std::cos(a) * std::cos(a)).epsilon(1e-15));
  CHECK(m.iou == Approx(m.overlap / (2 - m.overlap)).epsilon(1e-15));

  // Angles 0.2, 0.5, 1.1 (unordered cosines in, descending out).
  const VectorD angles = (VectorD(3) << 0.5, 0.2, 1.1).finished();
  const VectorD cos_in = angles.array().cos();
  const Eigen::MatrixXd diag = cos_in.asDiagonal();
  const VectorD c = metrics::principal_cosines(diag);
  CHECK(c[0] == Approx(std::cos(0.2)).epsilon(1e-14));
  CHECK(c[2] == Approx(std::cos(1.1)).epsilon(1e-14));
  const auto n = metrics::metrics_from_cosines(c);
  CHECK(n.geodesic == Approx(std::sqrt(0.04 + 0.25 + 1.21)).epsilon(1e-13));
  const double prod = std::cos(0.2) * std::cos(0.5) * std::cos(1.1);
  CHECK(n.fubini_study == Approx(std::acos(prod)).epsilon(1e-13));
  CHECK(n.binet_cauchy == Approx(std::sqrt(1 - prod * prod)).epsilon(1e-13));

  // A cosine marginally above 1 (float32 eigenvectors) is clamped.
  Eigen::MatrixXd big(1, 1);
  big << 1.0 + 1e-7;
  CHECK(metrics::principal_cosines(big)[0] == 1.0);
  CHECK_THROWS_WITH(metrics::metrics_from_cosines(VectorD::Constant(1, 1.5)), Catch::Contains("outside [0, 1]"));
  CHECK_THROWS_WITH(metrics::metrics_from_cosines(VectorD(0)), Catch::Contains("at least one"));
}

TEST_CASE("Grassmann metrics: products of many cosines in log space", "[metrics][grassmann]") {
  // 1000 cosines of 2^(-1/1000): Π = 1/2 exactly up to rounding, so
  // Fubini–Study = arccos(1/2) = π/3 and Binet–Cauchy = √3/2 (1e-12:
  // 1000 logs of rounding 1e-16 each).
  const VectorD c = VectorD::Constant(1000, std::pow(2.0, -1.0 / 1000));
  const auto m = metrics::metrics_from_cosines(c);
  CHECK(m.fubini_study == Approx(kPi / 3).epsilon(1e-12));
  CHECK(m.binet_cauchy == Approx(std::sqrt(3.0) / 2).epsilon(1e-12));
  // 2000 cosines of 0.5: Π = 2^-2000 underflows double; the result is the
  // limit (FS = π/2, BC = 1), not a NaN.
  const auto u = metrics::metrics_from_cosines(VectorD::Constant(2000, 0.5));
  CHECK(u.fubini_study == Approx(kPi / 2).epsilon(1e-15));
  CHECK(u.binet_cauchy == 1.0);
  // Near Π = 1: 1 − c² for c = 1 − 1e-12 cancels in the naive formula
  // (relative error ~5e-5); −expm1(2 log c) keeps 1e-10 relative. Truth:
  // (1 − c)(1 + c) with 1 − c exact (Sterbenz).
  const double cc = 1.0 - 1e-12;
  const double truth = std::sqrt((1.0 - cc) * (1.0 + cc));
  const auto n = metrics::metrics_from_cosines(VectorD::Constant(1, cc));
  CHECK(n.binet_cauchy == Approx(truth).epsilon(1e-10));
  CHECK(n.fubini_study == Approx(std::asin(truth)).epsilon(1e-10));
}
