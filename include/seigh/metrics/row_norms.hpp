#pragma once
/// \file
/// Squared row norms of the top-k eigenvectors, the quantity behind the
/// best mask and the random-mask control: for any mask M of size k,
///
///     ‖V_k[M, :]‖²_F = Σ_{i ∈ M} n_i,   n_i = Σ_{j < k} V_ij²,
///
/// so once every rank has its n_i, the overlap of any mask costs O(k)
/// local work and one scalar in a reduction.

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::metrics {

/// n_i = Σ_{j < k} V_ij² for this rank's rows of V (D x K, k ≤ K), in
/// double: the partition, k, and the local_rows values.
struct RowNorms {
  dist::RowPartition partition;
  Index k = 0;
  VectorD local;  ///< local_rows entries; entry l belongs to global row row_offset + l
};

/// Squared norms of the rows of V's first k columns. Purely local. Each
/// n_i is accumulated over j = 0..k−1 in that order, whatever the
/// partition, so the values (and everything built from them) do not depend
/// on the number of ranks. Throws seigh::Error unless 1 ≤ k ≤ V.cols().
template <class Scalar>
[[nodiscard]] RowNorms row_norms(const dist::BlockRowMatrix<Scalar>& V, Index k);

}  // namespace seigh::metrics
