#pragma once
/// \file
/// Orthonormalisation of a block-row matrix: the Q = orth(Y) step of the
/// sketched eigensolver (DESIGN.md §2 step 3, §3 "orth(Y)").
///
/// Y (D x k, rows partitioned over the ranks, D >= k) is overwritten in place
/// by Q (D x k, QᵀQ = I) with Y = Q R, R (k x k) upper triangular with a
/// non-negative diagonal, replicated on every rank.
///
/// Two algorithms, chosen automatically:
///
/// - **CholeskyQR2** (Fukaya, Nakatsukasa, Yanagisawa, Yamamoto, "CholeskyQR2:
///   a simple and communication-avoiding algorithm for computing a
///   tall-skinny QR factorization on a large-scale parallel system", ScalA
///   2014; error analysis in Yamamoto, Nakatsukasa, Yanagisawa, Fukaya,
///   ETNA 44, 2015). One pass: G = YᵀY (one allreduce of k x k, accumulated
///   in double), G = R₁ᵀR₁ (Cholesky), Y ← Y R₁⁻¹. The second pass repeats
///   this on the result and R = R₂ R₁. The first pass alone leaves an
///   orthogonality error of order u·κ(Y)²; the second brings it to O(u)
///   provided the first Cholesky was meaningful, i.e. κ(Y) ≲ u^{-1/2} ≈ 1e8
///   in double. Communication: two allreduces of k² doubles.
/// - **TSQR** (Demmel, Grigori, Hoemmen, Langou, "Communication-optimal
///   parallel and sequential QR and LU factorizations", SIAM J. Sci. Comput.
///   34(1), 2012; here the flat one-level tree): every rank Householder-QRs
///   its block Y_r = Q_r R_r in double, the R_r (min(m_r, k) x k) are
///   allgathered into a stack S (at most P·k x k), every rank QRs S = Q_S R
///   identically, and rank r's block of Q is Q_r · (its rows of Q_S).
///   Unconditionally stable (orthogonality O(u) for any κ, including
///   rank-deficient and zero input), but slower: Householder QR is less
///   BLAS-3 friendly than Gram + triangular solve (with Eigen, D = 2e5,
///   k = 100: 2-3.5x the time of CholeskyQR2), and the stack costs O(P k²)
///   memory and O(P k³) redundant flops on every rank.
///
/// Shifted CholeskyQR3 (Fukaya, Kannan, Nakatsukasa, Yamamoto, Yanagisawa,
/// "Shifted Cholesky QR for computing the QR factorization of
/// ill-conditioned matrices", SIAM J. Sci. Comput. 42(1), 2020) would be the
/// other possible fallback; TSQR is used because it also handles
/// rank-deficient input and its stability does not depend on a shift.

#include <concepts>
#include <limits>
#include <optional>
#include <string_view>

#include "seigh/core/types.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::dist {

/// The algorithm that produced Q.
enum class OrthMethod {
  cholesky_qr2,  ///< two CholeskyQR passes
  tsqr,          ///< TSQR (possibly after one CholeskyQR pass, see OrthResult::cholqr_passes)
};

/// "cholesky_qr2" or "tsqr" (for logs and result-file attributes).
[[nodiscard]] std::string_view to_string(OrthMethod method);

/// Options of orthonormalize(). An aggregate: `OrthOptions{.allow_rank_deficient = true}`.
struct OrthOptions {
  /// If false (default), a numerically rank-deficient Y is an error (the
  /// sketch has fewer independent directions than columns, which usually
  /// means the operator has rank < k or the test matrix is degenerate). If
  /// true, Q still has k orthonormal columns (those beyond the numerical
  /// rank span arbitrary directions that are orthogonal to the rest) and
  /// OrthResult::numerical_rank reports the rank.
  bool allow_rank_deficient = false;

  /// Column j counts as numerically dependent when
  /// |R_jj| <= rank_tolerance · max_i |R_ii| (R the unpivoted, sign-fixed
  /// factor). Empty (default) selects `default_rank_tolerance<Scalar>(k)`:
  /// max(10·ε(Scalar), 10·√k·ε(double)), i.e. ten times the larger of the
  /// rounding level of the stored data (ε(float) ≈ 1.2e-7,
  /// ε(double) ≈ 2.2e-16) and the backward error of the double-precision
  /// factorisation (≈ √k·u for Householder QR). No factor D: componentwise
  /// rounding of the columns perturbs them by ≈ ε relative, independently
  /// of their length. Must lie in [0, 1).
  std::optional<double> rank_tolerance{};

