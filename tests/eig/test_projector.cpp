// RowProjector (eig/projector.hpp) against the dense product Tᵀ·B with T
// materialised by random::generate: every family, spans that cross the
// sparse path's span, panel and flush boundaries, a range split into
// several project_rows calls, and the cached and regenerated dense paths.
#include <catch2/catch.hpp>

#include <random>

#include "seigh/dist/partition.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/random/test_matrix.hpp"

using seigh::Index;
using seigh::Matrix;
using seigh::MatrixD;
using seigh::eig::RowProjector;
using seigh::random::TestMatrix;
using seigh::random::TestMatrixKind;

namespace {

/// Deterministic data in [-1, 1): rows x cols.
template <class Scalar>
Matrix<Scalar> data(Index rows, Index cols, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  Matrix<Scalar> B(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) B(i, j) = static_cast<Scalar>(static_cast<double>(engine() >> 11) * 0x1.0p-52 - 1.0);
  return B;
}

/// max |got − want| / max(|T|ᵀ|B|): the error relative to the sum of the
/// magnitudes of the terms, the scale a rounding error is measured against.
template <class Scalar>
double relative_error(const MatrixD& got, const TestMatrix& T, Index row0, const Matrix<Scalar>& B) {
  const MatrixD dense = seigh::random::generate<double>(T, row0, B.rows(), 0, T.cols);
  const MatrixD Bd = B.template cast<double>();
  const MatrixD want = dense.transpose() * Bd;
  const MatrixD magnitude = dense.cwiseAbs().transpose() * Bd.cwiseAbs();
  return (got - want).cwiseAbs().maxCoeff() / magnitude.maxCoeff();
}

}  // namespace

TEST_CASE("RowProjector equals the dense product T^T B for every family", "[eig][projector]") {
  // D = 60,000 rows, the range of rank 1 of 3 ([20,000, 40,000)): 20,000
  // rows from global row 20,000, i.e. 3 spans of the
  // sparse path (8192 rows), chunk and flush boundaries not aligned to the
  // call; b = 300 columns make 3 panels of ≤ 128.
  const Index D = 60000, d = 30, b = 300, first = 20000, rows = 20000;
  const seigh::dist::RowPartition partition(D, 1, 3);
  REQUIRE(partition.row_offset() == first);
  REQUIRE(partition.local_rows() == rows);
  const auto rng = seigh::random::make_rng_state(77);
  for (TestMatrixKind kind : {TestMatrixKind::sparse_sign, TestMatrixKind::gaussian, TestMatrixKind::rademacher}) {
    const TestMatrix T{kind, D, d, rng, 8};
    for (std::size_t cache_bytes : {std::size_t{0}, std::size_t{1} << 30}) {
      INFO(seigh::random::name(kind) << ", cache " << cache_bytes);
      {
        // float data: float partial sums of ~20 terms, then double: the
        // error is a few float roundings of the terms' magnitude.
        const RowProjector<float> projector(T, partition, cache_bytes);
        const Matrix<float> B = data<float>(rows, b, 5);
        const double whole = relative_error(projector.project(B), T, first, B);
        // The same rows in three calls (as row blocks of a streamed pass).
        MatrixD pieces = MatrixD::Zero(d, b);
        projector.project_rows(first, B.topRows(777), pieces);
        projector.project_rows(first + 777, B.middleRows(777, 9000), pieces);
        projector.project_rows(first + 9777, B.bottomRows(rows - 9777), pieces);
        const double split = relative_error(pieces, T, first, B);
        INFO("float: whole " << whole << ", in pieces " << split);
        CHECK(whole <= 1e-6);
        CHECK(split <= 1e-6);
      }
      {
        const RowProjector<double> projector(T, partition, cache_bytes);
        const Matrix<double> B = data<double>(rows, b, 6);
        const double whole = relative_error(projector.project(B), T, first, B);
        INFO("double: " << whole);
        CHECK(whole <= 1e-14);
      }
    }
  }
}

TEST_CASE("RowProjector column groups: batches of whole groups give the bits of one call", "[eig][projector]") {
  // SEIGH's core sketch projects its products in batches whose width
  // follows the memory budget; with column_group = b the bits of a column
  // must not depend on that width. Batches of 1, 2 and 5 groups of 7
  // columns (the last ragged) against one call over all 40 columns; rank 1
  // of 2 of D = 9001 rows, more than one regenerated chunk.
  const Index D = 9001, d = 23, b = 40, group = 7;
  const seigh::dist::RowPartition partition(D, 1, 2);
  const auto rng = seigh::random::make_rng_state(78);
  for (TestMatrixKind kind : {TestMatrixKind::gaussian, TestMatrixKind::rademacher, TestMatrixKind::sparse_sign}) {
    const TestMatrix T{kind, D, d, rng, 8};
    for (std::size_t cache_bytes : {std::size_t{0}, std::size_t{1} << 30}) {
      INFO(seigh::random::name(kind) << ", cache " << cache_bytes);
      const RowProjector<float> projector(T, partition, cache_bytes);
      const Matrix<float> B = data<float>(partition.local_rows(), b, 7);
      const MatrixD whole = projector.project(B, group);
      CHECK(relative_error(whole, T, partition.row_offset(), B) <= 1e-6);
      for (Index groups : {Index{1}, Index{2}, Index{5}}) {
        MatrixD batched(d, b);
        for (Index c0 = 0; c0 < b; c0 += groups * group) {
          const Index width = std::min(groups * group, b - c0);
          batched.middleCols(c0, width) = projector.project(B.middleCols(c0, width), group);
        }
        INFO("batches of " << groups << " groups");
        CHECK(batched == whole);
      }
    }
  }
}
