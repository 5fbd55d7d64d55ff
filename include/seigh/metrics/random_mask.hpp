#pragma once
/// \file
/// The random-mask control (DESIGN.md §2): the overlap of R uniformly
/// random masks of size k with span(V_k). Its mean must sit at the chance
/// level k/D (mask_overlap.hpp) — a check that the pipeline measures what
/// it claims — and its spread says how far above chance a mask has to be
/// to mean something.
///
/// ## Which masks
/// Mask r of size k out of [0, D) is Floyd's algorithm (Bentley & Floyd,
/// "Programming pearls: a sample of brilliance", CACM 30(9), 1987), which
/// draws a uniformly random k-subset with exactly k random integers:
///
///     S = {}
///     for s = 0 .. k−1:  j = D − k + s;  t = uniform in [0, j]
///                        S ∪= { t ∉ S ? t : j }
///
/// The s-th integer comes from the Philox block
/// draw(derive(state, Stream::mask), a = k·2^32 + r, b = s)
/// (rng.hpp): two 64-bit words x₀ = (w1 w0), x₁ = (w3 w2). The integer in
/// [0, n), n = j + 1, is ⌊x·n / 2^64⌋ with Lemire's rejection of the
/// (2^64 mod n) biased low products ("Fast random integer generation in an
/// interval", ACM TOMACS 29(1), 2019): x₀ first, x₁ if x₀ is rejected. Each
/// is rejected with probability < n/2^64 (< 1e-12 for D = 10^7); if both
/// are (probability < (n/2^64)²), x₁'s value is used, whose bias is
/// < n/2^64. So mask r is a function of (seed, user stream, r, k, D) only —
/// the same on every rank and for every rank count — and masks of
/// different r or k use disjoint Philox counters.

#include <cstdint>
#include <vector>

#include "seigh/dist/comm.hpp"
#include "seigh/metrics/mask.hpp"
#include "seigh/metrics/row_norms.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::metrics {

/// Random mask r of size k out of [0, D), sorted ascending (see the file
/// comment). `state` is a user state (role `user`); the mask role is
/// derived from it. Throws seigh::Error unless 0 ≤ k ≤ D, r < 2^32 and
/// k < 2^32. O(k) expected time and memory.
[[nodiscard]] Mask random_mask(const random::RngState& state, std::uint64_t r, Index k, Index D);

/// Overlaps of the masks r = 0..R−1 with span(V_k), and their summary.
struct RandomMaskControl {
  std::vector<double> overlaps;  ///< R values, mask r's overlap at position r
  double mean = 0.0;             ///< mean of the overlaps (NaN for R = 0)
  /// Sample standard deviation (denominator R − 1; NaN for R < 2). The
  /// standard error of the mean is std/√R.
  double std = 0.0;
};

/// The random-mask control for k = norms.k: each rank sums the n_i it owns
/// for every mask, and one allreduce of R numbers finishes all masks.
/// Every rank generates every mask (O(R k)). Collective.
[[nodiscard]] RandomMaskControl random_mask_control(const dist::Comm& comm, const RowNorms& norms, Index R,
                                                    const random::RngState& state);

/// Convenience: random_mask_control(comm, row_norms(V, k), R, state). Collective.
template <class Scalar>
[[nodiscard]] RandomMaskControl random_mask_control(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V,
                                                    Index k, Index R, const random::RngState& state) {
  return random_mask_control(comm, row_norms(V, k), R, state);
}

}  // namespace seigh::metrics
