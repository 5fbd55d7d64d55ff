#pragma once
/// \file
/// A mask against an eigenspace, distributed (DESIGN.md §2, §3).
///
/// V (D x K) is a BlockRowMatrix (rows partitioned over the ranks), e.g.
/// the eigenvectors of an eigen-result file, columns ordered as there
/// (top eigenvector first). A mask M (sorted, |M| = k ≤ K, replicated on
/// every rank) is compared with the top-k eigenspace span(V_k), V_k = the
/// first k columns of V (used in place, never copied), so one file serves
/// every k of a list.
///
///     overlap(V_k, M) = ‖V_k[M, :]‖²_F / k = (1/k) Σ_{i ∈ M} ‖row i of V_k‖²
///
/// (Fernandez et al., TMLR 2025: the overlap of a mask with an
/// eigenspace): the mean squared cosine of the principal angles between
/// span(V_k) and span(e_M) when V_k is orthonormal, 1 iff the spaces
/// coincide, 0 iff they are orthogonal.
///
/// Principal angles: cos θ_i = singular values of the k x k matrix
/// A = V_k[M, :] = e_Mᵀ V_k. A is assembled by every rank writing the rows
/// of M it owns into a k x k zero matrix and one allreduce (k² doubles:
/// 18 MB at k = 1500) — D x k is never held on one rank — and its SVD runs
/// redundantly on every rank, in double.

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/metrics/grassmann.hpp"
#include "seigh/metrics/mask.hpp"

namespace seigh::metrics {

/// Chance level of the overlap: k / D. It is the exact expectation of
/// overlap(V_k, M) over a mask M drawn uniformly from the k-subsets of
/// [0, D), for orthonormal V_k: every index lies in M with probability
/// k/D, so E ‖V_k[M, :]‖²_F = Σ_i P(i ∈ M) ‖row i‖² = (k/D) ‖V_k‖²_F =
/// (k/D)·k, and dividing by k gives k/D. Throws seigh::Error unless
/// 0 < k ≤ D.
[[nodiscard]] double chance_level(Index k, Index D);

/// A = V_k[M, :] (k x k, k = |M|, row p = row M[p] of V's first k
/// columns), in double, replicated. One allreduce. Collective.
/// Throws seigh::Error (collective) if |M| > K, M is not a valid mask of
/// [0, D) or |M| = 0.
template <class Scalar>
[[nodiscard]] MatrixD mask_rows(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask);

/// overlap(V_k, M) = ‖V_k[M, :]‖²_F / k with k = |M|, summed in double;
/// one allreduce of one number. Collective; errors as mask_rows.
template <class Scalar>
[[nodiscard]] double mask_overlap(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask);

/// A mask against span(V_k): principal angles and every metric.
struct MaskComparison {
  /// cos θ_i (k), descending, clamped to [0, 1] (see principal_cosines).
  VectorD cosines;
  /// Metrics from the cosines (grassmann.hpp), except that `overlap` is
  /// ‖A‖²_F / k computed directly from A (unclamped; equal to the mean
  /// cos² for orthonormal V_k, and the same number mask_overlap gives, so
  /// it is comparable with the chance level, best mask and random control)
  /// and `iou` is formed from that overlap.
  SubspaceMetrics metrics;
};

/// The comparison from A = V_k[M, :] (k x k, as mask_rows returns it):
/// cos θ_i = singular values of A, overlap = ‖A‖²_F / k. Local (no MPI).
[[nodiscard]] MaskComparison compare_mask_rows(const MatrixD& A);

/// Principal angles and metrics of span(V_k) against span(e_M), k = |M|.
/// One allreduce of k² doubles, then an O(k³) SVD on every rank.
/// Collective; errors as mask_rows.
template <class Scalar>
[[nodiscard]] MaskComparison compare_mask(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V,
                                          const Mask& mask);

}  // namespace seigh::metrics
