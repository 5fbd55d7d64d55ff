#pragma once
/// \file
/// Index masks of parameters: the magnitude mask and mask stability
/// (DESIGN.md §2 "Masks, overlap, Grassmannian metrics"; Fernandez,
/// Schneider, Mahsereci, Hennig, TMLR 2025, §3).
///
/// A mask is a set of k distinct parameter indices in [0, D), stored sorted
/// ascending (`Mask`). It stands for the k-dimensional coordinate subspace
/// span(e_M) = span{e_i : i ∈ M} of R^D. Pure functions, no MPI.

#include <string>
#include <vector>

#include "seigh/core/types.hpp"

namespace seigh::metrics {

/// Sorted (strictly ascending) parameter indices in [0, D).
using Mask = std::vector<Index>;

/// Magnitude mask M_k(θ): the indices of the k largest |θ_i|, ties broken
/// by the lower index (the order |θ_a| > |θ_b|, or |θ_a| = |θ_b| and a < b,
/// is a strict total order, so the mask is unique), returned sorted
/// ascending. θ (D) is replicated; +0 and −0 tie.
///
/// O(D) time (std::nth_element with that order, then sorting the k
/// winners: O(D + k log k)) and one D-length index array (8 D bytes: 96 MB
/// at D = 1.2·10^7).
///
/// Throws seigh::Error if k < 0, k > D, or θ holds a NaN or infinity (the
/// message names the first such index): |NaN| has no place in the order.
[[nodiscard]] Mask magnitude_mask(const Eigen::Ref<const VectorF>& theta, Index k);
/// The same for float64 θ.
[[nodiscard]] Mask magnitude_mask(const Eigen::Ref<const VectorD>& theta, Index k);

/// Throws seigh::Error (naming `what`) unless `mask` is strictly ascending
/// with every index in [0, D).
void check_mask(const Mask& mask, Index D, const std::string& what = "mask");

/// |A ∩ B| of two sorted masks, O(|A| + |B|).
[[nodiscard]] Index intersection_size(const Mask& a, const Mask& b);

/// Mask stability |M_t ∩ M_T| / k of two masks of the same size k
/// (Fernandez et al. 2025: how much of the final mask M_T the mask at step
/// t already contains; 1 = identical, k/D expected for unrelated random
/// masks). Both must be sorted ascending; throws seigh::Error if their
/// sizes differ or k = 0.
[[nodiscard]] double mask_stability(const Mask& mask_t, const Mask& mask_T);

}  // namespace seigh::metrics
