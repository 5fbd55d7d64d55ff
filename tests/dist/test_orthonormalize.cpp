// Tests of dist::orthonormalize (CholeskyQR2 with TSQR fallback), run at 1,
// 2 and 3 ranks. Every test matrix is built replicated and identically on
// all ranks (std::mt19937_64 with a fixed seed, raw bits mapped to [-1, 1)
// by a portable formula), then scattered, so a serial reference computed
// from the full matrix in the test is the same on every rank.
//
// Norms: ‖QᵀQ − I‖ is the Frobenius norm (an upper bound on the 2-norm);
// residuals ‖Y − QR‖_F / ‖Y‖_F; angles via the 2-norm.
#include <catch2/catch.hpp>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "mpi_test.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/orthonormalize.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::VectorD;
using seigh::dist::BlockRowMatrix;
using seigh::dist::OrthMethod;
using seigh::dist::OrthOptions;
using seigh::dist::OrthResult;
using seigh::test::world;

namespace {

constexpr double kEpsD = std::numeric_limits<double>::epsilon();  // 2.2e-16
constexpr double kEpsF = std::numeric_limits<float>::epsilon();   // 1.2e-7

/// Deterministic uniform [-1, 1) matrix, identical on every rank and platform.
MatrixD uniform_matrix(Index rows, Index cols, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  MatrixD A(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) A(i, j) = static_cast<double>(engine() >> 11) * 0x1.0p-52 - 1.0;
  return A;
}

/// Thin orthonormal factor (rows x cols) of a deterministic random matrix.
MatrixD random_orthonormal(Index rows, Index cols, std::uint64_t seed) {
  const Eigen::HouseholderQR<MatrixD> qr(uniform_matrix(rows, cols, seed));
  return qr.householderQ() * MatrixD::Identity(rows, cols);
}

/// Y = U diag(σ) Vᵀ (D x k) with σ log-spaced from 1 down to 1/κ, so κ₂(Y) = κ.
MatrixD conditioned(Index D, Index k, double kappa, std::uint64_t seed) {
  VectorD sigma(k);
  for (Index i = 0; i < k; ++i) {
    sigma(i) = k > 1 ? std::pow(kappa, -static_cast<double>(i) / static_cast<double>(k - 1)) : 1.0;
  }
  return random_orthonormal(D, k, seed) * sigma.asDiagonal() * random_orthonormal(k, k, seed + 1).transpose();
}

/// Serial reference: Householder QR of the full Y in double, sign-fixed to
/// R_jj >= 0 (the unique Q for full-rank Y).
MatrixD reference_q(const MatrixD& Y) {
  const Eigen::HouseholderQR<MatrixD> qr(Y);
  MatrixD Q = qr.householderQ() * MatrixD::Identity(Y.rows(), Y.cols());
  for (Index j = 0; j < Y.cols(); ++j)
    if (qr.matrixQR()(j, j) < 0.0) Q.col(j) *= -1.0;
  return Q;
}

double largest_singular_value(const MatrixD& A) {
  if (A.size() == 0) return 0.0;
  return Eigen::JacobiSVD<MatrixD>(A).singularValues()(0);
}

/// sin of the largest principal angle between span(A) and span(B), both
/// orthonormal: ‖(I − A Aᵀ) B‖₂.
double sin_largest_angle(const MatrixD& A, const MatrixD& B) {
  return largest_singular_value(B - A * (A.transpose() * B));
}

/// ‖QᵀQ − I‖_F with the Gram accumulated in double across ranks.
template <class Scalar>
double orthogonality(const BlockRowMatrix<Scalar>& Q) {
  return (seigh::dist::gram(world(), Q) - MatrixD::Identity(Q.cols(), Q.cols())).norm();
}

/// True if every rank holds exactly rank 0's R.
bool identical_on_all_ranks(const MatrixD& R) {
  MatrixD root = R;
  world().broadcast(root, 0);
  return world().min(static_cast<int>(root == R)) == 1;
}

/// Checks shared by every successful factorisation of the full matrix Y
/// (replicated, in double) whose distributed copy became Q.
template <class Scalar>
void check_factorisation(const MatrixD& Y, const BlockRowMatrix<Scalar>& Q, const OrthResult& result,
                         double orthogonality_tolerance, double residual_tolerance) {
  const Index k = Y.cols();
  const MatrixD Qfull = seigh::dist::gather_all(world(), Q).template cast<double>();
  const double orth = orthogonality(Q);
  const double residual = (Y - Qfull * result.R).norm() / Y.norm();
  INFO("method=" << seigh::dist::to_string(result.method) << " cholqr_passes=" << result.cholqr_passes
                 << " rank=" << result.numerical_rank << " min|R_jj|/max=" << result.min_diagonal_ratio
                 << " cond_est=" << result.condition_estimate);
  INFO("||Q^T Q - I||_F = " << orth << " (tol " << orthogonality_tolerance << "), ||Y - QR||_F/||Y||_F = " << residual
                            << " (tol " << residual_tolerance << ")");
  CHECK(orth <= orthogonality_tolerance);
  CHECK(residual <= residual_tolerance);
  REQUIRE(result.R.rows() == k);
  REQUIRE(result.R.cols() == k);
  CHECK(result.R.triangularView<Eigen::StrictlyLower>().toDenseMatrix().isZero(0.0));
  CHECK((result.R.diagonal().array() >= 0.0).all());
  CHECK(identical_on_all_ranks(result.R));
}

}  // namespace

