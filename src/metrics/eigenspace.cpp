#include "seigh/metrics/eigenspace.hpp"

#include "seigh/core/error.hpp"

namespace seigh::metrics {

EigenspaceComparison compare_eigenspaces(const Eigen::Ref<const MatrixD>& cross, Index k) {
  SEIGH_REQUIRE(k >= 1 && k <= cross.rows() && k <= cross.cols())
      << "eigenspace comparison: k = " << k << " must lie in [1, min(" << cross.rows() << ", " << cross.cols()
      << ")]";
  const auto block = cross.topLeftCorner(k, k);
  EigenspaceComparison result;
  result.cosines = principal_cosines(block);
  result.metrics = metrics_from_cosines(result.cosines);
  result.metrics.overlap = block.squaredNorm() / static_cast<double>(k);
  result.metrics.iou = iou_from_overlap(result.metrics.overlap);
  return result;
}

}  // namespace seigh::metrics
