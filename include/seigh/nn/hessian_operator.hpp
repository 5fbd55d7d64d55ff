#pragma once
/// \file
/// The loss Hessian of a network on a data set split over MPI ranks, as a
/// linop::DistributedOperator (DESIGN.md §3): the operator the project
/// exists for, on which SEIGH, the exact solver and Lanczos run unchanged.
///
/// ## Shape
///
/// The N samples of the Hessian data are split into contiguous shards, rank
/// r holding samples [n_r, n_{r+1}) (the balanced partition of N, so a rank
/// may hold none when N < P). Every rank holds the whole model and θ. With
/// L(θ) = (1/N) Σ_i ℓ_i(θ) the Hessian is H = Σ_r H_r, H_r = (1/N) Σ_{i in
/// shard r} ∇²ℓ_i, and one product of a probe block X (D x b) is
///
///     1. every rank: P_r = H_r X  (D x b; one forward R-pass and one
///        backward R-pass over its shard, nn/derivatives.hpp),
///     2. reduce-scatter by rows: rank r receives rows [row_offset,
///        row_offset + local_rows) of Σ_r P_r (dist::SharedRowReducer: in
///        place through a shared window when the ranks share a node, else
///        MPI_Reduce_scatter).
///
/// The forward and backward passes at θ (activations, δ's) are computed once
/// at construction (nn::linearize) and reused by every product.
///
/// Results depend on the number of ranks only through the order of the
/// floating-point sums (shard sums, then the reduce-scatter).
///
/// ## Memory per rank
///
/// θ and the model, the linearisation of its shard (≈ activations of n_r
/// samples), the R-pass workspace (≈ Σ_l width_l · n_r · b scalars) and the
/// D x b product block P_r that the reduce-scatter consumes;
/// estimate_memory() adds them up. For 3c3d on 1x28x28 in float32 the
/// workspace is 754 KB per sample and direction: 6.0 GB per rank at
/// n_r = 250, b = 32, 3.0 GB at b = 16, 1.5 GB at b = 8.
///
/// ## Errors
///
/// Construction and apply() are collective, and so are their errors: a
/// non-finite loss, gradient or product on any rank's shard (or bad input)
/// throws the same collective seigh::Error on every rank.

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <span>

#include "seigh/core/types.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/dist/shared_row_reducer.hpp"
#include "seigh/linop/operator.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/loss.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::nn {

/// The samples [row_offset, row_offset + local_rows) of N that this rank
/// holds: the balanced contiguous split, the same as the row partition of a
/// length-N vector.
[[nodiscard]] inline dist::RowPartition sample_shard(const dist::Comm& comm, Index total_samples) {
  return comm.partition(total_samples);
}

/// The loss Hessian (or Gauss–Newton matrix) of `model` at θ on a data set
/// split over the ranks of `comm`; satisfies linop::DistributedOperator.
template <class Scalar>
class HessianOperator {
 public:
  using scalar_type = Scalar;

  /// Collective. theta (D) must be the same on every rank; X_shard
  /// (features x n_r) and y_shard (n_r) are this rank's samples (n_r may be
  /// 0), in the order of sample_shard(comm, N); their sum over ranks N must
  /// be ≥ 1. The loss is the mean over all N samples.
  HessianOperator(const dist::Comm& comm, const Model& model, const Eigen::Ref<const Vector<Scalar>>& theta,
                  const Eigen::Ref<const Matrix<Scalar>>& X_shard, std::span<const std::int32_t> y_shard, Loss loss,
                  Curvature curvature = Curvature::hessian);

  /// D, the number of parameters.
  [[nodiscard]] Index dim() const { return partition_.global_rows(); }
  /// Row partition of D over the communicator (of every product's output).
  [[nodiscard]] dist::RowPartition partition() const { return partition_; }

  /// Y (local_rows x b) ← this rank's rows of H · X, X (D x b) the same on
  /// every rank. Collective; throws a collective seigh::Error if a product
  /// is not finite on any rank.
  void apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y);

  /// N, the samples of the Hessian data (all ranks).
  [[nodiscard]] Index total_samples() const { return total_samples_; }
  /// n_r, the samples of this rank's shard.
  [[nodiscard]] Index local_samples() const { return local_samples_; }
  /// L(θ), the mean loss over all N samples (same on every rank).
  [[nodiscard]] double loss() const { return loss_; }
  /// ∇L(θ) (D, the same on every rank).
  [[nodiscard]] const Vector<Scalar>& gradient() const { return gradient_; }
  [[nodiscard]] Curvature curvature() const { return curvature_; }
  /// Seconds this rank spent in its shard's R-passes, and in the
  /// reduce-scatter (including waiting for slower ranks), over all apply()
  /// calls so far: where a product's time goes.
  [[nodiscard]] double shard_seconds() const { return shard_seconds_; }
  [[nodiscard]] double reduce_seconds() const { return reduce_seconds_; }
  [[nodiscard]] const Model& model() const { return model_; }

 private:
  const dist::Comm* comm_;
  Model model_;
  dist::RowPartition partition_;
  Curvature curvature_;
  Index total_samples_ = 0;
  Index local_samples_ = 0;
  double loss_ = 0;
  Vector<Scalar> gradient_;
  std::optional<Linearization<Scalar>> linearization_;  // empty on a rank without samples
  HvpWorkspace<Scalar> workspace_;  // R-pass buffers, kept between products (no page faults per product)
  dist::SharedRowReducer<Scalar> reducer_;  // holds P_r (D x b), the reduce-scatter's input
  double shard_seconds_ = 0;
  double reduce_seconds_ = 0;
};

/// Estimated memory of one rank's HessianOperator<Scalar> (bytes), from
/// pass_footprint (exact for what the passes keep; layer-internal
/// temporaries not counted): what to print before building the operator.
struct HessianOperatorMemory {
  double linearization = 0;  ///< θ, ∇L (twice) and linearize() of the shard: 3·D + n_r · footprint.linearization
  double workspace = 0;      ///< the R-pass workspace: n_r · b · footprint.r_pass
  double product = 0;        ///< the shard product P_r (D x b)
  [[nodiscard]] double total() const { return linearization + workspace + product; }
};
/// For a shard of local_samples samples and blocks of `block` directions.
/// The workspace and the product block scale with the block, so a smaller
/// --block is the lever (and more ranks, i.e. fewer samples each).
template <class Scalar>
[[nodiscard]] HessianOperatorMemory estimate_memory(const Model& model, Index local_samples, Index block);

/// The Hessian operator of `model` at θ on `dataset` (the same on every
/// rank; each rank takes its shard of the samples, in order). Collective.
/// Throws a collective seigh::Error if the model does not fit the data.
template <class Scalar>
[[nodiscard]] HessianOperator<Scalar> make_hessian_operator(const dist::Comm& comm, const Model& model,
                                                            const Eigen::Ref<const Vector<Scalar>>& theta,
                                                            const data::Dataset& dataset, Loss loss,
                                                            Curvature curvature = Curvature::hessian);

extern template class HessianOperator<float>;
extern template class HessianOperator<double>;
extern template HessianOperatorMemory estimate_memory<float>(const Model&, Index, Index);
extern template HessianOperatorMemory estimate_memory<double>(const Model&, Index, Index);

static_assert(linop::DistributedOperator<HessianOperator<float>>);
static_assert(linop::DistributedOperator<HessianOperator<double>>);

}  // namespace seigh::nn
