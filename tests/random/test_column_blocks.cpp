#include <catch2/catch.hpp>

#include "seigh/core/error.hpp"
#include "seigh/random/column_blocks.hpp"
#include "seigh/random/test_matrix.hpp"

using seigh::Index;
using seigh::Matrix;
using seigh::random::ColumnBlocks;
using seigh::random::derive;
using seigh::random::generate;
using seigh::random::make_rng_state;
using seigh::random::Stream;
using seigh::random::TestMatrix;
using seigh::random::TestMatrixKind;

namespace {

/// Every block of width `width` (the last one ragged) from `blocks`, checked
/// bit for bit against generate(), which draws each row afresh.
template <class Scalar>
void check_every_block(const ColumnBlocks& blocks, const TestMatrix& m, Index width) {
  // A dirty output: generate() must write every entry, zeros included.
  Matrix<Scalar> out = Matrix<Scalar>::Constant(m.rows, width, Scalar(7));
  for (Index c0 = 0; c0 < m.cols; c0 += width) {
    const Index w = std::min(width, m.cols - c0);
    INFO("columns [" << c0 << ", " << c0 + w << ")");
    blocks.generate<Scalar>(c0, out.leftCols(w));
    const Matrix<Scalar> expected = generate<Scalar>(m, 0, m.rows, c0, w);
    CHECK((out.leftCols(w).array() == expected.array()).all());
  }
}

}  // namespace

TEST_CASE("ColumnBlocks gives generate_block's probe blocks bit for bit", "[random][column_blocks]") {
  const auto rng = derive(make_rng_state(11, 2), Stream::psi);
  // d < ζ (every column a position), d = ζ + 1, and d ≫ ζ; D with a ragged
  // tail; blocks of 1, 7 and 32 columns (32 ≥ d/2 for small d: not cached).
  for (const Index d : {Index{5}, Index{9}, Index{96}, Index{384}}) {
    for (const int zeta : {1, 8}) {
      const TestMatrix m{TestMatrixKind::sparse_sign, 1037, d, rng, zeta};
      for (const Index width : {Index{1}, Index{7}, Index{32}}) {
        INFO("d = " << d << ", zeta = " << zeta << ", block " << width);
        const ColumnBlocks blocks(m, width);
        CHECK(blocks.cached() == (d > 2 * width));
        CHECK(ColumnBlocks::bytes_for(m, width) ==
              (blocks.cached() ? 4.0 * 1037 * std::min<Index>(zeta, d) + 8.0 * (d + 1) : 0.0));
        check_every_block<float>(blocks, m, width);
        check_every_block<double>(blocks, m, width);
      }
    }
  }
}

TEST_CASE("ColumnBlocks passes dense families straight through", "[random][column_blocks]") {
  const auto rng = derive(make_rng_state(3), Stream::omega);
  for (const auto kind : {TestMatrixKind::gaussian, TestMatrixKind::rademacher}) {
    const TestMatrix m{kind, 301, 100, rng, 8};
    const ColumnBlocks blocks(m, 8);
    CHECK_FALSE(blocks.cached());
    CHECK(ColumnBlocks::bytes_for(m, 8) == 0.0);
    check_every_block<float>(blocks, m, 8);
  }
}

TEST_CASE("ColumnBlocks refuses a block outside the matrix", "[random][column_blocks][errors]") {
  const TestMatrix m{TestMatrixKind::sparse_sign, 50, 40, derive(make_rng_state(1), Stream::psi), 4};
  const ColumnBlocks blocks(m, 4);
  REQUIRE(blocks.cached());
  Matrix<float> out(50, 4);
  CHECK_THROWS_AS(blocks.generate<float>(37, out), seigh::Error);
  Matrix<float> short_rows(49, 4);
  CHECK_THROWS_AS(blocks.generate<float>(0, short_rows), seigh::Error);
}