TEST_CASE("double: orthonormal and Y = QR up to kappa 1e14, matching the serial reference", "[dist][orth]") {
  const auto& comm = world();
  // (D, k): a tall case, a case where every local block is smaller than k at
  // 2 and 3 ranks (m_r = 25, 17 < 40), and D = 2 (a zero-row rank at 3).
  const std::vector<std::pair<Index, Index>> shapes = {{1000, 40}, {50, 40}, {2, 2}};
  for (const auto& [D, k] : shapes) {
    for (double kappa : {1.0, 1e2, 1e4, 1e6, 1e8, 1e10, 1e12, 1e14}) {
      INFO("D=" << D << " k=" << k << " kappa=" << kappa << " ranks=" << comm.size());
      const MatrixD Y = conditioned(D, k, kappa, 7);
      auto Q = seigh::dist::scatter_replicated(comm.partition(D), Y);
      const OrthResult result = seigh::dist::orthonormalize(comm, Q);
      // Orthogonality: the 1e-12 (both algorithms give O(u·k) here).
      // Residual: both algorithms are backward stable, ‖Y − QR‖ = O(k·u)‖Y‖
      // independently of κ; 10·k·ε leaves a margin of ~10 over that.
      check_factorisation(Y, Q, result, 1e-12, 10.0 * static_cast<double>(k) * kEpsD);
      CHECK(result.numerical_rank == k);

      // Span and Q against the serial Householder reference. The sign-fixed
      // Q is unique; its first-order sensitivity to a backward error of
      // relative size η = O(k·u) is ≲ κ·η (Sun 1991), so compare with
      // 10·k·κ·ε where that is meaningful (< 1e-4).
      const MatrixD Qref = reference_q(Y);
      const MatrixD Qfull = seigh::dist::gather_all(comm, Q);
      const double bound = 10.0 * static_cast<double>(k) * kappa * kEpsD;
      const double angle = sin_largest_angle(Qref, Qfull);
      const double difference = (Qfull - Qref).norm();
      INFO("sin(largest angle to reference) = " << angle << ", ||Q - Q_ref||_F = " << difference << " (tol " << bound
                                                << ")");
      if (bound < 1e-4) {
        CHECK(angle <= bound);
        CHECK(difference <= bound);
      }
    }
  }
}

