#include "seigh/eig/projector.hpp"

#include <algorithm>
#include <vector>

#include "seigh/core/error.hpp"

namespace seigh::eig {

namespace {
/// Rows per regenerated chunk: big enough for an efficient GEMM, small
/// enough that chunk x s stays in cache-friendly territory.
constexpr Index kChunkRows = 2048;
}  // namespace

template <class Scalar>
RowProjector<Scalar>::RowProjector(const random::TestMatrix& T, const dist::RowPartition& partition,
                                   std::size_t cache_bytes)
    : matrix_(T), partition_(partition) {
  SEIGH_REQUIRE(T.rows == partition.global_rows())
      << "RowProjector: test matrix has " << T.rows << " rows, partition " << partition.global_rows();
  const auto bytes = static_cast<double>(partition.local_rows()) * static_cast<double>(T.cols) * sizeof(Scalar);
  if (T.kind != random::TestMatrixKind::sparse_sign && bytes <= static_cast<double>(cache_bytes) &&
      partition.local_rows() > 0) {
    cache_ = random::generate<Scalar>(T, partition.row_offset(), partition.local_rows(), 0, T.cols);
  }
}

template <class Scalar>
MatrixD RowProjector<Scalar>::project(const Eigen::Ref<const Matrix<Scalar>>& local) const {
  SEIGH_REQUIRE(local.rows() == partition_.local_rows())
      << "RowProjector: block has " << local.rows() << " rows, this rank owns " << partition_.local_rows();
  const Index d = matrix_.cols;
  const Index b = local.cols();
  MatrixD out = MatrixD::Zero(d, b);
  const Index rows = partition_.local_rows();
  if (rows == 0 || b == 0) return out;

  if (matrix_.kind == random::TestMatrixKind::sparse_sign) {
    const Index nnz = random::sparse_sign_nnz(matrix_);
    const double scale = random::sparse_sign_scale(matrix_);
    std::vector<Index> positions(static_cast<std::size_t>(nnz));
    std::vector<std::int8_t> signs(static_cast<std::size_t>(nnz));
    for (Index i = 0; i < rows; ++i) {
      random::sparse_sign_row(matrix_, partition_.to_global(i), positions, signs);
      const auto row = local.row(i).template cast<double>();
      for (Index t = 0; t < nnz; ++t) {
        const double value = scale * signs[static_cast<std::size_t>(t)];
        out.row(positions[static_cast<std::size_t>(t)]) += value * row;
      }
    }
    return out;
  }
  if (cached()) {
    out.noalias() = (cache_.transpose() * local).template cast<double>();
    return out;
  }
  Matrix<Scalar> chunk;
  for (Index r0 = 0; r0 < rows; r0 += kChunkRows) {
    const Index count = std::min(kChunkRows, rows - r0);
    chunk = random::generate<Scalar>(matrix_, partition_.row_offset() + r0, count, 0, d);
    out.noalias() += (chunk.transpose() * local.middleRows(r0, count)).template cast<double>();
  }
  return out;
}

template class RowProjector<float>;
template class RowProjector<double>;

}  // namespace seigh::eig
