#include <catch2/catch.hpp>

#include "eig_test_util.hpp"
#include "seigh/eig/core_solve.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;

using seigh::test::random_orthonormal;

namespace {
MatrixD gaussian(Index rows, Index cols, unsigned seed) { return seigh::test::random_gaussian(rows, cols, seed); }
MatrixD orthonormal(Index rows, Index cols, unsigned seed) { return random_orthonormal(rows, cols, seed); }
}  // namespace

TEST_CASE("core solve recovers H exactly when range(H) = range(Q)", "[eig][core]") {
  // H = Q diag(μ) Qᵀ with Q orthonormal (D x o): the sketch is exact, so
  // C = P⁺ Z R⁺ᵀ must equal diag(μ) in the basis Q (up to rounding).
  const Index D = 60, o = 6, s = 13;
  const MatrixD Q = orthonormal(D, o, 1);
  VectorD mu(o);
  mu << 5.0, -4.0, 3.0, 0.5, -0.25, 0.125;
  const MatrixD H = Q * mu.asDiagonal() * Q.transpose();
  const MatrixD Phi = gaussian(s, D, 2), Psi = gaussian(s, D, 3);
  const MatrixD Z = Phi * H * Psi.transpose();
  const auto solution = seigh::eig::solve_core(Phi * Q, Z, Psi * Q, 1e-12, seigh::eig::Ordering::magnitude);
  VectorD expected(o);
  expected << 5.0, -4.0, 3.0, 0.5, -0.25, 0.125;  // already ordered by |λ|
  INFO("eigenvalues " << solution.eigenvalues.transpose());
  CHECK((solution.eigenvalues - expected).norm() <= 1e-10 * expected.norm());
  CHECK(solution.rank_p == o);
  CHECK(solution.asymmetry < 1e-10);
  // Q U are the eigenvectors of H.
  const MatrixD V = Q * solution.eigenvectors;
  CHECK((H * V - V * solution.eigenvalues.asDiagonal()).norm() <= 1e-10 * mu.norm());
}

TEST_CASE("algebraic ordering sorts by signed value", "[eig][core]") {
  const Index D = 30, o = 4, s = 9;
  const MatrixD Q = orthonormal(D, o, 4);
  VectorD mu(o);
  mu << 1.0, -7.0, 3.0, 2.0;
  const MatrixD H = Q * mu.asDiagonal() * Q.transpose();
  const MatrixD Phi = gaussian(s, D, 5), Psi = gaussian(s, D, 6);
  const auto by_value =
      seigh::eig::solve_core(Phi * Q, Phi * H * Psi.transpose(), Psi * Q, 1e-12, seigh::eig::Ordering::algebraic);
  const auto by_size =
      seigh::eig::solve_core(Phi * Q, Phi * H * Psi.transpose(), Psi * Q, 1e-12, seigh::eig::Ordering::magnitude);
  VectorD algebraic(o), magnitude(o);
  algebraic << 3.0, 2.0, 1.0, -7.0;
  magnitude << -7.0, 3.0, 2.0, 1.0;
  CHECK((by_value.eigenvalues - algebraic).norm() < 1e-10);
  CHECK((by_size.eigenvalues - magnitude).norm() < 1e-10);
}

TEST_CASE("core solve rejects bad shapes and non-finite sketches", "[eig][core]") {
  const MatrixD P = MatrixD::Ones(6, 3), R = MatrixD::Ones(6, 3), Z = MatrixD::Ones(6, 6);
  CHECK_THROWS_AS(seigh::eig::solve_core(P, Z, MatrixD::Ones(5, 3), 1e-10, seigh::eig::Ordering::magnitude), seigh::Error);
  CHECK_THROWS_AS(seigh::eig::solve_core(P, MatrixD::Ones(5, 5), R, 1e-10, seigh::eig::Ordering::magnitude), seigh::Error);
  MatrixD bad = Z;
  bad(0, 0) = std::nan("");
  CHECK_THROWS_WITH(seigh::eig::solve_core(P, bad, R, 1e-10, seigh::eig::Ordering::magnitude), Catch::Contains("NaN"));
}

TEST_CASE("error-estimate failure bounds match the closed forms", "[eig][core]") {
  seigh::eig::ErrorEstimate estimate;
  estimate.probes = 10;
  estimate.residual_frobenius2 = 4.0;
  estimate.operator_frobenius2 = 100.0;
  CHECK(estimate.relative_error() == Approx(0.2));
  CHECK(estimate.probability_under(0.5) == Approx(std::pow(std::exp(0.5) * 0.5, 5.0)));
  CHECK(estimate.probability_over(0.5) == Approx(std::pow(1.5 * std::exp(-0.5), 5.0)));
  const double under = estimate.epsilon_under(0.05);
  const double over = estimate.epsilon_over(0.05);
  CHECK(estimate.probability_under(under) == Approx(0.05).epsilon(1e-6));
  CHECK(estimate.probability_over(over) == Approx(0.05).epsilon(1e-6));
  CHECK(over > 1.0);  // with 10 probes the upper tail needs ε > 1
  const auto [low, high] = estimate.relative_error_interval(0.05);
  CHECK(low == Approx(std::sqrt(0.04 / (1 + over))));
  CHECK(high == Approx(std::sqrt(0.04 / (1 - under))));
}
