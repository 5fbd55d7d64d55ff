// The LAPACK dense eigensolver of the exact path against matrices with a
// known spectrum (A = Q diag(λ) Qᵀ, Q a random orthogonal matrix) and
// against Eigen's independent SelfAdjointEigenSolver.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "eig_test_util.hpp"
#include "seigh/eig/dense_eigen.hpp"

namespace {

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::eig::Ordering;

/// Checks the k returned pairs: values equal the known spectrum in the
/// requested order, residual ‖A v − λ v‖ and orthonormality at round-off.
void check_pairs(const MatrixD& a, const VectorD& known, const seigh::eig::DenseEigenpairs& got, Index k,
                 Ordering ordering) {
  const Index n = a.rows();
  const double scale = known.cwiseAbs().maxCoeff();
  const double tolerance = 1e-13 * static_cast<double>(n) * scale;
  REQUIRE(got.values.size() == n);
  REQUIRE(got.vectors.rows() == n);
  REQUIRE(got.vectors.cols() == k);
  // The spectrum as a multiset, then the order. (Exact ties of opposite
  // sign, λ = ±1, may come in either order: round-off decides.)
  VectorD got_sorted = got.values;
  VectorD known_sorted = known;
  std::sort(got_sorted.data(), got_sorted.data() + n);
  std::sort(known_sorted.data(), known_sorted.data() + n);
  CHECK((got_sorted - known_sorted).cwiseAbs().maxCoeff() <= tolerance);
  const auto key = [&](Index i) { return ordering == Ordering::magnitude ? std::abs(got.values[i]) : got.values[i]; };
  for (Index i = 0; i + 1 < n; ++i) {
    INFO("eigenvalue " << i);
    CHECK(key(i) >= key(i + 1) - tolerance);
  }
  if (k == 0) return;
  const MatrixD residual = a * got.vectors - got.vectors * got.values.head(k).asDiagonal();
  CHECK(residual.colwise().norm().maxCoeff() <= tolerance);
  const MatrixD gram = got.vectors.transpose() * got.vectors - MatrixD::Identity(k, k);
  CHECK(gram.cwiseAbs().maxCoeff() <= 1e-13 * static_cast<double>(n));
}

}  // namespace

TEST_CASE("select_top picks the prefix and suffix of the ascending list", "[eig][dense]") {
  std::mt19937_64 engine(7);
  std::uniform_int_distribution<int> value(-4, 4);  // many ties, both signs, zeros
  for (int trial = 0; trial < 200; ++trial) {
    const Index n = 1 + trial % 13;
    VectorD ascending(n);
    for (Index i = 0; i < n; ++i) ascending[i] = value(engine) * 0.5;
    std::sort(ascending.data(), ascending.data() + n);
    for (const Ordering ordering : {Ordering::magnitude, Ordering::algebraic}) {
      const auto reference = seigh::eig::sorted_order(ascending, ordering);
      for (Index k = 0; k <= n; ++k) {
        const auto selection = seigh::eig::select_top(ascending, k, ordering);
        INFO("trial " << trial << " k " << k << " ordering " << seigh::eig::name(ordering));
        REQUIRE(selection.prefix + selection.suffix == k);
        REQUIRE(static_cast<Index>(selection.order.size()) == k);
        std::vector<Index> positions = selection.order;
        std::sort(positions.begin(), positions.end());
        for (Index i = 0; i < selection.prefix; ++i) CHECK(positions[static_cast<std::size_t>(i)] == i);
        for (Index i = 0; i < selection.suffix; ++i)
          CHECK(positions[static_cast<std::size_t>(selection.prefix + i)] == n - selection.suffix + i);
        // Same value sequence as a stable sort of all values.
        for (Index i = 0; i < k; ++i)
          CHECK(ascending[selection.order[static_cast<std::size_t>(i)]] ==
                ascending[reference[static_cast<std::size_t>(i)]]);
      }
    }
  }
}

