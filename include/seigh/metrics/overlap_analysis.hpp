#pragma once
/// \file
/// The whole mask-vs-eigenspace analysis of `seigh overlap` for one
/// eigenbasis and one parameter vector, over a list of k, and the
/// run-level comparison of a result with the run's last one. Composes
/// mask.hpp, mask_overlap.hpp, best_mask.hpp, random_mask.hpp and
/// eigenspace.hpp and fills an OverlapTable row.

#include <vector>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/metrics/best_mask.hpp"
#include "seigh/metrics/mask.hpp"
#include "seigh/metrics/mask_overlap.hpp"
#include "seigh/metrics/overlap_file.hpp"
#include "seigh/metrics/random_mask.hpp"
#include "seigh/metrics/row_norms.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::metrics {

struct OverlapOptions {
  Index random_masks = 20;     ///< R masks of the random control (0: none)
  random::RngState rng{};      ///< user state; the masks use its `mask` role
};

/// Everything about one k.
struct MaskAnalysis {
  Index k = 0;
  Mask mask;                   ///< the magnitude mask M_k(θ)
  double chance = 0.0;         ///< k / D
  MaskComparison magnitude;    ///< M_k against span(V_k): overlap, angles, metrics
  BestMask best;               ///< the best possible mask and its overlap
  RandomMaskControl random;    ///< the random-mask control
};

/// For each k in `ks` (each 1 ≤ k ≤ min(V.cols(), D)): the magnitude mask
/// of θ (D, replicated), its comparison with the top-k eigenspace, the
/// chance level, the best mask and the random control. Per k: one
/// allreduce of k² doubles, one allgather of P·k pairs, one allreduce of R
/// numbers. Collective. Throws seigh::Error (collective) if θ's length is
/// not D or a k is out of range.
template <class Scalar>
[[nodiscard]] std::vector<MaskAnalysis> analyse_masks(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V,
                                                      const Eigen::Ref<const VectorF>& theta,
                                                      const std::vector<Index>& ks, const OverlapOptions& options);

/// What analyse_masks needs of V for one k, however it was gathered (in
/// memory above, or streamed from the file: streamed_rows.hpp).
struct MaskInputs {
  Index k = 0;
  Mask mask;        ///< M_k(θ)
  MatrixD rows;     ///< V_k[M, :] (k x k), replicated (mask_rows)
  RowNorms norms;   ///< this rank's n_i = Σ_{j<k} V_ij² (row_norms)
};

/// The magnitude mask against the top-k eigenspace, the chance level k/D,
/// the best mask and the random control, from `inputs` (one per k).
/// Per k: one allgather of P·k pairs, one allreduce of R numbers.
/// Collective. analyse_masks(V, …) is this applied to inputs from V.
[[nodiscard]] std::vector<MaskAnalysis> analyse_mask_inputs(const dist::Comm& comm, Index D,
                                                            const std::vector<MaskInputs>& inputs,
                                                            const OverlapOptions& options);

/// The magnitude masks M_k(θ) for every k (θ replicated, so the same on
/// every rank). Collective (agrees on a non-finite θ).
[[nodiscard]] std::vector<Mask> magnitude_masks(const dist::Comm& comm, const Eigen::Ref<const VectorF>& theta,
                                                const std::vector<Index>& ks);

/// Write `analyses` (one per table.k, same order) into row `t` of the
/// common metrics of `table`.
void fill_row(OverlapTable& table, Index t, const std::vector<MaskAnalysis>& analyses);

/// Run row t against the reference (the run's last result T): mask
/// stability |M_t,k ∩ M_T,k| / k and the eigenspace comparison of V_t,k
/// with V_T,k, for every k of the table; `masks_t`, `masks_T` are the
/// magnitude masks per k. One allreduce of max(k)² doubles. Collective.
template <class Scalar>
void fill_run_row(const dist::Comm& comm, OverlapTable& table, Index t, const dist::BlockRowMatrix<Scalar>& V_t,
                  const std::vector<Mask>& masks_t, const dist::BlockRowMatrix<Scalar>& V_T,
                  const std::vector<Mask>& masks_T);

/// The same from C = V_t[:, :m]ᵀ V_T[:, :m] (m ≥ max k, replicated, e.g.
/// leading_cross_gram or streamed_rows). Local.
void fill_run_row(OverlapTable& table, Index t, const MatrixD& cross, const std::vector<Mask>& masks_t,
                  const std::vector<Mask>& masks_T);

}  // namespace seigh::metrics
