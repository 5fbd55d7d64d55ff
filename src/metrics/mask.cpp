#include "seigh/metrics/mask.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "seigh/core/error.hpp"

namespace seigh::metrics {

namespace {

template <class Scalar>
Mask top_magnitudes(const Eigen::Ref<const Vector<Scalar>>& theta, Index k) {
  const Index D = theta.size();
  SEIGH_REQUIRE(k >= 0 && k <= D) << "magnitude mask: k = " << k << " must lie in [0, D = " << D << "]";
  for (Index i = 0; i < D; ++i) {
    SEIGH_REQUIRE(std::isfinite(theta[i])) << "magnitude mask: parameter " << i << " is not finite (" << theta[i]
                                           << ")";
  }
  Mask order(static_cast<std::size_t>(D));
  std::iota(order.begin(), order.end(), Index{0});
  // Strict total order: larger magnitude first, then lower index.
  const auto before = [&](Index a, Index b) {
    const Scalar ma = std::abs(theta[a]);
    const Scalar mb = std::abs(theta[b]);
    return ma > mb || (ma == mb && a < b);
  };
  if (k < D) std::nth_element(order.begin(), order.begin() + k, order.end(), before);
  order.resize(static_cast<std::size_t>(k));
  order.shrink_to_fit();
  std::sort(order.begin(), order.end());
  return order;
}

}  // namespace

Mask magnitude_mask(const Eigen::Ref<const VectorF>& theta, Index k) { return top_magnitudes<float>(theta, k); }
Mask magnitude_mask(const Eigen::Ref<const VectorD>& theta, Index k) { return top_magnitudes<double>(theta, k); }

void check_mask(const Mask& mask, Index D, const std::string& what) {
  for (std::size_t p = 0; p < mask.size(); ++p) {
    SEIGH_REQUIRE(mask[p] >= 0 && mask[p] < D)
        << what << ": index " << mask[p] << " (position " << p << ") outside [0, D = " << D << ")";
    SEIGH_REQUIRE(p == 0 || mask[p - 1] < mask[p])
        << what << ": indices must be strictly ascending, position " << p << " has " << mask[p] << " after "
        << mask[p - 1];
  }
}

Index intersection_size(const Mask& a, const Mask& b) {
  Index count = 0;
  auto ia = a.begin();
  auto ib = b.begin();
  while (ia != a.end() && ib != b.end()) {
    if (*ia < *ib) {
      ++ia;
    } else if (*ib < *ia) {
      ++ib;
    } else {
      ++count;
      ++ia;
      ++ib;
    }
  }
  return count;
}

double mask_stability(const Mask& mask_t, const Mask& mask_T) {
  SEIGH_REQUIRE(mask_t.size() == mask_T.size())
      << "mask stability: masks of different sizes (" << mask_t.size() << " and " << mask_T.size() << ")";
  SEIGH_REQUIRE(!mask_T.empty()) << "mask stability: empty masks";
  return static_cast<double>(intersection_size(mask_t, mask_T)) / static_cast<double>(mask_T.size());
}

}  // namespace seigh::metrics