  /// CholeskyQR2 is used only if the 1-norm condition estimate κ̂₁(R₁) of the
  /// first Cholesky factor is at most this (and the Cholesky succeeded);
  /// otherwise TSQR. At κ = 1e6, u·κ² ≈ 1e-4 (u = 2^-53): the first pass
  /// leaves Q₁ with ‖Q₁ᵀQ₁ − I‖ of that order times the rounding growth
  /// factor of the Gram sum (≤ √D in practice), which the second pass
  /// removes; the margin of ~100 below u^{-1/2} ≈ 9.5e7 absorbs that growth
  /// and the factor ≤ k between κ̂₁ and κ₂. A miss is still caught: if the
  /// second Gram deviates from I by more than 1/2, TSQR takes over (see
  /// OrthResult::cholqr_passes). Must be >= 1.
  double cholqr2_max_condition = 1e6;

  /// Skip CholeskyQR2 and always use TSQR (benchmarks, tests).
  bool force_tsqr = false;

  /// Measure ‖QᵀQ − I‖_F after the factorisation (one more Gram pass over Q
  /// and one allreduce) into OrthResult::orthogonality_error.
  bool measure_orthogonality = false;
};

/// Result of orthonormalize(); identical on every rank.
struct OrthResult {
  /// R (k x k), upper triangular with R_jj >= 0, Y_in = Q R. Unique (and so
  /// comparable across rank counts) when Y_in has full column rank.
  MatrixD R;
  /// The algorithm that produced Q.
  OrthMethod method = OrthMethod::cholesky_qr2;
  /// CholeskyQR passes applied to Y: 2 for cholesky_qr2; for tsqr 0 when the
  /// first Cholesky decided against CholeskyQR2 (failure or κ̂ too large), 1
  /// when the second-pass check rejected Q₁ and TSQR factored Q₁ instead
  /// (R is then R_TSQR · R₁).
  int cholqr_passes = 0;
  /// Number of j with |R_jj| > tolerance · max_i |R_ii| (0 for Y = 0).
  Index numerical_rank = 0;
  /// The tolerance that was applied.
  double rank_tolerance = 0.0;
  /// min_j |R_jj| / max_i |R_ii| (0 for Y = 0); a lower bound on 1/κ₂(Y).
  double min_diagonal_ratio = 0.0;
  /// κ̂₁(R) = ‖R‖₁ · est(‖R⁻¹‖₁), the Hager–Higham 1-norm estimate used by
  /// LAPACK's xTRCON (Higham, ACM TOMS 14(4), 1988). κ₁(R) is within a
  /// factor k of κ₂(Y) = κ₂(R), and the estimate is usually within a factor
  /// 3 of κ₁. Infinity if some R_jj = 0.
  double condition_estimate = 0.0;
  /// ‖QᵀQ − I‖_F if OrthOptions::measure_orthogonality, else NaN.
  double orthogonality_error = std::numeric_limits<double>::quiet_NaN();
  /// Wall-clock seconds on this rank.
  double seconds = 0.0;
};

