#include "seigh/nn/sampler.hpp"

#include <algorithm>
#include <numeric>

#include "seigh/core/error.hpp"

namespace seigh::nn {

std::uint64_t sampler_key(const random::RngState& state, std::uint64_t epoch, Index i) {
  const random::PhiloxBlock w = random::draw(state, epoch, static_cast<std::uint32_t>(i));
  return (static_cast<std::uint64_t>(w[1]) << 32) | w[0];
}

std::vector<Index> epoch_permutation(const random::RngState& state, std::uint64_t epoch, Index n) {
  SEIGH_REQUIRE(random::role_of(state) == random::Stream::sampler)
      << "epoch_permutation: the state must have role sampler, not " << random::name(random::role_of(state));
  SEIGH_REQUIRE(n >= 0 && n <= Index{0xffffffff}) << "epoch_permutation: n = " << n << " outside [0, 2^32)";
  std::vector<std::pair<std::uint64_t, Index>> keyed(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) keyed[static_cast<std::size_t>(i)] = {sampler_key(state, epoch, i), i};
  std::sort(keyed.begin(), keyed.end());  // by key, ties by index
  std::vector<Index> perm(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = keyed[static_cast<std::size_t>(i)].second;
  return perm;
}

BatchSampler::BatchSampler(std::uint64_t seed, Index n, Index batch)
    : state_(random::derive(random::make_rng_state(seed), random::Stream::sampler)), n_(n), batch_(batch) {
  SEIGH_REQUIRE(n >= 1) << "sampler: the training set is empty";
  SEIGH_REQUIRE(batch >= 1) << "sampler: batch size must be >= 1, got " << batch;
}

const std::vector<Index>& BatchSampler::permutation(std::uint64_t epoch) {
  for (int s = 0; s < 2; ++s)
    if (cached_epoch_[s] == epoch) return cached_[s];
  const int slot = next_slot_;
  next_slot_ = 1 - next_slot_;
  cached_[slot] = epoch_permutation(state_, epoch, n_);
  cached_epoch_[slot] = epoch;
  return cached_[slot];
}

std::vector<Index> BatchSampler::batch_part(Index step, Index begin, Index end) {
  SEIGH_REQUIRE(step >= 0 && 0 <= begin && begin <= end && end <= batch_)
      << "sampler: positions [" << begin << ", " << end << ") of batch " << step << " (B = " << batch_ << ")";
  std::vector<Index> out;
  out.reserve(static_cast<std::size_t>(end - begin));
  for (Index p = step * batch_ + begin; p < step * batch_ + end; ++p) {
    const auto epoch = static_cast<std::uint64_t>(p / n_);
    out.push_back(permutation(epoch)[static_cast<std::size_t>(p % n_)]);
  }
  return out;
}

std::vector<Index> BatchSampler::batch(Index step) { return batch_part(step, 0, batch_); }

}  // namespace seigh::nn
