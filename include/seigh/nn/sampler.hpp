#pragma once
/// \file
/// The order in which training samples are visited: a pure function of
/// (seed, step), so it does not depend on the number of ranks and a resumed
/// run needs no sampler state beyond the step.
///
/// ## Recipe (the contract; reproducible in NumPy)
///
/// N training samples (the selected training set, in its order), global
/// batch B. Let s = derive(make_rng_state(seed), Stream::sampler), i.e.
/// Philox4x32-10 key (seed[31:0], seed[63:32]) and counter word 3 =
/// 6 << 24 (random/rng.hpp). The permutation of epoch e = 0, 1, … is
///
///     key_e(i) = w0 + 2^32 · w1   with (w0, w1, w2, w3) = Philox4x32-10(
///                                   counter (e[31:0], e[63:32], i, 6 << 24), key)
///     perm_e   = the indices 0..N−1 sorted by (key_e(i), i) ascending
///
/// (a uniformly random permutation; ties of the 64-bit keys, which are
/// astronomically rare, go to the lower index). The visiting order is the
/// infinite concatenation perm_0, perm_1, …, and batch t (t = 0, 1, …) is
/// positions [t·B, (t+1)·B) of it: every batch is full, and a batch may
/// cross an epoch boundary (even several when B > N).
///
/// In NumPy, with a vectorised Philox4x32-10 `philox(counters, key)`:
///
///     c = np.zeros((N, 4), np.uint32); c[:, 0] = e; c[:, 1] = e >> 32
///     c[:, 2] = np.arange(N); c[:, 3] = 6 << 24
///     w = philox(c, (seed & 0xffffffff, seed >> 32))
///     perm = np.lexsort((np.arange(N), w[:, 0] + (w[:, 1].astype(np.uint64) << 32)))
///
/// (tests/train/sampler_reference.py implements philox and checks this
/// recipe against the pinned values of the C++ test.)
///
/// ## Distribution over ranks
///
/// Batch t's B positions are split contiguously with the balanced partition
/// of B over the P ranks (rank r gets positions [b_r, b_{r+1}) of the batch,
/// dist::local_range(r, B, P)); each rank's loss is weighted 1/B, so the
/// shards' losses and gradients sum to the batch mean.

#include <cstdint>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::nn {

/// The 64-bit sort key of sample i in epoch e (recipe above).
[[nodiscard]] std::uint64_t sampler_key(const random::RngState& sampler_state, std::uint64_t epoch, Index i);

/// perm_e: the permutation of 0..n−1 of epoch e (recipe above).
/// `sampler_state` must have role sampler.
[[nodiscard]] std::vector<Index> epoch_permutation(const random::RngState& sampler_state, std::uint64_t epoch,
                                                   Index n);

/// Batches of the recipe above for one seed, data size and batch size.
/// Caches the permutations of the (at most two) most recent epochs, so
/// consecutive batches cost O(B) after each epoch's O(N log N) sort.
class BatchSampler {
 public:
  /// n ≥ 1 samples, batch ≥ 1.
  BatchSampler(std::uint64_t seed, Index n, Index batch);

  /// The B sample indices of batch `step`, in order.
  [[nodiscard]] std::vector<Index> batch(Index step);
  /// Positions [begin, end) of batch `step` (0 ≤ begin ≤ end ≤ B): a rank's
  /// share of it.
  [[nodiscard]] std::vector<Index> batch_part(Index step, Index begin, Index end);

  [[nodiscard]] Index samples() const { return n_; }
  [[nodiscard]] Index batch_size() const { return batch_; }

 private:
  const std::vector<Index>& permutation(std::uint64_t epoch);

  random::RngState state_;
  Index n_;
  Index batch_;
  std::uint64_t cached_epoch_[2] = {~std::uint64_t{0}, ~std::uint64_t{0}};
  std::vector<Index> cached_[2];
  int next_slot_ = 0;
};

}  // namespace seigh::nn