TEST_CASE("float: orthonormal to 1e-5 up to kappa 1e7", "[dist][orth]") {
  const auto& comm = world();
  const std::vector<std::pair<Index, Index>> shapes = {{1000, 40}, {50, 40}, {2, 2}};
  for (const auto& [D, k] : shapes) {
    for (double kappa : {1.0, 1e2, 1e4, 1e5, 1e6, 1e7}) {
      INFO("D=" << D << " k=" << k << " kappa=" << kappa << " ranks=" << comm.size());
      // Built in double, then cast: the actual input is Yf, whose smallest
      // singular values near κ = 1e7 ≈ 1/ε(float) are at the level of the
      // cast's rounding, i.e. Yf is numerically rank deficient in float
      // there. Rank deficiency is allowed so this case measures only the
      // orthogonality the issue asks for; the rank itself is checked below
      // where it is well defined.
      const MatrixF Yf = conditioned(D, k, kappa, 11).cast<float>();
      const MatrixD Y = Yf.cast<double>();
      auto Q = seigh::dist::scatter_replicated(comm.partition(D), Yf);
      const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.allow_rank_deficient = true});
      // Q is exact to double precision before its final rounding to float,
      // which perturbs each entry by ≤ ε/2 relative: ‖QᵀQ − I‖_F ≈ √k·ε
      // ≈ 1e-6 at k = 40, within the 1e-5. The residual is
      // dominated by that rounding: ≲ √k·ε·‖R‖, bound 10·k·ε(float).
      check_factorisation(Y, Q, result, 1e-5, 10.0 * static_cast<double>(k) * kEpsF);
      // Well inside float's range (κ ≤ 1e5 ≪ 1/ε) the rank is full with the
      // default tolerance.
      if (kappa <= 1e5) CHECK(result.numerical_rank == k);

      // Span against the reference of the float input, bound as for double
      // with the float rounding of Q added.
      const MatrixD Qref = reference_q(Y);
      const MatrixD Qfull = seigh::dist::gather_all(comm, Q).cast<double>();
      const double bound = 10.0 * static_cast<double>(k) * (kappa * kEpsD + kEpsF);
      const double angle = sin_largest_angle(Qref, Qfull);
      const double difference = (Qfull - Qref).norm();
      INFO("sin(largest angle to reference) = " << angle << ", ||Q - Q_ref||_F = " << difference << " (tol " << bound
                                                << ")");
      if (kappa <= 1e5) {
        CHECK(angle <= bound);
        CHECK(difference <= bound);
      }
    }
  }
}

TEST_CASE("CholeskyQR2 at low kappa, TSQR fallback at high kappa", "[dist][orth]") {
  const auto& comm = world();
  const Index D = 1000;
  const Index k = 40;
  for (double kappa : {1.0, 1e2, 1e4}) {
    INFO("kappa=" << kappa);
    auto Q = seigh::dist::scatter_replicated(comm.partition(D), conditioned(D, k, kappa, 3));
    const OrthResult result = seigh::dist::orthonormalize(comm, Q);
    INFO("cond_est=" << result.condition_estimate);
    CHECK(result.method == OrthMethod::cholesky_qr2);
    CHECK(result.cholqr_passes == 2);
    // The estimate is within a factor k of κ₂ in theory, ~3 in practice.
    CHECK(result.condition_estimate >= kappa / 3.0);
    CHECK(result.condition_estimate <= 3.0 * static_cast<double>(k) * kappa);
  }
  for (double kappa : {1e8, 1e10, 1e14}) {
    INFO("kappa=" << kappa);
    auto Q = seigh::dist::scatter_replicated(comm.partition(D), conditioned(D, k, kappa, 3));
    const OrthResult result = seigh::dist::orthonormalize(comm, Q);
    INFO("cond_est=" << result.condition_estimate);
    CHECK(result.method == OrthMethod::tsqr);
    CHECK(result.cholqr_passes == 0);  // decided from the first Cholesky, Y untouched
  }
  // The same float data also takes the fallback (the Gram is in double, so
  // the switch point is the same as for double data).
  {
    auto Q = seigh::dist::scatter_replicated(comm.partition(D), MatrixF(conditioned(D, k, 1e7, 3).cast<float>()));
    const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.allow_rank_deficient = true});
    CHECK(result.method == OrthMethod::tsqr);
  }
}

TEST_CASE("forced TSQR and CholeskyQR2 give the same unique Q", "[dist][orth]") {
  const auto& comm = world();
  for (Index D : {Index{1000}, Index{50}}) {
    const Index k = 40;
    INFO("D=" << D);
    const MatrixD Y = conditioned(D, k, 1e3, 5);
    auto Qc = seigh::dist::scatter_replicated(comm.partition(D), Y);
    auto Qt = Qc;
    const OrthResult rc = seigh::dist::orthonormalize(comm, Qc);
    const OrthResult rt = seigh::dist::orthonormalize(comm, Qt, OrthOptions{.force_tsqr = true});
    REQUIRE(rc.method == OrthMethod::cholesky_qr2);
    REQUIRE(rt.method == OrthMethod::tsqr);
    // Two backward-stable factorisations of the same full-rank Y with the
    // same sign convention: Q and R agree to ~κ·k·u (bound 10·k·κ·ε).
    const double bound = 10.0 * static_cast<double>(k) * 1e3 * kEpsD;
    const double dq = (seigh::dist::gather_all(comm, Qc) - seigh::dist::gather_all(comm, Qt)).norm();
    const double dr = (rc.R - rt.R).norm() / rc.R.norm();
    INFO("||Q_chol - Q_tsqr||_F = " << dq << ", rel ||R_chol - R_tsqr||_F = " << dr << " (tol " << bound << ")");
    CHECK(dq <= bound);
    CHECK(dr <= bound);
  }
}

