#include "seigh/eig/projector.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "seigh/core/error.hpp"

namespace seigh::eig {

namespace {
/// Rows per regenerated chunk: big enough for an efficient GEMM, small
/// enough that chunk x s stays in cache-friendly territory.
constexpr Index kChunkRows = 2048;
/// Rows per transposed chunk of the sparse sign projection: chunk x b
/// doubles (≤ 200 KiB for b ≤ 200) stay in L2 next to the accumulator.
constexpr Index kSparseChunkRows = 128;
/// Rows summed in the data's precision before a flush into the double
/// total (float data; a multiple of kSparseChunkRows).
constexpr Index kSparseFlushRows = 1024;
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
  MatrixD out = MatrixD::Zero(matrix_.cols, local.cols());
  project_rows(partition_.row_offset(), local, out);
  return out;
}

template <class Scalar>
void RowProjector<Scalar>::project_rows(Index first_row, const Eigen::Ref<const Matrix<Scalar>>& local,
                                        MatrixD& out) const {
  const Index d = matrix_.cols;
  const Index b = local.cols();
  const Index rows = local.rows();
  const dist::RowRange mine = partition_.local();
  SEIGH_REQUIRE(first_row >= mine.begin && first_row + rows <= mine.end)
      << "RowProjector: rows [" << first_row << ", " << first_row + rows << ") are not within this rank's ["
      << mine.begin << ", " << mine.end << ")";
  SEIGH_REQUIRE(out.rows() == d && out.cols() == b)
      << "RowProjector: accumulator is " << out.rows() << " x " << out.cols() << ", expected " << d << " x " << b;
  if (rows == 0 || b == 0) return;

  if (matrix_.kind == random::TestMatrixKind::sparse_sign) {
    // out(p, :) = scale · Σ_i sign_i(p) · local(i, :) over the rows i whose
    // row of T has a nonzero in column p. Accumulated transposed, (b x d),
    // so every update is a contiguous column of b entries, from a chunk of
    // rows transposed once (b x chunk) instead of gathered from b strided
    // columns per nonzero; the common scale is applied once at the end.
    // Signs multiply (a branch on a fair coin would mispredict half the
    // time).
    //
    // Precision: the sum is kept in double. Float data is summed in float
    // over kSparseFlushRows rows at a time (each entry then sums about
    // kSparseFlushRows·ζ/d ≈ 20 terms, a rounding error of the order of
    // the data's own) and flushed into the double total: half the memory
    // traffic and twice the SIMD width of a double accumulator, which is
    // what bounds this loop (the accumulator is b·d entries, an L2's worth).
    const Index nnz = random::sparse_sign_nnz(matrix_);
    std::vector<Index> positions(static_cast<std::size_t>(nnz));
    std::vector<std::int8_t> signs(static_cast<std::size_t>(nnz));
    MatrixD total = MatrixD::Zero(b, d);
    Matrix<Scalar> partial;
    if constexpr (!std::is_same_v<Scalar, double>) partial = Matrix<Scalar>::Zero(b, d);
    Matrix<Scalar>& acc = [&]() -> Matrix<Scalar>& {
      if constexpr (std::is_same_v<Scalar, double>) return total;
      else return partial;
    }();
    Matrix<Scalar> rows_t;
    for (Index r0 = 0; r0 < rows; r0 += kSparseChunkRows) {
      const Index count = std::min(kSparseChunkRows, rows - r0);
      rows_t = local.middleRows(r0, count).transpose();
      for (Index i = 0; i < count; ++i) {
        random::sparse_sign_row(matrix_, first_row + r0 + i, positions, signs);
        const auto x = rows_t.col(i);
        for (Index t = 0; t < nnz; ++t) {
          const auto sign = static_cast<Scalar>(signs[static_cast<std::size_t>(t)]);
          acc.col(positions[static_cast<std::size_t>(t)]).noalias() += sign * x;
        }
      }
      if constexpr (!std::is_same_v<Scalar, double>) {
        if ((r0 + count) % kSparseFlushRows == 0 || r0 + count == rows) {
          total += partial.template cast<double>();
          partial.setZero();
        }
      }
    }
    out.noalias() += random::sparse_sign_scale(matrix_) * total.transpose();
    return;
  }
  if (cached()) {
    out.noalias() += (cache_.middleRows(first_row - mine.begin, rows).transpose() * local).template cast<double>();
    return;
  }
  Matrix<Scalar> chunk;
  for (Index r0 = 0; r0 < rows; r0 += kChunkRows) {
    const Index count = std::min(kChunkRows, rows - r0);
    chunk = random::generate<Scalar>(matrix_, first_row + r0, count, 0, d);
    out.noalias() += (chunk.transpose() * local.middleRows(r0, count)).template cast<double>();
  }
}

template class RowProjector<float>;
template class RowProjector<double>;

}  // namespace seigh::eig
