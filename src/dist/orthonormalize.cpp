#include "seigh/dist/orthonormalize.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/Householder>
#include <Eigen/QR>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "seigh/core/error.hpp"

namespace seigh::dist {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Bound on ‖Q₁ᵀQ₁ − I‖_F accepted before the second CholeskyQR pass. With
/// ‖Q₁ᵀQ₁ − I‖₂ <= 1/2, κ₂(Q₁)² <= 3, so the second pass is as accurate as
/// CholeskyQR on a well-conditioned matrix (orthogonality O(u)); beyond it
/// the first Cholesky was not trustworthy and TSQR takes over.
constexpr double kMaxFirstPassDeviation = 0.5;

/// Columns per panel when the TSQR Q of float data is formed in double:
/// bounds the extra memory to m_r x kPanel doubles while keeping the blocked
/// Householder application (block size 48 in Eigen) efficient.
constexpr Index kPanel = 256;

/// Throw the same Error on every rank. Only for conditions evaluated on
/// replicated data (shapes, options, allreduced or allgathered matrices),
/// so that every rank reaches the same verdict without communication.
template <class... Parts>
[[noreturn]] void fail_everywhere(const Parts&... parts) {
  std::ostringstream message;
  (message << ... << parts);
  throw Error(message.str(), /*collective=*/true);
}

/// Hager–Higham estimate of ‖R⁻¹‖₁ for upper triangular R (k x k) with a
/// nonzero diagonal (Higham, ACM TOMS 14(4), 1988, Alg. 4.1 with the extra
/// alternating-sign test vector of LAPACK's xLACN2). A lower bound, in
/// practice within a factor 3. O(k²) per iteration, at most 5 iterations.
double inverse_one_norm_estimate(const MatrixD& R) {
  const Index k = R.rows();
  const auto U = R.triangularView<Eigen::Upper>();
  VectorD x = VectorD::Constant(k, 1.0 / static_cast<double>(k));
  double estimate = 0.0;
  Index last_j = -1;
  for (int iteration = 0; iteration < 5; ++iteration) {
    const VectorD y = U.solve(x);
    if (!y.allFinite()) return kInf;
    const double norm = y.lpNorm<1>();
    if (iteration > 0 && norm <= estimate) break;
    estimate = norm;
    const VectorD xi = y.unaryExpr([](double v) { return v >= 0.0 ? 1.0 : -1.0; });
    const VectorD z = U.transpose().solve(xi);
    Index j = 0;
    const double z_max = z.cwiseAbs().maxCoeff(&j);
    if (iteration > 0 && (j == last_j || z_max <= z.dot(x))) break;
    last_j = j;
    x.setZero();
    x(j) = 1.0;
  }
  // Alternating test vector: catches the cases where the iteration stalls.
  VectorD alt(k);
  for (Index i = 0; i < k; ++i) {
    const double ramp = k > 1 ? static_cast<double>(i) / static_cast<double>(k - 1) : 0.0;
    alt(i) = (i % 2 == 0 ? 1.0 : -1.0) * (1.0 + ramp);
  }
  const VectorD y = U.solve(alt);
  if (!y.allFinite()) return kInf;
  return std::max(estimate, 2.0 * y.lpNorm<1>() / (3.0 * static_cast<double>(k)));
}

/// κ̂₁(R) = ‖R‖₁ · est(‖R⁻¹‖₁); infinity if a diagonal entry is zero.
double condition_estimate_1norm(const MatrixD& R) {
  if (R.size() == 0) return 1.0;
  if ((R.diagonal().array() == 0.0).any()) return kInf;
  const double norm = R.triangularView<Eigen::Upper>().toDenseMatrix().cwiseAbs().colwise().sum().maxCoeff();
  return norm * inverse_one_norm_estimate(R);
}

/// Upper Cholesky factor R (G = RᵀR), or empty if G is not numerically
/// positive definite (Eigen's LLT reports a non-positive pivot).
std::optional<MatrixD> cholesky_upper(const MatrixD& G) {
  const Eigen::LLT<MatrixD> llt(G);
  if (llt.info() != Eigen::Success) return std::nullopt;
  MatrixD R = llt.matrixU();
  if (!R.allFinite()) return std::nullopt;
  return R;
}

/// Rows per block of the triangular solve. Eigen's TRSM sizes its blocking
/// from the cache sizes it detects, and on a tall operand it runs at a
/// fraction of its GEMM rate (D = 2e5, k = 200: 6 GFLOP/s on the whole
/// block against 16 in blocks of a few hundred rows, on a machine whose
/// float64 GEMM runs at 17); blocks of this many rows (k = 200: 800 KB of
/// doubles, an L2's worth) keep it at the GEMM rate. Rows are independent
/// in Y R⁻¹, so blocking by rows does not change the algorithm.
constexpr Index kSolveRows = 512;

/// Y ← Y R⁻¹ for upper triangular R (k x k), local rows only, in blocks of
/// kSolveRows rows. Double data is solved in place; float data is promoted
/// to double block by block so the solve is in double without a full copy.
template <class Scalar>
void apply_inverse_on_right(Eigen::Ref<Matrix<Scalar>> local, const MatrixD& R) {
  const auto U = R.triangularView<Eigen::Upper>();
  MatrixD chunk;
  for (Index r0 = 0; r0 < local.rows(); r0 += kSolveRows) {
    const Index rows = std::min(kSolveRows, local.rows() - r0);
    if constexpr (std::is_same_v<Scalar, double>) {
      auto block = local.middleRows(r0, rows);
      U.template solveInPlace<Eigen::OnTheRight>(block);
    } else {
      chunk = local.middleRows(r0, rows).template cast<double>();
      U.template solveInPlace<Eigen::OnTheRight>(chunk);
      local.middleRows(r0, rows) = chunk.template cast<Scalar>();
    }
  }
}

/// TSQR (Demmel et al. 2012, flat tree): Y ← Q, returns R (k x k, upper,
/// R_jj >= 0) with Y_in = Q R. Requires D >= k. Collective (one allgather of
/// a k x k block per rank).
///
/// Rank r with m_r local rows contributes R_r = the top min(m_r, k) rows of
/// its Householder QR (a rank with m_r < k contributes an m_r x k
/// trapezoid, a rank with m_r = 0 nothing), so the stack S has
/// n_S = Σ_r min(m_r, k) >= k rows. Then
///   Y = diag(Q_r) · S = diag(Q_r) · Q_S · R,
/// and Q = diag(Q_r) · Q_S is orthonormal because every thin Q_r
/// (m_r x min(m_r, k)) and Q_S (n_S x k) is, whatever the rank of Y. Only
/// the true rows of each R_r enter S: padding with zero rows would be
/// harmless for full-rank Y but, for rank-deficient Y, Q_S may put weight on
/// padding rows and the product would lose orthonormality.
///
/// Every rank QRs the same S with the same code, so R and Q_S are identical
/// on all ranks of a homogeneous machine.
template <class Scalar>
MatrixD tsqr_in_place(const Comm& comm, BlockRowMatrix<Scalar>& Y) {
  const Index k = Y.cols();
  const Index m = Y.local_rows();
  const Index kk = std::min(m, k);
  const RowPartition& part = Y.partition();
  const int P = comm.size();

  // Local Householder QR in double (for float: promoted into the
  // factorisation's own storage, the only double copy of the block).
  Eigen::HouseholderQR<MatrixD> local_qr;
  MatrixD mine = MatrixD::Zero(k, k);  // R_r in the top kk rows, zero padding below
  if (m > 0) {
    local_qr.compute(Y.local().template cast<double>());
    mine.topRows(kk) = local_qr.matrixQR().topRows(kk).template triangularView<Eigen::Upper>();
  }

  // Allgather fixed k x k blocks (the partition of P·k rows over P ranks
  // gives every rank exactly k rows), then drop the padding.
  MatrixD padded(static_cast<Index>(P) * k, k);
  comm.allgather_rows<double>(mine, comm.partition(static_cast<Index>(P) * k), padded);
  std::vector<Index> offset(static_cast<std::size_t>(P) + 1, 0);
  for (int r = 0; r < P; ++r) {
    offset[static_cast<std::size_t>(r) + 1] =
        offset[static_cast<std::size_t>(r)] + std::min(part.range_of(r).size(), k);
  }
  const Index n_stack = offset.back();
  MatrixD stack(n_stack, k);
  for (int r = 0; r < P; ++r) {
    const Index rows = offset[static_cast<std::size_t>(r) + 1] - offset[static_cast<std::size_t>(r)];
    stack.middleRows(offset[static_cast<std::size_t>(r)], rows) = padded.middleRows(static_cast<Index>(r) * k, rows);
  }
  padded.resize(0, 0);
  if (!stack.allFinite()) fail_everywhere("orthonormalize: Y contains NaN or Inf");

  // In place: the factorisation overwrites the stack instead of copying it.
  const Eigen::HouseholderQR<Eigen::Ref<MatrixD>> stack_qr(stack);
  MatrixD R = stack_qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
  // Sign convention R_jj >= 0: R ← S R, Q_S ← Q_S S with S = diag(±1).
  const VectorD sign = R.diagonal().unaryExpr([](double v) { return v < 0.0 ? -1.0 : 1.0; });
  R = sign.asDiagonal() * R;

  if (m == 0) return R;
  // This rank's rows of the thin Q_S (kk x k), sign-fixed.
  MatrixD thin_qs = MatrixD::Identity(n_stack, k);
  thin_qs.applyOnTheLeft(stack_qr.householderQ());
  const MatrixD block = thin_qs.middleRows(offset[static_cast<std::size_t>(part.rank())], kk) * sign.asDiagonal();
  thin_qs.resize(0, 0);

  // Q_local = Q_r · [block; 0] (m x k), applying the m x m Householder
  // sequence of the local QR to the zero-padded block.
  const auto Qr = local_qr.householderQ();
  if constexpr (std::is_same_v<Scalar, double>) {
    auto& local = Y.local();
    local.topRows(kk) = block;
    local.bottomRows(m - kk).setZero();
    local.applyOnTheLeft(Qr);
  } else {
    MatrixD panel;
    for (Index c0 = 0; c0 < k; c0 += kPanel) {
      const Index cols = std::min(kPanel, k - c0);
      panel = MatrixD::Zero(m, cols);
      panel.topRows(kk) = block.middleCols(c0, cols);
      panel.applyOnTheLeft(Qr);
      Y.local().middleCols(c0, cols) = panel.template cast<Scalar>();
    }
  }
  return R;
}

/// CholeskyQR2 with the up-front test and the second-pass safety net.
/// Returns false, with Y untouched, if the first Cholesky fails or
/// κ̂₁(R₁) > max_condition; otherwise Y ← Q and fills result.R, .method and
/// .cholqr_passes (TSQR finishes the job if the second-pass check rejects
/// Q₁). Collective; every branch is agreed on by all ranks.
template <class Scalar>
bool cholesky_qr2(const Comm& comm, BlockRowMatrix<Scalar>& Y, double max_condition, OrthResult& result) {
  // Pass 1: decided before Y is touched, so a fallback starts from the data.
  const std::optional<MatrixD> R1 = cholqr::first_factor(gram(comm, Y), max_condition);
  // G1 is the same on every rank, but agree anyway: a split decision would
  // leave the ranks in different collectives.
  if (comm.any(!R1.has_value())) return false;
  apply_inverse_on_right<Scalar>(Y.local(), *R1);
  result.cholqr_passes = 1;

  // Pass 2 on Q₁, guarded: G2 = Q₁ᵀQ₁ measures the first pass exactly.
  const std::optional<MatrixD> R2 = cholqr::second_factor(gram(comm, Y));
  if (comm.any(!R2.has_value())) {
    // Safety net: Y_in = Q₁ R₁ = (Q R_T) R₁.
    result.method = OrthMethod::tsqr;
    result.R = cholqr::upper_product(tsqr_in_place(comm, Y), *R1);
    return true;
  }
  apply_inverse_on_right<Scalar>(Y.local(), *R2);
  result.cholqr_passes = 2;
  result.method = OrthMethod::cholesky_qr2;
  result.R = cholqr::upper_product(*R2, *R1);
  return true;
}

}  // namespace

