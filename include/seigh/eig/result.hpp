#pragma once
/// \file
/// What every eigensolver returns (SEIGH, exact, Lanczos): values, the
/// distributed eigenvectors, operator counts and timings, and — where it was
/// computed — the a-posteriori error estimate. Non-convergence is a status
/// here, never an exception (STYLE.md).

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/linop/counting.hpp"

namespace seigh::eig {

/// Order of eigenpairs: by |λ| descending ("top-k" of an indefinite
/// Hessian, DESIGN.md §2) or algebraic descending.
enum class Ordering { magnitude, algebraic };

/// "magnitude" / "algebraic"; parse throws seigh::Error on anything else.
std::string name(Ordering ordering);
Ordering parse_ordering(const std::string& text);

/// Permutation that sorts `values` by `ordering` (descending; ties by
/// lower index, so the order is deterministic).
std::vector<Index> sorted_order(const VectorD& values, Ordering ordering);

/// A-posteriori error estimate of H ≈ V Λ Vᵀ (TYUC 2019 §6; DESIGN.md §2
/// step 5) from n_t Gaussian probes g_j:
///     ‖H − VΛVᵀ‖²_F ≈ mean_j ‖(H − VΛVᵀ) g_j‖²,   ‖H‖²_F ≈ mean_j ‖H g_j‖².
struct ErrorEstimate {
  Index probes = 0;                ///< n_t
  double residual_frobenius2 = 0;  ///< estimate of ‖H − VΛVᵀ‖²_F
  double operator_frobenius2 = 0;  ///< estimate of ‖H‖²_F
  /// sqrt(residual / operator): relative Frobenius error of the approximation.
  [[nodiscard]] double relative_error() const;
  /// Bound on P(estimate ≤ (1 − ε)·true) = [e^ε (1 − ε)]^{n_t/2}, 0 < ε < 1.
  [[nodiscard]] double probability_under(double epsilon) const;
  /// Bound on P(estimate ≥ (1 + ε)·true) = [(1 + ε) e^{−ε}]^{n_t/2}, ε > 0.
  [[nodiscard]] double probability_over(double epsilon) const;
  /// Smallest ε in (0, 1) with probability_under(ε) ≤ δ (bisection).
  [[nodiscard]] double epsilon_under(double delta) const;
  /// Smallest ε > 0 with probability_over(ε) ≤ δ (bisection).
  [[nodiscard]] double epsilon_over(double delta) const;
  /// Interval that holds the true relative Frobenius error with probability
  /// ≥ 1 − 2δ: sqrt(estimate / (1 + ε_over)) .. sqrt(estimate / (1 − ε_under)),
  /// both relative to the estimated ‖H‖_F (whose own uncertainty is ignored).
  [[nodiscard]] std::pair<double, double> relative_error_interval(double delta) const;
};

/// Result of an eigensolver: eigenpairs i = 0..k−1 in the requested order.
template <class Scalar>
struct EigenResult {
  std::string method;                        ///< "seigh", "exact", "lanczos"
  VectorD eigenvalues;                       ///< k, replicated
  dist::BlockRowMatrix<Scalar> eigenvectors; ///< D x k, unit columns, row-partitioned
  /// Out-of-core SEIGH: the eigenvectors were streamed into /eigenvectors of
  /// the result file OUT.partial (this is OUT) and `eigenvectors` is D x 0.
  /// write_eigen_result(OUT) completes that file. Empty otherwise.
  std::string eigenvectors_file;
  linop::OperatorCounts counts;              ///< products (HVPs) and time in the operator, this run
  Index resumed_products = 0;                ///< SEIGH --resume: products measured by the earlier run(s)
  double seconds = 0;                        ///< wall time of the whole solve
  std::map<std::string, double> timings;     ///< per phase, seconds
  std::optional<ErrorEstimate> error;        ///< if error probes were requested
  bool converged = true;                     ///< Lanczos: did it converge
  Index sketch_rank = 0;                     ///< SEIGH: numerical rank of the outer sketch Y
  int cholqr_passes = 0;                     ///< SEIGH: CholeskyQR passes on Y (0: TSQR)
  double sketch_condition = 0;               ///< SEIGH out of core: κ₂(Y) (0: not computed)
  std::string note;                          ///< anything the caller should print
};

}  // namespace seigh::eig
