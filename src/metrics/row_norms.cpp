#include "seigh/metrics/row_norms.hpp"

#include "seigh/core/error.hpp"

namespace seigh::metrics {

template <class Scalar>
RowNorms row_norms(const dist::BlockRowMatrix<Scalar>& V, Index k) {
  SEIGH_REQUIRE(k >= 1 && k <= V.cols()) << "row norms: k = " << k << " must lie in [1, " << V.cols()
                                         << "] (the columns of V)";
  RowNorms norms{V.partition(), k, VectorD::Zero(V.local_rows())};
  // Column by column: cache-friendly for column-major V, and an
  // elementwise update, so row i's sum runs over j in order on any rank.
  for (Index j = 0; j < k; ++j) {
    norms.local.array() += V.local().col(j).template cast<double>().array().square();
  }
  return norms;
}

template RowNorms row_norms(const dist::BlockRowMatrix<float>&, Index);
template RowNorms row_norms(const dist::BlockRowMatrix<double>&, Index);

}  // namespace seigh::metrics
