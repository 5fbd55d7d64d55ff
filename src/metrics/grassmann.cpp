#include "seigh/metrics/grassmann.hpp"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <limits>

#include "seigh/core/error.hpp"

namespace seigh::metrics {

VectorD principal_cosines(const Eigen::Ref<const MatrixD>& C) {
  SEIGH_REQUIRE(C.allFinite()) << "principal angles: the " << C.rows() << " x " << C.cols()
                               << " cross matrix holds a NaN or infinity";
  if (C.size() == 0) return VectorD(0);
  const Eigen::BDCSVD<MatrixD> svd(C);  // singular values only
  VectorD cosines = svd.singularValues();
  for (Index i = 0; i < cosines.size(); ++i) cosines[i] = std::clamp(cosines[i], 0.0, 1.0);
  return cosines;
}

VectorD principal_angles(const Eigen::Ref<const VectorD>& cosines) {
  VectorD angles(cosines.size());
  for (Index i = 0; i < cosines.size(); ++i) angles[i] = std::acos(std::clamp(cosines[i], 0.0, 1.0));
  return angles;
}

double iou_from_overlap(double overlap) { return overlap / (2.0 - overlap); }

SubspaceMetrics metrics_from_cosines(const Eigen::Ref<const VectorD>& cosines) {
  const Index k = cosines.size();
  SEIGH_REQUIRE(k >= 1) << "subspace metrics need at least one principal angle";
  SubspaceMetrics m;
  double cos2 = 0.0;
  double geodesic2 = 0.0;
  double chordal2 = 0.0;
  double projection2 = 0.0;
  double log_product = 0.0;  // Σ log cos θ_i (−∞ if some cosine is 0)
  for (Index i = 0; i < k; ++i) {
    const double c = cosines[i];
    SEIGH_REQUIRE(c >= 0.0 && c <= 1.0) << "subspace metrics: cosine " << i << " = " << c << " outside [0, 1]";
    const double theta = std::acos(c);
    const double half = 2.0 * std::sin(0.5 * theta);
    const double s = std::sin(theta);
    cos2 += c * c;
    geodesic2 += theta * theta;
    chordal2 += half * half;
    projection2 += s * s;
    log_product += std::log(c);  // log(0) = −∞ (no exception), then stays −∞
  }
  m.overlap = cos2 / static_cast<double>(k);
  m.geodesic = std::sqrt(geodesic2);
  m.chordal = std::sqrt(chordal2);
  m.projection = std::sqrt(projection2);
  // 1 − Π² = −expm1(2s), exact to rounding also when Π is close to 1.
  const double one_minus_product2 = -std::expm1(2.0 * log_product);
  const double product = std::exp(log_product);
  m.binet_cauchy = std::sqrt(std::max(one_minus_product2, 0.0));
  m.fubini_study = std::atan2(m.binet_cauchy, product);
  m.iou = iou_from_overlap(m.overlap);
  return m;
}

}  // namespace seigh::metrics