TEST_CASE("the second-pass check hands an unreliable CholeskyQR pass to TSQR", "[dist][orth]") {
  const auto& comm = world();
  const Index D = 1000;
  const Index k = 40;
  // With the up-front test disabled, κ just above u^{-1/2} ≈ 1e8 makes the
  // first Cholesky of G = YᵀY (κ(G) ≈ 1/u) fail (then TSQR from the start)
  // or succeed with a Q₁ far from orthonormal, which the second Gram
  // exposes and hands to TSQR (cholqr_passes == 1). Which of the two
  // happens for a given κ depends on the rounding of the Gram sum, i.e. on
  // the rank count, so sweep κ over [1e8, 4e8] and require that the
  // safety net was exercised at least once; every result must be as good
  // as TSQR's.
  int safety_net = 0;
  for (int step = 0; step <= 12; ++step) {
    const double kappa = std::pow(10.0, 8.0 + 0.05 * step);
    INFO("kappa=" << kappa);
    const MatrixD Y = conditioned(D, k, kappa, 13);
    auto Q = seigh::dist::scatter_replicated(comm.partition(D), Y);
    const OrthResult result = seigh::dist::orthonormalize(
        comm, Q, OrthOptions{.cholqr2_max_condition = std::numeric_limits<double>::infinity()});
    check_factorisation(Y, Q, result, 1e-12, 10.0 * static_cast<double>(k) * kEpsD);
    CHECK(result.numerical_rank == k);
    if (result.cholqr_passes == 1) {
      CHECK(result.method == OrthMethod::tsqr);
      ++safety_net;
    }
  }
  INFO("second-pass fallbacks: " << safety_net << " of 13");
  CHECK(safety_net >= 1);
}

TEST_CASE("rank-deficient input: error by default, orthonormal Q and the rank when allowed", "[dist][orth]") {
  const auto& comm = world();
  const Index k = 10;
  const Index r = 6;
  // D = 25: local blocks of 9, 8, 8 rows < k at 3 ranks.
  for (Index D : {Index{1000}, Index{25}}) {
    INFO("D=" << D << " ranks=" << comm.size());
    // k = 10 columns spanning r = 6 dimensions: Y = A B, A (D x 6), B (6 x 10).
    const MatrixD Y = uniform_matrix(D, r, 17) * uniform_matrix(r, k, 19);
    {
      auto Q = seigh::dist::scatter_replicated(comm.partition(D), Y);
      CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Q),
                        Catch::Contains("k=10") && Catch::Contains("numerical rank 6"));
      auto Qf = seigh::dist::scatter_replicated(comm.partition(D), MatrixF(Y.cast<float>()));
      CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Qf), Catch::Contains("numerical rank 6"));
    }
    {
      auto Q = seigh::dist::scatter_replicated(comm.partition(D), Y);
      const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.allow_rank_deficient = true});
      CHECK(result.method == OrthMethod::tsqr);
      CHECK(result.numerical_rank == r);
      check_factorisation(Y, Q, result, 1e-12, 10.0 * static_cast<double>(k) * kEpsD);
      // span(Y) ⊆ span(Q): ‖Y − Q Qᵀ Y‖_F ≤ 10·k·ε·‖Y‖_F (backward stability).
      const MatrixD Qfull = seigh::dist::gather_all(comm, Q);
      const double outside = (Y - Qfull * (Qfull.transpose() * Y)).norm() / Y.norm();
      INFO("||Y - Q Q^T Y||_F/||Y||_F = " << outside);
      CHECK(outside <= 10.0 * static_cast<double>(k) * kEpsD);
    }
    {
      auto Q = seigh::dist::scatter_replicated(comm.partition(D), MatrixF(Y.cast<float>()));
      const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.allow_rank_deficient = true});
      CHECK(result.numerical_rank == r);
      check_factorisation(Y.cast<float>().cast<double>().eval(), Q, result, 1e-5,
                          10.0 * static_cast<double>(k) * kEpsF);
    }
  }
}

