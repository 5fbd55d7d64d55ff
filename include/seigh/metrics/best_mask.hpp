#pragma once
/// \file
/// The best possible mask of size k for an eigenspace (DESIGN.md §2):
/// since ‖V_k[M, :]‖²_F = Σ_{i ∈ M} n_i with n_i = ‖row i of V_k‖² ≥ 0
/// (row_norms.hpp), the overlap is maximised over all k-subsets by taking
/// the k rows of largest n_i. Its overlap (1/k) Σ_{top k} n_i is the
/// ceiling any mask — the magnitude mask included — can reach for this
/// eigenspace.
///
/// Distributed top-k: every rank selects its local top min(k, local_rows)
/// candidates (O(local_rows), std::nth_element), pads them to k with
/// entries that rank last, and one allgather of P·k (value, index) pairs
/// gives every rank the same candidate list, from which it selects the
/// global top k. Exact: a row among the global top k is among its own
/// rank's top k. Memory O(local_rows + P·k). Order: larger n_i first,
/// ties by the lower global index (a strict total order, so the mask is
/// unique and independent of the rank count).

#include "seigh/dist/comm.hpp"
#include "seigh/metrics/mask.hpp"
#include "seigh/metrics/row_norms.hpp"

namespace seigh::metrics {

struct BestMask {
  Mask mask;             ///< the k indices, sorted ascending
  double overlap = 0.0;  ///< (1/k) Σ_{i ∈ mask} n_i, summed in ascending index order
};

/// The best mask of size norms.k. One allgather. Collective.
[[nodiscard]] BestMask best_mask(const dist::Comm& comm, const RowNorms& norms);

/// Convenience: best_mask(comm, row_norms(V, k)). Collective.
template <class Scalar>
[[nodiscard]] BestMask best_mask(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, Index k) {
  return best_mask(comm, row_norms(V, k));
}

}  // namespace seigh::metrics
