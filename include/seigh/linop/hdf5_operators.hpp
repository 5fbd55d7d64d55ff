#pragma once
/// \file
/// Operators read from HDF5 files, so users can run seigh on a matrix or a
/// spectrum of their choice (and other sketching libraries on exactly the
/// same operator):
///
/// - `DenseOperator`: `--operator FILE.h5:/A`, a symmetric [D, D] dataset
///   (float32 or float64). Rank r reads only the hyperslab A[:, r0:r1]
///   (D x local_rows); by symmetry its transpose is A[r0:r1, :], so
///   H·X needs no communication: Y = A[rows, :] · X.
/// - `FactoredOperator`: `--operator FILE.h5:lowrank`, H = Uᵀ diag(λ) U with
///   `/U` [r, D] and `/lambda` [r]; rank r reads its columns U[:, r0:r1].
///   H·X = U[:, rows]ᵀ (λ ⊙ (U X)), U X (r x b) summed by one allreduce.
///
/// Both reject non-finite entries; the dense one also rejects non-square
/// and non-symmetric input (beyond a tolerance, see below).

#include <string>

#include "seigh/core/types.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/linop/operator.hpp"

namespace seigh::linop {

/// "FILE.h5:/A" → {"FILE.h5", "/A"}; the split is at the last ':'.
/// Throws seigh::Error if there is no ':' or either side is empty.
std::pair<std::string, std::string> split_file_spec(const std::string& spec);

template <class Scalar>
class DenseOperator {
 public:
  using scalar_type = Scalar;

  /// Reads `dataset` of `path`. Collective. Symmetry is checked with 8
  /// Gaussian probes G: ‖(A − Aᵀ)G‖_F / ‖A G‖_F, an unbiased-in-square
  /// estimate of ‖A − Aᵀ‖_F / ‖A‖_F, must not exceed `symmetry_tolerance`
  /// (default 1e-5: float32 storage of a symmetric matrix passes).
  DenseOperator(const dist::Comm& comm, const std::string& path, const std::string& dataset,
                double symmetry_tolerance = 1e-5);

  [[nodiscard]] Index dim() const { return rows_.global_rows(); }
  [[nodiscard]] dist::RowPartition partition() const { return rows_.partition(); }
  /// Y (local_rows x b) = A[rows, :] X. Local (no communication).
  void apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y);
  /// Measured relative asymmetry (the estimate above).
  [[nodiscard]] double asymmetry() const { return asymmetry_; }

 private:
  dist::BlockRowMatrix<Scalar> rows_;  // D x D: local block = A[rows, :] (by symmetry)
  double asymmetry_ = 0;
};

template <class Scalar>
class FactoredOperator {
 public:
  using scalar_type = Scalar;

  /// Reads `/U` [r, D] and `/lambda` [r] from `path`. Collective.
  FactoredOperator(const dist::Comm& comm, const std::string& path);

  [[nodiscard]] Index dim() const { return factor_.global_rows(); }
  [[nodiscard]] dist::RowPartition partition() const { return factor_.partition(); }
  /// Y (local_rows x b) = rows of Uᵀ diag(λ) U X. Collective (one allreduce).
  void apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y);
  [[nodiscard]] const VectorD& lambda() const { return lambda_; }

 private:
  const dist::Comm* comm_;
  dist::BlockRowMatrix<Scalar> factor_;  // D x r: local block = U[:, rows]ᵀ
  VectorD lambda_;
};

extern template class DenseOperator<float>;
extern template class DenseOperator<double>;
extern template class FactoredOperator<float>;
extern template class FactoredOperator<double>;

static_assert(DistributedOperator<DenseOperator<double>>);
static_assert(DistributedOperator<FactoredOperator<float>>);

}  // namespace seigh::linop