TEST_CASE("zero input and zero columns", "[dist][orth]") {
  const auto& comm = world();
  const Index k = 5;
  for (Index D : {Index{100}, Index{7}}) {
    INFO("D=" << D);
    const auto part = comm.partition(D);
    {  // Exactly zero: error by default, any orthonormal Q when allowed.
      BlockRowMatrix<double> Q(part, k);
      CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Q), Catch::Contains("exactly zero"));
      BlockRowMatrix<double> Z(part, k);
      const OrthResult result = seigh::dist::orthonormalize(comm, Z, OrthOptions{.allow_rank_deficient = true});
      CHECK(result.numerical_rank == 0);
      CHECK(result.R.isZero(0.0));
      CHECK(orthogonality(Z) <= 1e-14);
      BlockRowMatrix<float> Zf(part, k);
      seigh::dist::orthonormalize(comm, Zf, OrthOptions{.allow_rank_deficient = true});
      CHECK(orthogonality(Zf) <= 1e-6);
    }
    {  // Column 2 zero: rank k − 1.
      MatrixD Y = uniform_matrix(D, k, 23);
      Y.col(2).setZero();
      auto Q = seigh::dist::scatter_replicated(part, Y);
      CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Q), Catch::Contains("numerical rank 4"));
      Q = seigh::dist::scatter_replicated(part, Y);
      const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.allow_rank_deficient = true});
      CHECK(result.numerical_rank == k - 1);
      check_factorisation(Y, Q, result, 1e-12, 10.0 * static_cast<double>(k) * kEpsD);
    }
  }
}

TEST_CASE("D = 2, k = 2: a rank with zero rows at 3 ranks", "[dist][orth]") {
  const auto& comm = world();
  const MatrixD Y = (MatrixD(2, 2) << 3.0, 1.0, 4.0, -2.0).finished();
  const MatrixD Qref = reference_q(Y);
  for (bool force_tsqr : {false, true}) {
    INFO("force_tsqr=" << force_tsqr);
    auto Q = seigh::dist::scatter_replicated(comm.partition(2), Y);
    const OrthResult result = seigh::dist::orthonormalize(comm, Q, OrthOptions{.force_tsqr = force_tsqr});
    check_factorisation(Y, Q, result, 1e-14, 1e-15);
    CHECK((seigh::dist::gather_all(comm, Q) - Qref).norm() <= 1e-15);
    // Known answer: first column (3, 4)/5, R_11 = 5.
    CHECK(result.R(0, 0) == Approx(5.0).epsilon(1e-15));

    auto Qf = seigh::dist::scatter_replicated(comm.partition(2), MatrixF(Y.cast<float>()));
    const OrthResult rf = seigh::dist::orthonormalize(comm, Qf, OrthOptions{.force_tsqr = force_tsqr});
    check_factorisation(Y, Qf, rf, 1e-6, 1e-6);
  }
}

