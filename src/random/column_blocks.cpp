#include "seigh/random/column_blocks.hpp"

#include <limits>

#include "seigh/core/error.hpp"

namespace seigh::random {

namespace {

constexpr std::uint32_t kNegative = std::uint32_t{1} << 31;  // sign bit of an entry; rows < 2^31

/// Whether ColumnBlocks caches `matrix` for blocks of `block` columns: sparse
/// sign only, rows that fit the 31-bit row field, and more than two blocks
/// (building draws every row twice, which two direct blocks also cost).
bool worth_caching(const TestMatrix& matrix, Index block) {
  return matrix.kind == TestMatrixKind::sparse_sign && matrix.rows > 0 && matrix.cols > 2 * std::max<Index>(block, 1) &&
         matrix.rows <= Index{std::numeric_limits<std::int32_t>::max()};
}

}  // namespace

ColumnBlocks::ColumnBlocks(const TestMatrix& matrix, Index block) : matrix_(matrix) {
  validate(matrix);
  if (!worth_caching(matrix, block)) return;
  const Index D = matrix.rows, d = matrix.cols, nnz = sparse_sign_nnz(matrix);
  std::vector<Index> positions(static_cast<std::size_t>(nnz));
  std::vector<std::int8_t> signs(static_cast<std::size_t>(nnz));
  // Count the nonzeros of each column, then fill: rows are visited in
  // increasing order, so each column's rows come out sorted.
  column_start_.assign(static_cast<std::size_t>(d + 1), 0);
  for (Index i = 0; i < D; ++i) {
    sparse_sign_row(matrix, i, positions, signs);
    for (const Index p : positions) ++column_start_[static_cast<std::size_t>(p + 1)];
  }
  for (Index j = 0; j < d; ++j) column_start_[static_cast<std::size_t>(j + 1)] += column_start_[static_cast<std::size_t>(j)];
  entries_.resize(static_cast<std::size_t>(column_start_.back()));
  std::vector<Index> next(column_start_.begin(), column_start_.end() - 1);
  for (Index i = 0; i < D; ++i) {
    sparse_sign_row(matrix, i, positions, signs);
    for (std::size_t k = 0; k < positions.size(); ++k) {
      const auto entry = static_cast<std::uint32_t>(i) | (signs[k] < 0 ? kNegative : 0u);
      entries_[static_cast<std::size_t>(next[static_cast<std::size_t>(positions[k])]++)] = entry;
    }
  }
}

template <class Scalar>
void ColumnBlocks::generate(Index col0, Eigen::Ref<Matrix<Scalar>> out) const {
  if (!cached()) {
    generate_block<Scalar>(matrix_, 0, col0, out);
    return;
  }
  SEIGH_REQUIRE(out.rows() == matrix_.rows && col0 >= 0 && out.cols() >= 0 && col0 <= matrix_.cols - out.cols())
      << "probe block of " << out.rows() << " x " << out.cols() << " at column " << col0 << " outside the "
      << matrix_.rows << " x " << matrix_.cols << " test matrix";
  const auto value = static_cast<Scalar>(sparse_sign_scale(matrix_));
  for (Index c = 0; c < out.cols(); ++c) {
    auto column = out.col(c);
    column.setZero();
    const auto j = static_cast<std::size_t>(col0 + c);
    for (Index e = column_start_[j]; e < column_start_[j + 1]; ++e) {
      const std::uint32_t entry = entries_[static_cast<std::size_t>(e)];
      column(static_cast<Index>(entry & ~kNegative)) = (entry & kNegative) != 0 ? -value : value;
    }
  }
}

double ColumnBlocks::bytes_for(const TestMatrix& matrix, Index block) {
  if (!worth_caching(matrix, block)) return 0;
  return 4.0 * static_cast<double>(matrix.rows) * static_cast<double>(sparse_sign_nnz(matrix)) +
         8.0 * static_cast<double>(matrix.cols + 1);
}

template void ColumnBlocks::generate<float>(Index, Eigen::Ref<Matrix<float>>) const;
template void ColumnBlocks::generate<double>(Index, Eigen::Ref<Matrix<double>>) const;

}  // namespace seigh::random
