#pragma once
/// \file
/// `ColumnBlocks`: the probe blocks of a sketch's measurement, the column
/// blocks [c0, c0 + b) of all D rows of one test matrix, each bitwise equal
/// to generate_block(matrix, 0, c0, ·).
///
/// ## Why
///
/// A sparse sign row's ζ' positions come out of one Philox stream per row,
/// so generate_block() must draw every row's positions to find the few that
/// fall into [c0, c0 + b): a D x b block costs O(D·ζ') draws whatever b is.
/// The core sketch asks for s/b such blocks of Ψᵀ, so it drew all of Ψᵀ
/// s/b times: 1.4 s per block, 19 s of a 448-product run of the
/// 784-3000-3000-10 MLP at one rank, and the same at every rank count
/// (every rank needs the whole probe block), so it did not scale.
///
/// ## How
///
/// For sparse sign with enough blocks to pay for it (more than two), the
/// constructor draws the matrix once and keeps it by columns (compressed
/// sparse columns: for each column j its rows in increasing order, the sign
/// in the top bit of a 32-bit row index); it draws every row twice (count,
/// then fill), so no row-major copy is held. A block is then a clear of
/// D x b and a scatter of its D·ζ'·b/d nonzeros. Gaussian and Rademacher
/// blocks use every entry they draw and go straight to generate_block().
///
/// ## Memory
///
/// 4·D·ζ' bytes + 8·(d + 1) when cached (365 MB for D = 11.4 M, ζ' = 8),
/// on every rank; bytes_for() gives it before construction.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::random {

class ColumnBlocks {
 public:
  /// `matrix`: the D x d test matrix; `block`: the widest block that will
  /// be asked for (decides, with d, whether a cache pays off). Local (no
  /// communication); O(D·ζ') work when it caches, none otherwise.
  ColumnBlocks(const TestMatrix& matrix, Index block);

  /// out (D x out.cols()) ← columns [col0, col0 + out.cols()) of the
  /// matrix, the same values as generate_block(matrix, 0, col0, out).
  /// Throws seigh::Error if the block is not inside the matrix.
  template <class Scalar>
  void generate(Index col0, Eigen::Ref<Matrix<Scalar>> out) const;

  /// True if the matrix is held by columns.
  [[nodiscard]] bool cached() const { return !column_start_.empty(); }

  /// Bytes a ColumnBlocks(matrix, block) holds (0 unless it caches).
  [[nodiscard]] static double bytes_for(const TestMatrix& matrix, Index block);

 private:
  TestMatrix matrix_;
  std::vector<Index> column_start_;     // d + 1 offsets into entries_ (empty: not cached)
  std::vector<std::uint32_t> entries_;  // row | kNegative, by column, rows increasing
};

extern template void ColumnBlocks::generate<float>(Index, Eigen::Ref<Matrix<float>>) const;
extern template void ColumnBlocks::generate<double>(Index, Eigen::Ref<Matrix<double>>) const;

}  // namespace seigh::random