TEST_CASE("dense eigensolver recovers a known indefinite spectrum", "[eig][dense]") {
  const Index n = 300;
  VectorD known(n);
  // Outliers of both signs over a bulk near zero, like a network Hessian.
  for (Index i = 0; i < n; ++i) known[i] = 1e-3 * std::sin(0.37 * static_cast<double>(i));
  for (Index i = 0; i < 10; ++i) known[3 * i] = 50.0 / (1 + i);
  for (Index i = 0; i < 4; ++i) known[3 * i + 1] = -20.0 / (1 + i);
  const MatrixD q = seigh::test::random_orthonormal(n, n, 11);
  const MatrixD a = q * known.asDiagonal() * q.transpose();
  for (const Ordering ordering : {Ordering::magnitude, Ordering::algebraic}) {
    for (const Index k : {Index{1}, Index{14}, Index{150}, n}) {
      INFO("k " << k << " ordering " << seigh::eig::name(ordering));
      MatrixD work = a;
      const auto got = seigh::eig::dense_top_eigenpairs(work, k, ordering);
      check_pairs(a, known, got, k, ordering);
      // The well-separated outliers' vectors are the known columns of Q.
      const auto order = seigh::eig::sorted_order(known, ordering);
      for (Index i = 0; i < std::min<Index>(k, 5); ++i)
        CHECK(std::abs(got.vectors.col(i).dot(q.col(order[static_cast<std::size_t>(i)]))) ==
              Approx(1.0).epsilon(1e-12));
    }
  }
}

TEST_CASE("dense eigensolver handles a boundary cluster and exact multiplicities", "[eig][dense]") {
  // λ = +1 (x40), −1 (x40), 0 (x20): k = 90 by magnitude takes everything
  // but ten zeros, so the two MRRR ranges meet inside a zero cluster (the
  // single-call fallback); k = 50 splits a multiple eigenvalue.
  const Index n = 100;
  VectorD known = VectorD::Zero(n);
  known.head(40).setConstant(1.0);
  known.segment(40, 40).setConstant(-1.0);
  const MatrixD q = seigh::test::random_orthonormal(n, n, 5);
  const MatrixD a = q * known.asDiagonal() * q.transpose();
  for (const Index k : {Index{50}, Index{90}, Index{95}}) {
    INFO("k " << k);
    MatrixD work = a;
    const auto got = seigh::eig::dense_top_eigenpairs(work, k, Ordering::magnitude);
    check_pairs(a, known, got, k, Ordering::magnitude);
  }
}

TEST_CASE("dense eigensolver agrees with Eigen's SelfAdjointEigenSolver", "[eig][dense]") {
  const Index n = 120;
  const MatrixD g = seigh::test::random_gaussian(n, n, 3);
  const MatrixD a = 0.5 * (g + g.transpose());
  const Eigen::SelfAdjointEigenSolver<MatrixD> reference(a);
  const VectorD& known = reference.eigenvalues();
  MatrixD work = a;
  const auto got = seigh::eig::dense_top_eigenpairs(work, 20, Ordering::magnitude);
  check_pairs(a, known, got, 20, Ordering::magnitude);
  const auto order = seigh::eig::sorted_order(known, Ordering::magnitude);
  for (Index i = 0; i < 20; ++i)
    CHECK(std::abs(got.vectors.col(i).dot(reference.eigenvectors().col(order[static_cast<std::size_t>(i)]))) ==
          Approx(1.0).epsilon(1e-9));
}

TEST_CASE("dense eigensolver edge sizes and bad k", "[eig][dense]") {
  MatrixD one(1, 1);
  one(0, 0) = -3.0;
  const auto got = seigh::eig::dense_top_eigenpairs(one, 1, Ordering::magnitude);
  CHECK(got.values[0] == -3.0);
  CHECK(std::abs(got.vectors(0, 0)) == 1.0);
  MatrixD two = MatrixD::Identity(2, 2);
  CHECK_THROWS_WITH(seigh::eig::dense_top_eigenpairs(two, 3, Ordering::magnitude), Catch::Contains("outside [0, n = 2]"));
  MatrixD rectangular(2, 3);
  CHECK_THROWS_WITH(seigh::eig::dense_top_eigenpairs(rectangular, 1, Ordering::magnitude),
                    Catch::Contains("2 x 3"));
}
