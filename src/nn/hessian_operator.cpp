#include "seigh/nn/hessian_operator.hpp"

#include <chrono>
#include <string>

#include "seigh/core/error.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/dist/collective.hpp"

namespace seigh::nn {

template <class Scalar>
HessianOperator<Scalar>::HessianOperator(const dist::Comm& comm, const Model& model,
                                         const Eigen::Ref<const Vector<Scalar>>& theta,
                                         const Eigen::Ref<const Matrix<Scalar>>& X_shard,
                                         std::span<const std::int32_t> y_shard, Loss loss, Curvature curvature)
    : comm_(&comm),
      model_(model),
      partition_(comm.partition(model.parameter_count())),
      curvature_(curvature),
      total_samples_(comm.sum(static_cast<Index>(X_shard.cols()))),
      local_samples_(X_shard.cols()),
      reducer_(comm, partition_) {
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(total_samples_ >= 1) << "Hessian operator: the Hessian data holds no samples";
    SEIGH_REQUIRE(theta.size() == model.parameter_count())
        << "Hessian operator: θ has " << theta.size() << " entries, the model " << model.spec() << " has "
        << model.parameter_count() << " parameters";
    SEIGH_REQUIRE(static_cast<Index>(y_shard.size()) == X_shard.cols())
        << "Hessian operator: " << X_shard.cols() << " samples but " << y_shard.size() << " labels";
  });

  // Each shard's loss is weighted by 1/N (not 1/n_r), so the shard sums add
  // up to the mean over all N samples.
  const double weight = 1.0 / static_cast<double>(total_samples_);
  gradient_ = Vector<Scalar>::Zero(theta.size());
  double local_loss = 0;
  dist::collective(comm, [&] {
    if (local_samples_ == 0) return;
    linearization_.emplace(linearize(model, theta, X_shard, y_shard, loss, weight));
    local_loss = linearization_->loss();
    gradient_ = linearization_->gradient();
  });
  loss_ = comm.sum(local_loss);
  comm.allreduce_sum(gradient_);
}

template <class Scalar>
void HessianOperator<Scalar>::apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y) {
  const Index D = dim();
  const auto start = std::chrono::steady_clock::now();
  dist::collective(*comm_, [&] {
    SEIGH_REQUIRE(X.rows() == D) << "Hessian operator: probe block has " << X.rows() << " rows, D = " << D;
    SEIGH_REQUIRE(Y.rows() == partition_.local_rows() && Y.cols() == X.cols())
        << "Hessian operator: output block is " << Y.rows() << " x " << Y.cols() << ", expected "
        << partition_.local_rows() << " x " << X.cols();
  });
  if (comm_->size() == 1) {
    // One rank owns every row: the product goes straight into Y, with no
    // reduction and no copy.
    dist::collective(*comm_, [&] {
      if (linearization_) hvp(*linearization_, X, Y, curvature_, &workspace_);
      else Y.setZero();
    });
    shard_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return;
  }
  // P_r goes into the reducer's private D x b buffer, which it keeps at the
  // widest block seen: a fresh block per product would pay its page faults
  // every time (first touch is slow: HVP.md (g)).
  auto product = reducer_.contribution(X.cols());
  dist::collective(*comm_, [&] {
    if (linearization_) {
      // Throws (locally) on a non-finite product; collective() makes every
      // rank throw the same error.
      hvp(*linearization_, X, product, curvature_, &workspace_);
    } else {
      product.setZero();
    }
  });
  const auto shard_done = std::chrono::steady_clock::now();
  reducer_.reduce(Y);
  shard_seconds_ += std::chrono::duration<double>(shard_done - start).count();
  reduce_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - shard_done).count();
}

template <class Scalar>
HessianOperator<Scalar> make_hessian_operator(const dist::Comm& comm, const Model& model,
                                              const Eigen::Ref<const Vector<Scalar>>& theta,
                                              const data::Dataset& dataset, Loss loss, Curvature curvature) {
  dist::collective(comm, [&] {
    const auto& shape = dataset.sample_shape;  // (C, H, W): a CNN checks all three, an MLP their product
    model.check_data(Shape{shape[0], shape[1], shape[2]}, dataset.classes);
  });
  const dist::RowPartition shard = sample_shard(comm, dataset.size());
  const data::Dataset mine = data::slice(dataset, shard.row_offset(), shard.row_offset() + shard.local_rows());
  if constexpr (std::is_same_v<Scalar, float>) {
    return HessianOperator<float>(comm, model, theta, mine.x, mine.y, loss, curvature);
  } else {
    const Matrix<Scalar> x = mine.x.template cast<Scalar>();
    return HessianOperator<Scalar>(comm, model, theta, x, mine.y, loss, curvature);
  }
}

template <class Scalar>
HessianOperatorMemory estimate_memory(const Model& model, Index local_samples, Index block) {
  const PassFootprint f = pass_footprint<Scalar>(model);
  const double n = static_cast<double>(local_samples);
  const double d = static_cast<double>(model.parameter_count()) * sizeof(Scalar);
  HessianOperatorMemory m;
  m.linearization = 3 * d + n * static_cast<double>(f.linearization);
  m.workspace = n * static_cast<double>(block) * static_cast<double>(f.r_pass);
  m.product = d * static_cast<double>(block);
  return m;
}

template class HessianOperator<float>;
template class HessianOperator<double>;
template HessianOperatorMemory estimate_memory<float>(const Model&, Index, Index);
template HessianOperatorMemory estimate_memory<double>(const Model&, Index, Index);
template HessianOperator<float> make_hessian_operator<float>(const dist::Comm&, const Model&,
                                                             const Eigen::Ref<const VectorF>&, const data::Dataset&,
                                                             Loss, Curvature);
template HessianOperator<double> make_hessian_operator<double>(const dist::Comm&, const Model&,
                                                               const Eigen::Ref<const VectorD>&,
                                                               const data::Dataset&, Loss, Curvature);

}  // namespace seigh::nn
