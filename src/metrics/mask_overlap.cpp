#include "seigh/metrics/mask_overlap.hpp"

#include <algorithm>
#include <sstream>

#include "seigh/core/error.hpp"
#include "seigh/dist/collective.hpp"

namespace seigh::metrics {

namespace {

/// Collective argument check (identical on all ranks, but agreed anyway so
/// the error is marked collective).
template <class Scalar>
void check_arguments(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask,
                     const char* what) {
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(!mask.empty()) << what << ": empty mask";
    SEIGH_REQUIRE(static_cast<Index>(mask.size()) <= V.cols())
        << what << ": a mask of " << mask.size() << " indices needs the top " << mask.size()
        << " eigenvectors, but V has " << V.cols() << " columns";
    SEIGH_REQUIRE(V.partition().size() == comm.size() && V.partition().rank() == comm.rank())
        << what << ": V's partition does not belong to this communicator";
    check_mask(mask, V.global_rows(), what);
  });
}

/// Positions [first, last) of the mask entries this rank owns (the mask is
/// sorted, so they are contiguous).
std::pair<std::size_t, std::size_t> owned_positions(const Mask& mask, const dist::RowPartition& partition) {
  const auto lo = std::lower_bound(mask.begin(), mask.end(), partition.row_offset());
  const auto hi = std::lower_bound(lo, mask.end(), partition.row_offset() + partition.local_rows());
  return {static_cast<std::size_t>(lo - mask.begin()), static_cast<std::size_t>(hi - mask.begin())};
}

}  // namespace

double chance_level(Index k, Index D) {
  SEIGH_REQUIRE(k > 0 && k <= D) << "chance level: k = " << k << " must lie in [1, D = " << D << "]";
  return static_cast<double>(k) / static_cast<double>(D);
}

template <class Scalar>
MatrixD mask_rows(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask) {
  check_arguments(comm, V, mask, "mask rows");
  const Index k = static_cast<Index>(mask.size());
  MatrixD A = MatrixD::Zero(k, k);
  const auto [first, last] = owned_positions(mask, V.partition());
  for (std::size_t p = first; p < last; ++p) {
    const Index local = V.partition().to_local(mask[p]);
    A.row(static_cast<Index>(p)) = V.local().row(local).head(k).template cast<double>();
  }
  comm.allreduce_sum(A);
  return A;
}

template <class Scalar>
double mask_overlap(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask) {
  check_arguments(comm, V, mask, "mask overlap");
  const Index k = static_cast<Index>(mask.size());
  double sum = 0.0;
  const auto [first, last] = owned_positions(mask, V.partition());
  for (std::size_t p = first; p < last; ++p) {
    sum += V.local().row(V.partition().to_local(mask[p])).head(k).template cast<double>().squaredNorm();
  }
  return comm.sum(sum) / static_cast<double>(k);
}

MaskComparison compare_mask_rows(const MatrixD& A) {
  SEIGH_REQUIRE(A.rows() == A.cols() && A.rows() > 0)
      << "mask comparison: V_k[M, :] must be k x k with k >= 1, got " << A.rows() << " x " << A.cols();
  MaskComparison result;
  result.cosines = principal_cosines(A);
  result.metrics = metrics_from_cosines(result.cosines);
  result.metrics.overlap = A.squaredNorm() / static_cast<double>(A.rows());
  result.metrics.iou = iou_from_overlap(result.metrics.overlap);
  return result;
}

template <class Scalar>
MaskComparison compare_mask(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V, const Mask& mask) {
  return compare_mask_rows(mask_rows(comm, V, mask));
}

template MatrixD mask_rows(const dist::Comm&, const dist::BlockRowMatrix<float>&, const Mask&);
template MatrixD mask_rows(const dist::Comm&, const dist::BlockRowMatrix<double>&, const Mask&);
template double mask_overlap(const dist::Comm&, const dist::BlockRowMatrix<float>&, const Mask&);
template double mask_overlap(const dist::Comm&, const dist::BlockRowMatrix<double>&, const Mask&);
template MaskComparison compare_mask(const dist::Comm&, const dist::BlockRowMatrix<float>&, const Mask&);
template MaskComparison compare_mask(const dist::Comm&, const dist::BlockRowMatrix<double>&, const Mask&);

}  // namespace seigh::metrics
