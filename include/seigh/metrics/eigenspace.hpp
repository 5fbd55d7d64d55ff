#pragma once
/// \file
/// Two eigenspaces against each other, e.g. the top-k Hessian eigenspaces
/// at two checkpoints of a run (DESIGN.md §2 "Between two eigenbases").
///
/// V1 (D x K1) and V2 (D x K2) share a row partition. For k ≤ min(K1, K2)
/// the top-k spaces are span(V1_k), span(V2_k) (first k columns), and
///
///     C_k = V1_kᵀ V2_k   (k x k) = the leading k x k block of C = V1ᵀV2,
///     cos θ_i = singular values of C_k,
///     overlap = ‖C_k‖²_F / k = (1/k) tr(P1 P2)
///
/// (1 for equal spaces, 0 for orthogonal ones, k/D expected for a random
/// pair). C is formed once for the largest k (leading_cross_gram, the
/// dist::cross_gram of the leading columns: one allreduce of k² doubles,
/// accumulated in double) and serves every smaller k: nothing D x k ever
/// leaves its rank.

#include <algorithm>

#include "seigh/core/error.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/metrics/grassmann.hpp"

namespace seigh::metrics {

/// Principal angles and metrics of two k-dimensional spaces.
struct EigenspaceComparison {
  VectorD cosines;  ///< cos θ_i (k), descending, clamped to [0, 1]
  /// Metrics from the cosines (grassmann.hpp), except that `overlap` is
  /// ‖C_k‖²_F / k directly (unclamped) and `iou` is formed from it.
  SubspaceMetrics metrics;
};

/// Compare the top-k spaces given C = V1ᵀV2 (or any leading block of it
/// with at least k rows and columns, from dist::cross_gram or
/// leading_cross_gram): uses C's leading k x k block. Local (no MPI).
/// Throws seigh::Error unless 1 ≤ k ≤ min(K1, K2).
[[nodiscard]] EigenspaceComparison compare_eigenspaces(const Eigen::Ref<const MatrixD>& cross, Index k);

/// C = V1[:, :m]ᵀ V2[:, :m] (m x m), accumulated in double from the first
/// m columns in place (no copy, float promoted in chunks of rows) and
/// summed by one allreduce of m² doubles; replicated. The partitions must
/// agree. Collective.
template <class Scalar1, class Scalar2>
[[nodiscard]] MatrixD leading_cross_gram(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar1>& V1,
                                         const dist::BlockRowMatrix<Scalar2>& V2, Index m) {
  SEIGH_REQUIRE(m >= 1 && m <= V1.cols() && m <= V2.cols())
      << "eigenspace comparison: k = " << m << " must lie in [1, min(" << V1.cols() << ", " << V2.cols() << ")]";
  SEIGH_REQUIRE(V1.partition() == V2.partition()) << "eigenspace comparison: row partitions differ";
  MatrixD C = MatrixD::Zero(m, m);
  for (Index r0 = 0; r0 < V1.local_rows(); r0 += dist::detail::kPromoteChunk) {
    const Index rows = std::min(dist::detail::kPromoteChunk, V1.local_rows() - r0);
    C.noalias() += V1.local().middleRows(r0, rows).leftCols(m).template cast<double>().transpose() *
                   V2.local().middleRows(r0, rows).leftCols(m).template cast<double>();
  }
  comm.allreduce_sum(C);
  return C;
}

/// Compare span(V1_k) with span(V2_k): leading_cross_gram(…, k), then the
/// overload above. For several k, form leading_cross_gram once with the
/// largest k and call the overload above per k. Collective.
template <class Scalar1, class Scalar2>
[[nodiscard]] EigenspaceComparison compare_eigenspaces(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar1>& V1,
                                                       const dist::BlockRowMatrix<Scalar2>& V2, Index k) {
  return compare_eigenspaces(leading_cross_gram(comm, V1, V2, k), k);
}

}  // namespace seigh::metrics
