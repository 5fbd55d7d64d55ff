#pragma once
/// \file
/// Top-k eigenpairs of a dense symmetric matrix in double, on one process:
/// the dense solve behind the exact path (exact.hpp).
///
/// ## Method (LAPACK, four steps, only the wanted vectors)
///
///     1. dsytrd   A = Q T Qᵀ, T tridiagonal (d, e); Q kept as reflectors
///                 in A's lower triangle.                      (4/3 n³ flops)
///     2. dsterf   all n eigenvalues of T, ascending (QR, no vectors).  O(n²)
///     3. dstemr   eigenvectors Z_T of T for the selected index ranges (MRRR,
///                 O(n·k)); the top-k by |λ| are a prefix and a suffix of
///                 the ascending list, by value a suffix.
///     4. dormtr   Z = Q Z_T (blocked reflectors, level-3).        (2 n² k)
///
/// Step 1 dominates; with an optimised BLAS it runs at level-3 speed for
/// half its flops. Eigen's SelfAdjointEigenSolver, which computed all n
/// vectors with implicit QR (about 9 n³ flops of Givens rotations, scalar
/// code), took 490 s at n = 7030 where this takes about 40 s on one core
/// (experiments/benchmarks/DENSE_EIGEN.md).
///
/// ## Threads and reproducibility
///
/// With OpenBLAS as the system BLAS/LAPACK (Debian: libopenblas0-pthread,
/// which cmake/bootstrap.sh installs) the BLAS may use threads. A different
/// thread count can change the last bits of a blocked reduction, so unless
/// the user sets OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) the solve is run
/// single-threaded: results never depend on the machine's core count, and
/// rank 0 does not compete with the other ranks on its node.
///
/// Memory: A itself (overwritten), the n x k result and O(n) workspace —
/// n² + n·k doubles, against 2 n² for a full eigendecomposition.

#include <cstdint>

#include "seigh/core/types.hpp"
#include "seigh/eig/result.hpp"

namespace seigh::eig {

/// Eigenvalues (all) and the top-k eigenvectors of a symmetric matrix.
struct DenseEigenpairs {
  /// All n eigenvalues ordered by `ordering` (descending): the same
  /// sequence of values as sorted_order() gives.
  VectorD values;
  /// n x k: column i is the unit eigenvector of values[i].
  MatrixD vectors;
};

/// The n eigenvalues and top-k eigenvectors of the symmetric matrix `a`
/// (n x n; only its lower triangle is read). `a` is overwritten (it holds
/// the Householder reflectors afterwards). Throws seigh::Error if k is not in
/// [0, n] or LAPACK reports a failure.
[[nodiscard]] DenseEigenpairs dense_top_eigenpairs(MatrixD& a, Index k, Ordering ordering);

/// Which positions of the ascending eigenvalue list `ascending` are the top
/// k under `ordering`: the first `prefix` and the last `suffix` positions
/// (prefix + suffix = k), and their order — `order[i]` is the ascending
/// position of the i-th eigenpair (|λ| descending, a tie between a
/// negative and a positive eigenvalue to the negative one as in
/// sorted_order(); or λ descending). Exposed for tests.
struct TopSelection {
  Index prefix = 0;
  Index suffix = 0;
  std::vector<Index> order;
};
[[nodiscard]] TopSelection select_top(const VectorD& ascending, Index k, Ordering ordering);

}  // namespace seigh::eig
