#include <catch2/catch.hpp>

#include <vector>

#include "mpi_test.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/random/test_matrix.hpp"

using seigh::Index;
using seigh::Matrix;
using seigh::dist::BlockRowMatrix;
using seigh::random::TestMatrix;
using seigh::random::TestMatrixKind;
using seigh::test::world;

namespace {

constexpr TestMatrixKind kAllKinds[] = {TestMatrixKind::gaussian, TestMatrixKind::rademacher,
                                        TestMatrixKind::sparse_sign};

/// The D x d matrix assembled from every rank's row block of `matrix`.
/// Collective.
template <class Scalar>
Matrix<Scalar> generate_distributed(const TestMatrix& matrix) {
  const auto& comm = world();
  BlockRowMatrix<Scalar> X(comm.partition(matrix.rows), matrix.cols);
  seigh::random::generate_block<Scalar>(matrix, X.row_offset(), 0, X.local());
  return seigh::dist::gather_all(comm, X);
}

}  // namespace

TEMPLATE_TEST_CASE("row blocks generated on each rank assemble to the serial matrix, bitwise", "[random][mpi]", float,
                   double) {
  // D = 1001 is not divisible by 2 or 3; D = 2 leaves a rank with no rows at
  // 3 ranks. Entries depend only on (seed, stream, i, j), so the gathered
  // matrix must equal the serial one bit for bit at every rank count.
  const auto state = seigh::random::derive(seigh::random::make_rng_state(77, 1), seigh::random::Stream::omega);
  for (const Index D : {Index{1001}, Index{2}}) {
    for (const TestMatrixKind kind : kAllKinds) {
      const TestMatrix m{kind, D, 17, state, 8};
      INFO(name(kind) << " D=" << D << " ranks=" << world().size());
      const Matrix<TestType> gathered = generate_distributed<TestType>(m);
      const Matrix<TestType> serial = seigh::random::generate<TestType>(m, 0, D, 0, m.cols);
      CHECK((gathered.array() == serial.array()).all());
    }
  }
}

TEST_CASE("compressed sparse sign rows agree with the serial matrix on every rank", "[random][mpi]") {
  const auto& comm = world();
  const TestMatrix m{TestMatrixKind::sparse_sign, 1001, 40, seigh::random::make_rng_state(5), 8};
  const auto part = comm.partition(m.rows);
  const seigh::MatrixD serial = seigh::random::generate<double>(m, 0, m.rows, 0, m.cols);
  const double scale = seigh::random::sparse_sign_scale(m);
  std::vector<Index> positions(8);
  std::vector<std::int8_t> signs(8);
  int mismatches = 0;
  for (Index i = part.row_offset(); i < part.row_offset() + part.local_rows(); ++i) {
    seigh::random::sparse_sign_row(m, i, positions, signs);
    seigh::MatrixD row = seigh::MatrixD::Zero(1, m.cols);
    for (std::size_t k = 0; k < positions.size(); ++k) row(0, positions[k]) = signs[k] * scale;
    if (!(row.array() == serial.row(i).array()).all()) ++mismatches;
  }
  CHECK(comm.sum(mismatches) == 0);
}
