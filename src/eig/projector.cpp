#include "seigh/eig/projector.hpp"

#include <algorithm>
#include <span>
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
/// Rows whose nonzeros are generated at once and reused by every column
/// panel (8192·ζ positions and signs, 0.6 MB at ζ = 8); a multiple of
/// kSparseFlushRows, so no float partial sum crosses a span.
constexpr Index kSparseSpanRows = 8192;
/// Columns of the data per pass over a span: the accumulators, panel x d
/// in float and in double, take 4.5 MB at d = 3000 (the record run's inner
/// size), where the whole 1500 x 3000 pair took 54 MB.
constexpr Index kSparsePanel = 128;
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
MatrixD RowProjector<Scalar>::project(const Eigen::Ref<const Matrix<Scalar>>& local, Index column_group) const {
  SEIGH_REQUIRE(local.rows() == partition_.local_rows())
      << "RowProjector: block has " << local.rows() << " rows, this rank owns " << partition_.local_rows();
  MatrixD out = MatrixD::Zero(matrix_.cols, local.cols());
  project_rows(partition_.row_offset(), local, out, column_group);
  return out;
}

template <class Scalar>
void RowProjector<Scalar>::project_rows(Index first_row, const Eigen::Ref<const Matrix<Scalar>>& local,
                                        MatrixD& out, Index column_group) const {
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
    // Cache: the updates land on random columns of the accumulator, so it
    // must stay in cache. With many columns (the out-of-core passes
    // project o = 1500 at once, against d = 3000: 18 MB in float) the data
    // are taken kSparsePanel columns at a time, each panel a full pass over
    // a span of rows whose nonzeros are generated once for all panels.
    // Each output entry still adds the same terms in the same order.
    //
    // Precision: the sum is kept in double. Float data is summed in float
    // over kSparseFlushRows rows at a time (each entry then sums about
    // kSparseFlushRows·ζ/d ≈ 20 terms, a rounding error of the order of
    // the data's own) and flushed into the double total: half the memory
    // traffic and twice the SIMD width of a double accumulator, which is
    // what bounds this loop.
    const Index nnz = random::sparse_sign_nnz(matrix_);
    const Index span_rows = std::min(rows, kSparseSpanRows);
    std::vector<Index> positions(static_cast<std::size_t>(span_rows * nnz));
    std::vector<std::int8_t> signs(static_cast<std::size_t>(span_rows * nnz));
    MatrixD total = MatrixD::Zero(b, d);
    Matrix<Scalar> partial, rows_t;
    for (Index s0 = 0; s0 < rows; s0 += kSparseSpanRows) {
      const Index span = std::min(kSparseSpanRows, rows - s0);
      for (Index i = 0; i < span; ++i) {
        const auto at = static_cast<std::size_t>(i * nnz);
        random::sparse_sign_row(matrix_, first_row + s0 + i,
                                std::span<Index>(positions).subspan(at, static_cast<std::size_t>(nnz)),
                                std::span<std::int8_t>(signs).subspan(at, static_cast<std::size_t>(nnz)));
      }
      for (Index c0 = 0; c0 < b; c0 += kSparsePanel) {
        const Index width = std::min(kSparsePanel, b - c0);
        auto total_panel = total.middleRows(c0, width);
        if constexpr (!std::is_same_v<Scalar, double>) partial.setZero(width, d);
        for (Index r0 = s0; r0 < s0 + span; r0 += kSparseChunkRows) {
          const Index count = std::min(kSparseChunkRows, s0 + span - r0);
          rows_t = local.block(r0, c0, count, width).transpose();
          for (Index i = 0; i < count; ++i) {
            const auto at = static_cast<std::size_t>((r0 - s0 + i) * nnz);
            const auto x = rows_t.col(i);
            for (Index t = 0; t < nnz; ++t) {
              const auto sign = static_cast<Scalar>(signs[at + static_cast<std::size_t>(t)]);
              const Index column = positions[at + static_cast<std::size_t>(t)];
              if constexpr (std::is_same_v<Scalar, double>) total_panel.col(column).noalias() += sign * x;
              else partial.col(column).noalias() += sign * x;
            }
          }
          if constexpr (!std::is_same_v<Scalar, double>) {
            if ((r0 + count) % kSparseFlushRows == 0 || r0 + count == rows) {
              total_panel += partial.template cast<double>();
              partial.setZero();
            }
          }
        }
      }
    }
    out.noalias() += random::sparse_sign_scale(matrix_) * total.transpose();
    return;
  }
  // Dense: one GEMM per group of columns, so that a column's result does
  // not depend on the width of the call (Eigen's blocking and its
  // remainder kernels follow the operand shapes).
  const Index group = column_group > 0 ? column_group : b;
  // out += T_rowsᵀ · local[r0 : r0 + T_rows.rows(), :], group by group.
  const auto accumulate = [&](const auto& T_rows, Index r0) {
    for (Index c0 = 0; c0 < b; c0 += group) {
      const Index width = std::min(group, b - c0);
      out.middleCols(c0, width).noalias() +=
          (T_rows.transpose() * local.block(r0, c0, T_rows.rows(), width)).template cast<double>();
    }
  };
  if (cached()) {
    accumulate(cache_.middleRows(first_row - mine.begin, rows), 0);
    return;
  }
  Matrix<Scalar> chunk;
  for (Index r0 = 0; r0 < rows; r0 += kChunkRows) {
    const Index count = std::min(kChunkRows, rows - r0);
    chunk = random::generate<Scalar>(matrix_, first_row + r0, count, 0, d);  // drawn once for every group
    accumulate(chunk, r0);
  }
}

template class RowProjector<float>;
template class RowProjector<double>;

}  // namespace seigh::eig
