#pragma once
/// \file
/// Synthetic symmetric operators with known spectra, for tests and
/// benchmarks: H = V diag(λ) Vᵀ applied matrix-free, with every eigenpair
/// known without solving anything (DESIGN.md §2 validation; the spectra of
/// Tropp, Yurtsever, Udell, Cevher 2017/2019, §7).
///
/// ## The orthogonal factor
///
///     V = R_1 R_2 ... R_m · B,    R_i = I − 2 u_i u_iᵀ  (Householder, u_i unit),
///                                 B = blockdiag(Q_1, ..., Q_nb), Q_t orthogonal (β x β)
///
/// The reflectors spread every eigenvector over all D coordinates, the
/// blocks make each one dense in β coordinates; both are cheap:
/// H·X costs O(D · b · (m + β)) for a D x b block, and storage is O(D · (m + β)).
/// The eigenvalue of rank i (ordered by |λ|) sits on column π(i) of V for a
/// random permutation π, so the top eigenvectors are not tied to the first
/// coordinates (masks and overlaps would be trivial otherwise).
///
/// All randomness (u_i, Q_t, π) comes from the counter-based RNG of a seed:
/// the operator is identical on every rank and for every rank count.
///
/// ## Spectra (i = 0, 1, ..., D−1, ordered by |λ| descending)
///
///     lowrank:     λ_i = 1 − i/(2R)            (i < R),   noise · (D − i)/D   (i ≥ R)
///     poly:        λ_i = 1                     (i < R),   (i − R + 2)^(−p)    (i ≥ R)
///     exp:         λ_i = 1                     (i < R),   10^(−q (i − R + 1)) (i ≥ R)
///     indefinite:  λ_i = s_i (i + 1)^(−p),  s_i = −1 if i mod 3 = 1 else +1
///
/// poly and exp are TYUC's PolyDecay / ExpDecay (top R eigenvalues tie at 1,
/// so only the top-R *subspace* is unique); lowrank has distinct values.

#include <cstdint>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/linop/operator.hpp"

namespace seigh::linop {

enum class SpectrumFamily { low_rank, poly_decay, exp_decay, indefinite };

/// Everything that defines a synthetic operator.
struct SyntheticSpec {
  SpectrumFamily family = SpectrumFamily::poly_decay;
  Index dim = 1000;       ///< D
  Index rank = 10;        ///< R (ignored by indefinite)
  double noise = 1e-4;    ///< lowrank tail level
  double decay = 1.0;     ///< p (poly, indefinite) or q (exp)
  Index block = 16;       ///< β, block size of the block-diagonal factor
  int reflectors = 2;     ///< m, Householder reflectors
  std::uint64_t seed = 0;
};

/// Parse "FAMILY[,key=value...]", e.g. "poly,D=100000,R=10,p=2,seed=3".
/// Families: lowrank, poly, exp, indefinite. Keys: D, R, noise, p, q
/// (q is an alias of p for exp), block, reflectors, seed. Unknown families
/// or keys and malformed numbers throw seigh::Error.
SyntheticSpec parse_synthetic_spec(const std::string& text);

/// Canonical text of a spec (round-trips through parse_synthetic_spec).
std::string to_string(const SyntheticSpec& spec);

/// The D eigenvalues, ordered by |λ| descending (ties keep index order).
VectorD synthetic_spectrum(const SyntheticSpec& spec);

/// H = V diag(λ) Vᵀ as a DistributedOperator over `comm`.
template <class Scalar>
class SyntheticOperator {
 public:
  using scalar_type = Scalar;

  /// Builds V and λ (replicated on every rank; no communication).
  SyntheticOperator(const dist::Comm& comm, const SyntheticSpec& spec);

  [[nodiscard]] Index dim() const { return spec_.dim; }
  [[nodiscard]] dist::RowPartition partition() const { return partition_; }
  [[nodiscard]] const SyntheticSpec& spec() const { return spec_; }

  /// Y (local_rows x b) = this rank's rows of H·X, X (D x b) the same on
  /// every rank. Computed in double. No communication (every rank forms
  /// the product it needs from the replicated factors).
  void apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y);

  /// Exact eigenvalues, ordered by |λ| descending (D).
  [[nodiscard]] const VectorD& eigenvalues() const { return lambda_; }
  /// Exact unit eigenvectors of eigenvalues [first, first + count) as the
  /// columns of a D x count matrix (replicated).
  [[nodiscard]] MatrixD eigenvectors(Index first, Index count) const;
  /// ‖H‖_F = ‖λ‖₂.
  [[nodiscard]] double frobenius_norm() const { return lambda_.norm(); }

 private:
  void apply_v(Eigen::Ref<MatrixD> Z) const;            // Z ← V Z
  void apply_v_transpose(Eigen::Ref<MatrixD> Z) const;  // Z ← Vᵀ Z

  SyntheticSpec spec_;
  dist::RowPartition partition_;
  VectorD lambda_;          // by rank i
  VectorD column_lambda_;   // by column of V: column_lambda_[π(i)] = λ_i
  std::vector<Index> column_of_rank_;  // π
  MatrixD reflectors_;      // D x m, unit columns u_i
  MatrixD blocks_;          // β x D: block t occupies columns [tβ, tβ + β_t)
  MatrixD workspace_;       // D x b, reused by apply() (see there)
};

extern template class SyntheticOperator<float>;
extern template class SyntheticOperator<double>;

static_assert(DistributedOperator<SyntheticOperator<double>>);

}  // namespace seigh::linop