TEST_CASE("one CholeskyQR pass loses orthogonality as first_pass_accuracy predicts", "[dist][orth]") {
  // The out-of-core SEIGH skips the second pass when κ₂(Y)²·ε₆₄ ≤ ε₃₂/10.
  // Independent truth: κ₂ of the float input from the SVD of the whole
  // matrix, and the loss ‖Q₁ᵀQ₁ − I‖₂ of Q₁ = Y R₁⁻¹ formed in double (so
  // that no float rounding of Q₁ hides it).
  const auto& comm = world();
  const Index D = 3000, k = 40;
  for (double kappa : {1e1, 1e2, 1e3, 5e3, 2e4, 1e5}) {
    const MatrixF Yf = conditioned(D, k, kappa, 41).cast<float>();
    const MatrixD Y = Yf.cast<double>();
    const auto sigma = Eigen::JacobiSVD<MatrixD>(Y).singularValues();
    const double condition = sigma(0) / sigma(k - 1);
    const auto Ydist = seigh::dist::scatter_replicated(comm.partition(D), Yf);
    const MatrixD G1 = seigh::dist::gram(comm, Ydist);
    const auto accuracy = seigh::dist::cholqr::first_pass_accuracy(G1, kEpsF);
    const auto R1 = seigh::dist::cholqr::first_factor(G1, 1e6);
    REQUIRE(R1.has_value());
    auto Q1 = seigh::dist::scatter_replicated(comm.partition(D), Y);
    seigh::dist::cholqr::solve_right<double>(Q1.local(), *R1);
    const double loss = largest_singular_value(seigh::dist::gram(comm, Q1) - MatrixD::Identity(k, k));
    INFO("kappa " << kappa << ": kappa_2 " << accuracy.condition << " (SVD " << condition << "), predicted loss "
                  << accuracy.predicted_loss << ", measured " << loss << ", one pass suffices " << accuracy.suffices);
    // κ₂ from the eigenvalues of G₁: relative error ~ ε₆₄·κ₂².
    CHECK(std::abs(accuracy.condition - condition) <= 1e-6 * condition);
    CHECK(accuracy.predicted_loss == Approx(accuracy.condition * accuracy.condition * kEpsD));
    // The decision is the rule, and the rule's premise holds: where it
    // accepts one pass, the measured loss is below ε₃₂/10.
    CHECK(accuracy.suffices == (accuracy.predicted_loss <= kEpsF / 10));
    if (accuracy.suffices) CHECK(loss <= kEpsF / 10);
    CHECK(loss <= 10 * accuracy.predicted_loss);
    CHECK(accuracy.suffices == (kappa <= 5e3));
    // float64 data never skip the second pass.
    CHECK_FALSE(seigh::dist::cholqr::first_pass_accuracy(G1, kEpsD).suffices);
  }
}

TEST_CASE("measure_orthogonality reports the measured error", "[dist][orth]") {
  const auto& comm = world();
  auto Q = seigh::dist::scatter_replicated(comm.partition(300), conditioned(300, 20, 1e3, 29));
  const OrthResult off = seigh::dist::orthonormalize(comm, Q);
  CHECK(std::isnan(off.orthogonality_error));
  auto Q2 = seigh::dist::scatter_replicated(comm.partition(300), conditioned(300, 20, 1e3, 29));
  const OrthResult on = seigh::dist::orthonormalize(comm, Q2, OrthOptions{.measure_orthogonality = true});
  CHECK(on.orthogonality_error == Approx(orthogonality(Q2)).margin(1e-16));
  CHECK(on.orthogonality_error <= 1e-13);
}

TEST_CASE("invalid input fails on every rank", "[dist][orth]") {
  const auto& comm = world();
  {  // D < k
    BlockRowMatrix<double> Y(comm.partition(3), 4);
    CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Y), Catch::Contains("D >= k"));
  }
  {  // NaN on one rank only: every rank must throw (no hang).
    for (bool force_tsqr : {false, true}) {
      auto Y = seigh::dist::scatter_replicated(comm.partition(30), uniform_matrix(30, 3, 31));
      if (comm.rank() == comm.size() - 1) Y.local()(0, 1) = std::numeric_limits<double>::quiet_NaN();
      CHECK_THROWS_WITH(seigh::dist::orthonormalize(comm, Y, OrthOptions{.force_tsqr = force_tsqr}),
                        Catch::Contains("NaN"));
    }
  }
  {  // Out-of-range options.
    auto Y = seigh::dist::scatter_replicated(comm.partition(30), uniform_matrix(30, 3, 31));
    CHECK_THROWS_AS(seigh::dist::orthonormalize(comm, Y, OrthOptions{.rank_tolerance = 1.5}), seigh::Error);
    CHECK_THROWS_AS(seigh::dist::orthonormalize(comm, Y, OrthOptions{.cholqr2_max_condition = 0.5}), seigh::Error);
  }
  {  // Errors are marked collective: every rank threw the same one.
    auto Y = seigh::dist::scatter_replicated(comm.partition(30), MatrixD(MatrixD::Zero(30, 3)));
    bool collective = false;
    try {
      seigh::dist::orthonormalize(comm, Y);
    } catch (const seigh::Error& e) {
      collective = e.collective();
    }
    CHECK(collective);
  }
}

TEST_CASE("k = 0 is a no-op", "[dist][orth]") {
  const auto& comm = world();
  BlockRowMatrix<double> Y(comm.partition(10), 0);
  const OrthResult result = seigh::dist::orthonormalize(comm, Y);
  CHECK(result.R.size() == 0);
  CHECK(result.numerical_rank == 0);
}