/// The steps of CholeskyQR2 as orthonormalize() takes them, for callers
/// that hold Y in pieces (the out-of-core SEIGH streams Y through a file in
/// row blocks) and must take exactly the same decisions on the same data.
/// All pure and local; the caller accumulates and allreduces the Grams and
/// agrees on every decision (Comm::any) as orthonormalize() does.
namespace cholqr {

/// Pass 1: the upper Cholesky factor R₁ of G₁ = YᵀY if the factorisation
/// succeeds and κ̂₁(R₁) <= max_condition (OrthOptions::cholqr2_max_condition),
/// else empty (fall back to TSQR on Y). Throws (collective) if G₁ is not finite.
[[nodiscard]] std::optional<MatrixD> first_factor(const MatrixD& G1, double max_condition);

/// Is one CholeskyQR pass enough? Q₁ = Y R₁⁻¹ from the float64 Gram
/// G₁ = YᵀY loses orthogonality as ‖Q₁ᵀQ₁ − I‖₂ ≈ κ₂(Y)²·ε₆₄: the rounding
/// of G₁ and of its Cholesky factor (relative ε₆₄) is amplified by R₁⁻¹ on
/// both sides (Yamamoto et al., ETNA 44, 2015, whose bound adds factors of
/// D and k that rounding rarely reaches). The second pass exists to remove
/// that loss. When the data are stored in `working_epsilon` precision
/// (float32: 1.2e-7) and the predicted loss is below a tenth of it, the
/// second pass changes Q by less than storing it in that precision does,
/// and a caller that pays a full read of Y for each pass (the out-of-core
/// SEIGH) may skip it. κ₂(Y) = √(λ_max(G₁)/λ_min(G₁)) from the eigenvalues of
/// G₁ (O(k³), replicated; ∞ if λ_min ≤ 0). Local and deterministic.
struct FirstPassAccuracy {
  double condition = 0;       ///< κ₂(Y)
  double predicted_loss = 0;  ///< κ₂(Y)²·ε₆₄
  bool suffices = false;      ///< predicted_loss <= working_epsilon / 10
};
[[nodiscard]] FirstPassAccuracy first_pass_accuracy(const MatrixD& G1, double working_epsilon);

/// Pass 2: the Cholesky factor R₂ of G₂ = Q₁ᵀQ₁ if ‖G₂ − I‖_F <= 1/2 and
/// the factorisation succeeds, else empty (the first pass was not
/// trustworthy: TSQR on Q₁).
[[nodiscard]] std::optional<MatrixD> second_factor(const MatrixD& G2);

/// rows ← rows R⁻¹ (R upper triangular k x k) in double, in blocks of rows
/// (float data promoted block by block). Rows are independent, so any
/// split of Y into row blocks gives the same values as the whole.
template <class Scalar>
void solve_right(Eigen::Ref<Matrix<Scalar>> rows, const MatrixD& R);

/// A · B for upper triangular A, B with an exactly zero strictly lower part.
[[nodiscard]] MatrixD upper_product(const MatrixD& A, const MatrixD& B);

/// Fill numerical_rank, min_diagonal_ratio, condition_estimate and
/// rank_tolerance of `result` from result.R, and throw (on every rank) if Y
/// is rank deficient and !options.allow_rank_deficient. Collective.
void finish(const Comm& comm, OrthResult& result, const OrthOptions& options, Index k, double tolerance);

}  // namespace cholqr

/// The default of OrthOptions::rank_tolerance for data of type Scalar with
/// k columns: max(10·ε(Scalar), 10·√k·ε(double)).
template <class Scalar>
[[nodiscard]] double default_rank_tolerance(Index k);

/// Orthonormalise Y in place: Y (D x k) becomes Q (D x k) with QᵀQ = I and
/// Y_in = Q R, R (k x k) upper triangular with non-negative diagonal.
/// Collective.
///
/// All arithmetic is in double. For float data the Gram matrices are
/// accumulated in double and R⁻¹ is applied in double chunk by chunk, so the
/// CholeskyQR2 path never holds a double copy of Y; the TSQR path needs one
/// double copy of the local block (the Householder vectors) plus, for float,
/// a column panel.
///
/// Method choice (see OrthOptions::cholqr2_max_condition): CholeskyQR2 when
/// the first Cholesky succeeds and κ̂₁(R₁) <= the threshold, TSQR otherwise.
/// The choice is agreed on by all ranks.
///
/// Numerical rank: counted from the diagonal of the unpivoted R (see
/// OrthOptions::rank_tolerance). A small |R_jj| always means Y is close to
/// rank deficient (σ_min(Y) <= |R_jj|), and for sketches Y = HΩ with random
/// Ω unpivoted QR reveals the rank (generic position); it can miss
/// deficiency in adversarial inputs such as Kahan's matrix, where no R_jj is
/// small — condition_estimate then still shows it. No column pivoting is
/// done, so Y = Q R holds without a permutation.
///
/// Throws seigh::Error (on every rank, marked collective) if D < k, the
/// partition does not belong to `comm`, Y contains NaN/Inf, an option is out
/// of range, or Y is numerically rank deficient and !allow_rank_deficient
/// (the message gives k, the rank and the smallest |R_jj|/max ratio). After
/// an exception Y's content is unspecified.
template <class Scalar>
  requires std::same_as<Scalar, float> || std::same_as<Scalar, double>
OrthResult orthonormalize(const Comm& comm, BlockRowMatrix<Scalar>& Y, const OrthOptions& options = {});

}  // namespace seigh::dist
