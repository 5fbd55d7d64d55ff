#include "seigh/metrics/random_mask.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "seigh/core/error.hpp"
#include "seigh/dist/collective.hpp"

namespace seigh::metrics {

namespace {

using u64 = std::uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC/Clang 128-bit product

/// ⌊x·n / 2^64⌋ and whether Lemire's test accepts it as unbiased.
struct Scaled {
  u64 value;
  bool unbiased;
};
Scaled scale(u64 x, u64 n) {
  const u128 product = static_cast<u128>(x) * n;
  const u64 low = static_cast<u64>(product);
  bool unbiased = true;
  if (low < n) {
    const u64 threshold = (0 - n) % n;  // 2^64 mod n
    unbiased = low >= threshold;
  }
  return {static_cast<u64>(product >> 64), unbiased};
}

/// Uniform integer in [0, n) from one Philox block (see the header).
u64 uniform_below(const random::PhiloxBlock& block, u64 n) {
  const u64 x0 = (static_cast<u64>(block[1]) << 32) | block[0];
  const u64 x1 = (static_cast<u64>(block[3]) << 32) | block[2];
  const Scaled first = scale(x0, n);
  if (first.unbiased) return first.value;
  return scale(x1, n).value;
}

}  // namespace

Mask random_mask(const random::RngState& state, std::uint64_t r, Index k, Index D) {
  SEIGH_REQUIRE(k >= 0 && k <= D) << "random mask: k = " << k << " must lie in [0, D = " << D << "]";
  SEIGH_REQUIRE(r <= 0xFFFFFFFFu) << "random mask: index r = " << r << " exceeds 2^32 - 1";
  SEIGH_REQUIRE(k <= Index{0xFFFFFFFF}) << "random mask: k = " << k << " exceeds 2^32 - 1";
  const random::RngState masks = random::derive(state, random::Stream::mask);
  const u64 a = (static_cast<u64>(k) << 32) | r;
  std::unordered_set<Index> chosen;
  chosen.reserve(static_cast<std::size_t>(2 * k));
  for (Index s = 0; s < k; ++s) {
    const Index j = D - k + s;
    const auto t = static_cast<Index>(uniform_below(random::draw(masks, a, static_cast<std::uint32_t>(s)),
                                                    static_cast<u64>(j) + 1));
    if (!chosen.insert(t).second) chosen.insert(j);
  }
  Mask mask(chosen.begin(), chosen.end());
  std::sort(mask.begin(), mask.end());
  return mask;
}

RandomMaskControl random_mask_control(const dist::Comm& comm, const RowNorms& norms, Index R,
                                      const random::RngState& state) {
  const Index k = norms.k;
  const Index D = norms.partition.global_rows();
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(R >= 0 && R <= Index{0xFFFFFFFF}) << "random-mask control: R = " << R << " out of range";
    SEIGH_REQUIRE(k >= 1 && k <= D) << "random-mask control: k = " << k << " must lie in [1, D = " << D << "]";
    SEIGH_REQUIRE(norms.local.size() == norms.partition.local_rows())
        << "random-mask control: " << norms.local.size() << " row norms for " << norms.partition.local_rows()
        << " rows";
    SEIGH_REQUIRE(random::role_of(state) == random::Stream::user)
        << "random-mask control: pass a user state (the mask role is derived from it)";
  });
  const Index begin = norms.partition.row_offset();
  const Index end = begin + norms.partition.local_rows();
  VectorD sums = VectorD::Zero(R);
  for (Index r = 0; r < R; ++r) {
    const Mask mask = random_mask(state, static_cast<std::uint64_t>(r), k, D);
    const auto lo = std::lower_bound(mask.begin(), mask.end(), begin);
    const auto hi = std::lower_bound(lo, mask.end(), end);
    for (auto it = lo; it != hi; ++it) sums[r] += norms.local[*it - begin];
  }
  comm.allreduce_sum(sums);

  RandomMaskControl control;
  control.overlaps.resize(static_cast<std::size_t>(R));
  for (Index r = 0; r < R; ++r) control.overlaps[static_cast<std::size_t>(r)] = sums[r] / static_cast<double>(k);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  control.mean = nan;
  control.std = nan;
  if (R >= 1) {
    double total = 0.0;
    for (double v : control.overlaps) total += v;
    control.mean = total / static_cast<double>(R);
  }
  if (R >= 2) {
    double squares = 0.0;
    for (double v : control.overlaps) squares += (v - control.mean) * (v - control.mean);
    control.std = std::sqrt(squares / static_cast<double>(R - 1));
  }
  return control;
}

}  // namespace seigh::metrics
