#pragma once
/// \file
/// Lanczos baseline: Spectra's implicitly restarted Lanczos (SymEigsSolver,
/// Spectra 1.0) on the same distributed operator, so accuracy per product
/// can be compared with SEIGH (DESIGN.md §2 "Exact path").
///
/// Spectra works on full-length vectors. Every rank runs the same Spectra
/// iteration redundantly; each product is one `apply` of a single column
/// followed by an all-gather of the rows, so every rank sees the identical
/// product and the iterations stay bitwise in step (Spectra's start vector
/// is its own fixed-seed random vector, the same on every rank). Memory per
/// rank: D x ncv doubles — a baseline for moderate D, not a scalable solver.

#include <Spectra/SymEigsSolver.h>

#include <chrono>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/linop/counting.hpp"

namespace seigh::eig {

struct LanczosOptions {
  Index k = 10;
  Index ncv = 0;              ///< Krylov subspace size; 0 means min(D, max(2k + 1, 20))
  Index max_restarts = 1000;  ///< Spectra's maxit
  double tolerance = 1e-10;   ///< Spectra's relative Ritz residual tolerance
  Ordering ordering = Ordering::magnitude;
};

namespace detail {
/// Spectra's operator interface over a DistributedOperator.
template <class Op>
class SpectraAdapter {
 public:
  using Scalar = double;  // Spectra iterates in double
  SpectraAdapter(const dist::Comm& comm, Op& op) : comm_(&comm), op_(&op), partition_(op.partition()) {}
  [[nodiscard]] Eigen::Index rows() const { return op_->dim(); }
  [[nodiscard]] Eigen::Index cols() const { return op_->dim(); }
  void perform_op(const double* x_in, double* y_out) const {
    using S = typename Op::scalar_type;
    const Index D = op_->dim();
    const Matrix<S> x = Eigen::Map<const VectorD>(x_in, D).template cast<S>();
    Matrix<S> y_local(partition_.local_rows(), 1);
    op_->apply(x, y_local);
    Matrix<S> y(D, 1);
    comm_->allgather_rows<S>(y_local, partition_, y);
    Eigen::Map<VectorD>(y_out, D) = y.col(0).template cast<double>();
  }

 private:
  const dist::Comm* comm_;
  Op* op_;
  dist::RowPartition partition_;
};
}  // namespace detail

/// Top-k eigenpairs by Lanczos. Collective. Non-convergence is reported in
/// result.converged (with the converged count in result.note), not thrown.
template <class Op>
EigenResult<typename Op::scalar_type> lanczos_eigh(const dist::Comm& comm, Op& op, const LanczosOptions& options) {
  using Scalar = typename Op::scalar_type;
  const auto start = std::chrono::steady_clock::now();
  const Index D = op.dim();
  SEIGH_REQUIRE(options.k >= 1 && options.k < D)
      << "lanczos: --k " << options.k << " must lie in [1, D - 1 = " << D - 1 << "] (use --method exact for all)";
  const Index ncv = options.ncv > 0 ? options.ncv : std::min(D, std::max<Index>(2 * options.k + 1, 20));
  SEIGH_REQUIRE(ncv > options.k && ncv <= D) << "lanczos: ncv " << ncv << " must lie in (k, D]";

  linop::Counting<Op> counted(op);
  detail::SpectraAdapter<linop::Counting<Op>> adapter(comm, counted);
  Spectra::SymEigsSolver<detail::SpectraAdapter<linop::Counting<Op>>> solver(adapter, options.k, ncv);
  solver.init();
  const auto rule =
      options.ordering == Ordering::magnitude ? Spectra::SortRule::LargestMagn : Spectra::SortRule::LargestAlge;
  const Index converged = solver.compute(rule, options.max_restarts, options.tolerance, rule);

  EigenResult<Scalar> result;
  result.method = "lanczos";
  result.converged = solver.info() == Spectra::CompInfo::Successful;
  result.note = std::to_string(converged) + " of " + std::to_string(options.k) + " Ritz pairs converged after " +
                std::to_string(solver.num_iterations()) + " restarts";
  const Index count = solver.eigenvalues().size();
  result.eigenvalues = VectorD::Zero(options.k);
  result.eigenvalues.head(count) = solver.eigenvalues();
  MatrixD vectors = MatrixD::Zero(D, options.k);
  if (count > 0) vectors.leftCols(count) = solver.eigenvectors();
  const dist::RowPartition partition = op.partition();
  result.eigenvectors = dist::BlockRowMatrix<Scalar>(
      partition, Matrix<Scalar>(vectors.middleRows(partition.row_offset(), partition.local_rows()).template cast<Scalar>()));
  result.counts = counted.counts();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace seigh::eig
