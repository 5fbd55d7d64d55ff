#pragma once
/// \file
/// `RowProjector`: this rank's share of a projection by a test matrix.
///
/// SEIGH projects products onto the inner test matrices: Z = Φ (HΨᵀ) and
/// P = ΦQ, R = ΨQ. Φ and Ψ (s x D) are stored as their tall transposes
/// T = Φᵀ (D x s), so with B (D x b) row-partitioned,
///
///     Φ B = Tᵀ B = Σ_ranks T[rows_r, :]ᵀ · B[rows_r, :]     (s x b)
///
/// and each rank computes its term from its own rows: project() returns
/// the unreduced s x b partial; the caller sums over ranks (one reduction
/// per block or one at the end, DESIGN.md §3).
///
/// Cost per call with b columns: dense families O(local_rows · s · b) plus,
/// without the cache, generating local_rows x s entries; sparse sign
/// O(local_rows · ζ · b). The dense rows T[rows_r, :] are cached when they
/// fit in `cache_bytes` (memory O(D·s/P)), and regenerated chunk by chunk
/// otherwise (memory O(chunk · s)) — the answer is identical either way.

#include <cstddef>

#include "seigh/core/types.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::eig {

template <class Scalar>
class RowProjector {
 public:
  /// T (D x d) with D == partition.global_rows().
  RowProjector(const random::TestMatrix& T, const dist::RowPartition& partition, std::size_t cache_bytes);

  /// T[rows, :]ᵀ · local (d x b, double), local (local_rows x b). Local: no
  /// communication.
  ///
  /// `column_group` > 0: the dense families multiply in GEMMs of
  /// column_group columns (the last one narrower), aligned at local's first
  /// column, so a column's bits depend only on its place in its group, not
  /// on how many columns are projected together. Projecting a matrix's
  /// columns in batches that start at multiples of column_group then gives
  /// the same bits as projecting them all at once (SEIGH's core sketch,
  /// whose batch width follows the memory budget). Sparse sign sums every
  /// entry in the same order at any width. 0: one GEMM of all b columns.
  [[nodiscard]] MatrixD project(const Eigen::Ref<const Matrix<Scalar>>& local, Index column_group = 0) const;

  /// out += T[first_row : first_row + n, :]ᵀ · rows (d x b) for a span of
  /// n rows of this rank's range starting at global row `first_row` (the
  /// row blocks of a matrix streamed through a file). project(local) is
  /// project_rows(row_offset, local, out) on out = 0. Local.
  void project_rows(Index first_row, const Eigen::Ref<const Matrix<Scalar>>& rows, MatrixD& out,
                    Index column_group = 0) const;

  [[nodiscard]] bool cached() const { return cache_.size() > 0; }
  [[nodiscard]] Index cols() const { return matrix_.cols; }

 private:
  random::TestMatrix matrix_;
  dist::RowPartition partition_;
  Matrix<Scalar> cache_;  // local_rows x d when cached
};

extern template class RowProjector<float>;
extern template class RowProjector<double>;

}  // namespace seigh::eig
