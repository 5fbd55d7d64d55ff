#include "seigh/metrics/best_mask.hpp"

#include <algorithm>
#include <numeric>
#include <vector>

#include "seigh/core/error.hpp"
#include "seigh/dist/collective.hpp"

namespace seigh::metrics {

namespace {

struct Candidate {
  double value;
  Index index;
};

/// Larger value first, then lower index.
bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.value > b.value || (a.value == b.value && a.index < b.index);
}

/// Keep the min(k, size) candidates that rank first in the order above
/// (left unsorted), O(size).
void keep_top(std::vector<Candidate>& candidates, Index k) {
  if (static_cast<Index>(candidates.size()) > k) {
    std::nth_element(candidates.begin(), candidates.begin() + k, candidates.end(), ranks_before);
    candidates.resize(static_cast<std::size_t>(k));
  }
}

}  // namespace

BestMask best_mask(const dist::Comm& comm, const RowNorms& norms) {
  const Index k = norms.k;
  const Index D = norms.partition.global_rows();
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(k >= 1 && k <= D) << "best mask: k = " << k << " must lie in [1, D = " << D << "]";
    SEIGH_REQUIRE(norms.local.size() == norms.partition.local_rows())
        << "best mask: " << norms.local.size() << " row norms for " << norms.partition.local_rows() << " rows";
    SEIGH_REQUIRE(norms.partition.size() == comm.size() && norms.partition.rank() == comm.rank())
        << "best mask: the row norms' partition does not belong to this communicator";
    SEIGH_REQUIRE(D < (Index{1} << 53)) << "best mask: D = " << D << " exceeds 2^53 (indices travel as doubles)";
  });

  // Local candidates, padded to exactly k with entries that rank last
  // (value −1 < every norm, index D), so every rank contributes k rows.
  std::vector<Candidate> local(static_cast<std::size_t>(norms.local.size()));
  for (Index l = 0; l < norms.local.size(); ++l) local[static_cast<std::size_t>(l)] = {norms.local[l], norms.partition.to_global(l)};
  keep_top(local, k);
  MatrixD mine(k, 2);
  for (Index p = 0; p < k; ++p) {
    const bool real = p < static_cast<Index>(local.size());
    mine(p, 0) = real ? local[static_cast<std::size_t>(p)].value : -1.0;
    mine(p, 1) = static_cast<double>(real ? local[static_cast<std::size_t>(p)].index : D);
  }
  const Index total = k * comm.size();
  MatrixD all(total, 2);
  comm.allgather_rows<double>(mine, comm.partition(total), all);

  std::vector<Candidate> candidates(static_cast<std::size_t>(total));
  for (Index p = 0; p < total; ++p) candidates[static_cast<std::size_t>(p)] = {all(p, 0), static_cast<Index>(all(p, 1))};
  keep_top(candidates, k);
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.index < b.index; });

  BestMask best;
  best.mask.reserve(static_cast<std::size_t>(k));
  double sum = 0.0;
  for (const Candidate& c : candidates) {
    best.mask.push_back(c.index);
    sum += c.value;
  }
  best.overlap = sum / static_cast<double>(k);
  return best;
}

}  // namespace seigh::metrics
