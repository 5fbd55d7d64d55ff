#pragma once
// Helpers shared by the eigensolver tests: gathering operator products and
// comparing subspaces.
#include <Eigen/QR>
#include <Eigen/SVD>
#include <random>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::test {

/// H·X gathered on every rank (X is D x b, replicated). Collective.
template <class Op>
MatrixD apply_full(const dist::Comm& comm, Op& op, const MatrixD& X) {
  using S = typename Op::scalar_type;
  const auto partition = op.partition();
  Matrix<S> local(partition.local_rows(), X.cols());
  op.apply(Matrix<S>(X.cast<S>()), local);
  Matrix<S> full(X.rows(), X.cols());
  comm.allgather_rows<S>(local, partition, full);
  return full.template cast<double>();
}

/// A rows x cols standard Gaussian matrix from std::mt19937_64(seed):
/// test data independent of seigh's own RNG.
inline MatrixD random_gaussian(Index rows, Index cols, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  MatrixD M(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) M(i, j) = normal(engine);
  return M;
}

/// A rows x cols matrix with orthonormal columns (QR of random_gaussian).
inline MatrixD random_orthonormal(Index rows, Index cols, unsigned seed) {
  const Eigen::HouseholderQR<MatrixD> qr(random_gaussian(rows, cols, seed));
  return qr.householderQ() * MatrixD::Identity(rows, cols);
}

/// Cosines of the principal angles between span(A) and span(B), both with
/// orthonormal columns: the singular values of AᵀB (descending).
inline VectorD principal_cosines(const MatrixD& A, const MatrixD& B) {
  return Eigen::JacobiSVD<MatrixD>(A.transpose() * B).singularValues();
}

}  // namespace seigh::test