std::string_view to_string(OrthMethod method) {
  switch (method) {
    case OrthMethod::cholesky_qr2:
      return "cholesky_qr2";
    case OrthMethod::tsqr:
      return "tsqr";
  }
  return "unknown";
}

template <class Scalar>
double default_rank_tolerance(Index k) {
  const double data = 10.0 * static_cast<double>(std::numeric_limits<Scalar>::epsilon());
  const double factorisation =
      10.0 * std::sqrt(static_cast<double>(std::max<Index>(k, 1))) * std::numeric_limits<double>::epsilon();
  return std::max(data, factorisation);
}

template <class Scalar>
  requires std::same_as<Scalar, float> || std::same_as<Scalar, double>
OrthResult orthonormalize(const Comm& comm, BlockRowMatrix<Scalar>& Y, const OrthOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const Index D = Y.global_rows();
  const Index k = Y.cols();

  // Every check here uses replicated values, so all ranks agree.
  if (Y.partition().size() != comm.size() || Y.partition().rank() != comm.rank()) {
    fail_everywhere("orthonormalize: Y is partitioned for rank ", Y.partition().rank(), " of ", Y.partition().size(),
                    ", the communicator has ", comm.size(), " ranks");
  }
  if (D < k) {
    fail_everywhere("orthonormalize: Y has D=", D, " rows and k=", k, " columns; k orthonormal columns need D >= k");
  }
  const double tolerance = options.rank_tolerance.value_or(default_rank_tolerance<Scalar>(k));
  if (!(tolerance >= 0.0 && tolerance < 1.0)) {
    fail_everywhere("orthonormalize: rank_tolerance=", tolerance, " must lie in [0, 1)");
  }
  if (!(options.cholqr2_max_condition >= 1.0)) {
    fail_everywhere("orthonormalize: cholqr2_max_condition=", options.cholqr2_max_condition, " must be >= 1");
  }

  OrthResult result;
  result.rank_tolerance = tolerance;
  if (k == 0) {
    result.R = MatrixD(0, 0);
    result.condition_estimate = 1.0;
    result.min_diagonal_ratio = 1.0;
    if (options.measure_orthogonality) result.orthogonality_error = 0.0;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  if (options.force_tsqr || !cholesky_qr2(comm, Y, options.cholqr2_max_condition, result)) {
    result.method = OrthMethod::tsqr;
    result.cholqr_passes = 0;
    result.R = tsqr_in_place(comm, Y);
  }

  cholqr::finish(comm, result, options, k, tolerance);
  if (options.measure_orthogonality) {
    result.orthogonality_error = (gram(comm, Y) - MatrixD::Identity(k, k)).norm();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

namespace cholqr {

std::optional<MatrixD> first_factor(const MatrixD& G1, double max_condition) {
  if (!G1.allFinite()) fail_everywhere("orthonormalize: Y contains NaN or Inf");
  std::optional<MatrixD> R1 = cholesky_upper(G1);
  if (R1 && condition_estimate_1norm(*R1) <= max_condition) return R1;
  return std::nullopt;
}

FirstPassAccuracy first_pass_accuracy(const MatrixD& G1, double working_epsilon) {
  FirstPassAccuracy out;
  if (G1.rows() == 0) {
    out.condition = 1.0;
  } else {
    const VectorD eigenvalues = Eigen::SelfAdjointEigenSolver<MatrixD>(G1, Eigen::EigenvaluesOnly).eigenvalues();
    const double smallest = eigenvalues.minCoeff(), largest = eigenvalues.maxCoeff();
    out.condition = smallest > 0.0 ? std::sqrt(largest / smallest) : kInf;
  }
  out.predicted_loss = out.condition * out.condition * std::numeric_limits<double>::epsilon();
  out.suffices = out.predicted_loss <= working_epsilon / 10.0;
  return out;
}

std::optional<MatrixD> second_factor(const MatrixD& G2) {
  const Index k = G2.rows();
  if (G2.allFinite() && (G2 - MatrixD::Identity(k, k)).norm() <= kMaxFirstPassDeviation) return cholesky_upper(G2);
  return std::nullopt;
}

template <class Scalar>
void solve_right(Eigen::Ref<Matrix<Scalar>> rows, const MatrixD& R) {
  apply_inverse_on_right<Scalar>(rows, R);
}

MatrixD upper_product(const MatrixD& A, const MatrixD& B) {
  MatrixD C = A.triangularView<Eigen::Upper>() * B.triangularView<Eigen::Upper>().toDenseMatrix();
  C.triangularView<Eigen::StrictlyLower>().setZero();
  return C;
}

void finish(const Comm& comm, OrthResult& result, const OrthOptions& options, Index k, double tolerance) {
  result.rank_tolerance = tolerance;
  // Rank and conditioning, from the replicated R.
  const VectorD diagonal = result.R.diagonal().cwiseAbs();
  const double largest = diagonal.maxCoeff();
  Index weakest = 0;
  const double smallest = diagonal.minCoeff(&weakest);
  Index rank = 0;
  if (largest > 0.0) {
    rank = (diagonal.array() > tolerance * largest).count();
    result.min_diagonal_ratio = smallest / largest;
  }
  // R is computed identically on every rank; the minimum is insurance that
  // the throw below happens everywhere or nowhere.
  result.numerical_rank = comm.min(rank);
  result.condition_estimate = condition_estimate_1norm(result.R);

  if (result.numerical_rank < k && !options.allow_rank_deficient) {
    if (largest == 0.0) {
      fail_everywhere("orthonormalize: input of k=", k, " columns is exactly zero (numerical rank 0); the sketch Y ",
                      "is empty — check the operator and the test matrix, or set ",
                      "OrthOptions::allow_rank_deficient to get an arbitrary orthonormal Q");
    }
    fail_everywhere("orthonormalize: input of k=", k, " columns has numerical rank ", result.numerical_rank,
                    " (|R_jj|/max = ", result.min_diagonal_ratio, " at column j=", weakest, ", tolerance ", tolerance,
                    "); the sketch Y is rank deficient — the operator may have rank < k ",
                    "(reduce k) or the test matrix is degenerate; set OrthOptions::allow_rank_deficient to continue ",
                    "with an orthonormal Q whose extra columns span arbitrary directions");
  }
}

template void solve_right<float>(Eigen::Ref<Matrix<float>>, const MatrixD&);
template void solve_right<double>(Eigen::Ref<Matrix<double>>, const MatrixD&);

}  // namespace cholqr

template double default_rank_tolerance<float>(Index);
template double default_rank_tolerance<double>(Index);
template OrthResult orthonormalize<float>(const Comm&, BlockRowMatrix<float>&, const OrthOptions&);
template OrthResult orthonormalize<double>(const Comm&, BlockRowMatrix<double>&, const OrthOptions&);

}  // namespace seigh::dist
