#include "seigh/eig/core_solve.hpp"

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

#include "seigh/core/error.hpp"

namespace seigh::eig {

namespace {

/// A⁺ B by a truncated SVD of A (m x n), B (m x q): returns n x q.
MatrixD pseudo_solve(const MatrixD& A, const MatrixD& B, double rcond, Index& rank) {
  Eigen::BDCSVD<MatrixD> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
  svd.setThreshold(rcond);  // relative to the largest singular value
  rank = svd.rank();
  return svd.solve(B);
}

}  // namespace

CoreSolution solve_core(const MatrixD& P, const MatrixD& Z, const MatrixD& R, double rcond, Ordering ordering) {
  const Index s = P.rows();
  const Index o = P.cols();
  SEIGH_REQUIRE(R.rows() == s && R.cols() == o) << "solve_core: R is " << R.rows() << " x " << R.cols()
                                                << ", expected " << s << " x " << o;
  SEIGH_REQUIRE(Z.rows() == s && Z.cols() == s) << "solve_core: Z is " << Z.rows() << " x " << Z.cols()
                                                << ", expected " << s << " x " << s;
  SEIGH_REQUIRE(rcond > 0 && rcond < 1) << "solve_core: rcond=" << rcond << " outside (0, 1)";
  SEIGH_REQUIRE(P.allFinite() && R.allFinite() && Z.allFinite()) << "solve_core: sketch contains NaN or Inf";

  CoreSolution solution;
  // W = P⁺ Z (o x s), then C = W (R⁺)ᵀ = (R⁺ Wᵀ)ᵀ (o x o).
  const MatrixD W = pseudo_solve(P, Z, rcond, solution.rank_p);
  MatrixD C = pseudo_solve(R, W.transpose(), rcond, solution.rank_r).transpose();
  const double norm = C.norm();
  solution.asymmetry = norm > 0 ? (C - C.transpose()).norm() / norm : 0.0;
  C = 0.5 * (C + C.transpose()).eval();

  const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(C);
  SEIGH_REQUIRE(eigen.info() == Eigen::Success) << "solve_core: eigensolver of the " << o << " x " << o
                                                << " core failed";
  const auto order = sorted_order(eigen.eigenvalues(), ordering);
  solution.eigenvalues.resize(o);
  solution.eigenvectors.resize(o, o);
  for (Index i = 0; i < o; ++i) {
    solution.eigenvalues[i] = eigen.eigenvalues()[order[static_cast<std::size_t>(i)]];
    solution.eigenvectors.col(i) = eigen.eigenvectors().col(order[static_cast<std::size_t>(i)]);
  }
  return solution;
}

}  // namespace seigh::eig
