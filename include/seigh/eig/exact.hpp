#pragma once
/// \file
/// Exact eigendecomposition for small operators (DESIGN.md §2 "Exact path"):
/// H = H·I assembled from D products in blocks, gathered on rank 0,
/// symmetrised, and solved in double by LAPACK on rank 0 (dense_eigen.hpp:
/// tridiagonalisation, all D eigenvalues, only the top-k eigenvectors;
/// O(D³)). The validation baseline for SEIGH.
///
/// Memory on rank 0: H plus its k eigenvectors, D² + D·k doubles (7.2 GB
/// for H at D = 30000), hence the size limit.

#include <chrono>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/eig/dense_eigen.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/linop/counting.hpp"

namespace seigh::eig {

struct ExactOptions {
  Index k = 10;              ///< eigenpairs returned (all D eigenvalues are kept in `spectrum`)
  Index block = 32;          ///< columns of I per product
  Index max_dim = 30000;     ///< refuse larger operators
  Ordering ordering = Ordering::magnitude;
  std::function<void(const std::string&, Index, Index)> progress;
};

/// Bytes rank 0 needs for the exact solve of a D x D operator (H in double;
/// the D x k eigenvectors come on top).
inline double exact_bytes(Index D) { return 8.0 * static_cast<double>(D) * static_cast<double>(D); }

/// Full spectrum and top-k eigenpairs of `op`. Collective.
/// `spectrum`, if given, receives all D eigenvalues (ordered) on every rank.
template <class Op>
EigenResult<typename Op::scalar_type> exact_eigh(const dist::Comm& comm, Op& op, const ExactOptions& options,
                                                   VectorD* spectrum = nullptr) {
  using Scalar = typename Op::scalar_type;
  const auto start = std::chrono::steady_clock::now();
  const Index D = op.dim();
  SEIGH_REQUIRE(options.k >= 1 && options.k <= D) << "--k " << options.k << " must lie in [1, D = " << D << "]";
  SEIGH_REQUIRE(options.block >= 1) << "--block must be >= 1";
  SEIGH_REQUIRE(D <= options.max_dim)
      << "exact: D = " << D << " exceeds the limit " << options.max_dim << "; the dense solve would need about "
      << exact_bytes(D) / 1e9 << " GB on rank 0 (raise --exact-max-dim if it has that, or use --method seigh)";
  const dist::RowPartition partition = op.partition();
  linop::Counting<Op> counted(op);

  // Assemble H column block by column block on rank 0.
  MatrixD H;
  if (comm.is_root()) H.resize(D, D);
  Matrix<Scalar> unit(D, std::min(options.block, D));
  Matrix<Scalar> local(partition.local_rows(), unit.cols());
  Matrix<Scalar> gathered;
  for (Index c0 = 0; c0 < D; c0 += unit.cols()) {
    const Index width = std::min(unit.cols(), D - c0);
    unit.setZero();
    for (Index j = 0; j < width; ++j) unit(c0 + j, j) = Scalar(1);
    counted.apply(unit.leftCols(width), local.leftCols(width));
    comm.gather_rows<Scalar>(local.leftCols(width), partition, gathered);
    if (comm.is_root()) H.middleCols(c0, width) = gathered.template cast<double>();
    if (options.progress) options.progress("exact: assemble H", c0 + width, D);
  }

  EigenResult<Scalar> result;
  result.method = "exact";
  VectorD all(D);
  MatrixD top;  // D x k, rank 0 only
  dist::collective(comm, [&] {
    if (!comm.is_root()) return;
    SEIGH_REQUIRE(H.allFinite()) << "exact: the assembled operator contains NaN or Inf";
    const double norm = H.norm();
    const double asymmetry = norm > 0 ? (H - H.transpose()).norm() / norm : 0.0;
    result.note = "relative asymmetry of the assembled operator: " + std::to_string(asymmetry);
    // Symmetrise in place: the dense solver reads the lower triangle.
    for (Index j = 0; j < D; ++j)
      for (Index i = j + 1; i < D; ++i) H(i, j) = 0.5 * (H(i, j) + H(j, i));
    if (options.progress) options.progress("exact: dense eigensolver", 0, 1);
    DenseEigenpairs eigen = dense_top_eigenpairs(H, options.k, options.ordering);
    all = eigen.values;
    top = std::move(eigen.vectors);
    if (options.progress) options.progress("exact: dense eigensolver", 1, 1);
  });
  H.resize(0, 0);
  comm.broadcast(all);
  result.note = comm.broadcast_string(result.note);
  result.eigenvalues = all.head(options.k);
  if (spectrum != nullptr) *spectrum = all;

  Matrix<Scalar> top_scalar = comm.is_root() ? Matrix<Scalar>(top.template cast<Scalar>()) : Matrix<Scalar>();
  result.eigenvectors = dist::BlockRowMatrix<Scalar>(partition, options.k);
  comm.scatter_rows<Scalar>(top_scalar, partition, result.eigenvectors.local());
  result.counts = counted.counts();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace seigh::eig
