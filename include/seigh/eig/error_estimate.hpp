#pragma once
/// \file
/// A-posteriori error of a low-rank eigen-approximation H ≈ V Λ Vᵀ
/// (TYUC 2019 §6; DESIGN.md §2 step 5): n_t Gaussian probes g_j,
///     ‖H − VΛVᵀ‖²_F ≈ mean_j ‖(H − VΛVᵀ) g_j‖²,  ‖H‖²_F ≈ mean_j ‖H g_j‖².
/// Costs n_t products; the probes come from their own RNG stream, so the
/// estimate is independent of the sketch.

#include <algorithm>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::eig {

/// Collective. V (D x k) row-partitioned like the operator's output;
/// lambda (k). `block` bounds the probes per product.
template <class Op, class Scalar>
ErrorEstimate estimate_error(const dist::Comm& comm, Op& op, const VectorD& lambda,
                             const dist::BlockRowMatrix<Scalar>& V, Index probes, const random::RngState& rng,
                             Index block) {
  const Index D = op.dim();
  const dist::RowPartition partition = op.partition();
  const random::TestMatrix gaussian{random::TestMatrixKind::gaussian, D, probes, rng, 8};
  VectorD sums = VectorD::Zero(2);  // Σ‖r_j‖², Σ‖Hg_j‖² over this rank's rows
  Matrix<Scalar> G(D, std::min(block, probes));
  Matrix<Scalar> HG(partition.local_rows(), G.cols());
  const auto& V_local = V.local();
  const Index local_rows = partition.local_rows();
  // The residual is formed in float64 one span of rows at a time, so no
  // float64 copy of V (D/P x k, the largest object of a run) is ever made.
  constexpr Index kRowSpan = 4096;
  for (Index c0 = 0; c0 < probes; c0 += G.cols()) {
    const Index width = std::min(G.cols(), probes - c0);
    random::generate_block<Scalar>(gaussian, 0, c0, G.leftCols(width));
    op.apply(G.leftCols(width), HG.leftCols(width));
    const auto g_local = G.leftCols(width).middleRows(partition.row_offset(), local_rows);
    // Vᵀ g (k x width): each rank's rows of V against its rows of g, summed.
    MatrixD VtG = MatrixD::Zero(V.cols(), width);
    for (Index r0 = 0; r0 < local_rows; r0 += kRowSpan) {
      const Index n = std::min(kRowSpan, local_rows - r0);
      VtG.noalias() += V_local.middleRows(r0, n).template cast<double>().transpose() *
                       g_local.middleRows(r0, n).template cast<double>();
    }
    comm.allreduce_sum(VtG);
    const MatrixD lambda_VtG = lambda.asDiagonal() * VtG;
    for (Index r0 = 0; r0 < local_rows; r0 += kRowSpan) {
      const Index n = std::min(kRowSpan, local_rows - r0);
      const MatrixD hg = HG.leftCols(width).middleRows(r0, n).template cast<double>();
      sums[0] += (hg - V_local.middleRows(r0, n).template cast<double>() * lambda_VtG).squaredNorm();
      sums[1] += hg.squaredNorm();
    }
  }
  comm.allreduce_sum(sums);
  ErrorEstimate estimate;
  estimate.probes = probes;
  estimate.residual_frobenius2 = sums[0] / static_cast<double>(probes);
  estimate.operator_frobenius2 = sums[1] / static_cast<double>(probes);
  return estimate;
}

}  // namespace seigh::eig
