#pragma once
/// \file
/// Loss, gradient and exact curvature–matrix products of a model on a batch
/// (DESIGN.md §2, "HVP (exact, Pearlmutter R-operator)"; Pearlmutter 1994,
/// "Fast exact multiplication by the Hessian", Neural Computation 6(1)).
///
/// Inputs everywhere: θ (D), X (features x N, column = sample), y (N labels
/// in [0, classes)), a Loss and a weight w (loss.hpp: L = w Σ_i ℓ_i; default
/// w = 1/N, the batch mean; pass w = 1/N_total on a shard of a distributed
/// batch so the shards' results sum to the global mean's).
///
/// ## Two-stage curvature products
///
///     Linearization<float> lin = linearize(model, theta, X, y, Loss::cross_entropy);
///     hvp(lin, V, HV);                        // HV (D x b) = ∇²L · V (D x b)
///     hvp(lin, V2, HV2, Curvature::ggn);      // Gauss–Newton products, same passes
///
/// linearize() runs the forward and backward pass once and keeps what every
/// later product needs (activations, per-layer caches, δ's, loss, gradient).
/// Each hvp() then runs only the R-passes for its block of b directions: the
/// R-activations are (size x N·b) matrices, so every weight product is one
/// GEMM over all directions and every parameter-direction product a GEMM per
/// direction (layers.hpp lists them). Cost per block ≈ hvp_flops()
/// (hvp_flops.hpp).
///
/// ## Precision
///
/// Scalar is float (the users' default) or double (tests). Everything is
/// computed in Scalar except loss sums, which accumulate in double.
///
/// ## Errors
///
/// Bad input (θ length, X rows vs the model's input size, empty batch, y
/// length, labels outside [0, classes), weight ≤ 0 or non-finite, V/HV
/// shapes) and non-finite values (θ, X, loss, gradient, HV) throw
/// seigh::Error naming the quantity and, for non-finite results, the first
/// layer where they appear. These are local errors; a distributed caller
/// makes them collective.

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/nn/layer.hpp"
#include "seigh/nn/loss.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::nn {

namespace detail {
struct LinearizationAccess;
}

/// Everything the curvature products at (θ, batch) need, computed once by
/// linearize(): copies of the model description, θ and X, the outputs of
/// every layer, the layers' caches, the δ's, the loss, its gradient.
/// Memory ≈ 2·D (θ and ∇L) + (features + Σ_l out_size_l) · N · (2–3) scalars
/// (outputs, δ's, activation caches).
/// Immutable after construction; hvp() may be called concurrently on one
/// Linearization from several threads (each with its own workspace).
template <class Scalar>
class Linearization {
 public:
  [[nodiscard]] const Model& model() const { return model_; }
  [[nodiscard]] const Vector<Scalar>& theta() const { return theta_; }
  /// D.
  [[nodiscard]] Index dim() const { return theta_.size(); }
  /// N, the samples of the batch.
  [[nodiscard]] Index batch_size() const { return outputs_.front().cols(); }
  [[nodiscard]] Loss loss_kind() const { return loss_kind_; }
  /// w of L = w Σ ℓ_i.
  [[nodiscard]] Scalar weight() const { return weight_; }
  /// L = w Σ ℓ_i (accumulated in double).
  [[nodiscard]] double loss() const { return loss_; }
  /// ∇L (D).
  [[nodiscard]] const Vector<Scalar>& gradient() const { return gradient_; }
  /// Logits F (classes x N).
  [[nodiscard]] const Matrix<Scalar>& logits() const { return outputs_.back(); }

 private:
  friend struct detail::LinearizationAccess;
  explicit Linearization(Model model) : model_(std::move(model)) {}

  Model model_;
  Vector<Scalar> theta_;
  Loss loss_kind_ = Loss::cross_entropy;
  Scalar weight_ = 0;
  double loss_ = 0;
  Vector<Scalar> gradient_;
  std::vector<Matrix<Scalar>> outputs_;        // [0] = X, [l+1] = output of layer l
  std::vector<LayerCache<Scalar>> caches_;     // per layer
  std::vector<Matrix<Scalar>> deltas_;         // [l+1] = ∂L/∂(output of layer l); only where needed
  Matrix<Scalar> loss_cache_;                  // softmax p (cross-entropy)
};

/// Forward and backward pass at θ on (X, y): returns the Linearization for
/// hvp(). weight: w of L = w Σ ℓ_i; default 1/N.
[[nodiscard]] Linearization<float> linearize(const Model& model, const Eigen::Ref<const VectorF>& theta,
                                             const Eigen::Ref<const MatrixF>& X, std::span<const std::int32_t> y,
                                             Loss loss, std::optional<double> weight = std::nullopt);
[[nodiscard]] Linearization<double> linearize(const Model& model, const Eigen::Ref<const VectorD>& theta,
                                              const Eigen::Ref<const MatrixD>& X, std::span<const std::int32_t> y,
                                              Loss loss, std::optional<double> weight = std::nullopt);

/// Reusable memory for hvp(): the R-activations of every layer and two
/// R{δ} buffers, ≈ (Σ_l out_size_l + 2 max_l size_l) · N · b scalars
/// (pass_footprint().r_pass bytes per sample and direction).
///
/// Optional: hvp() uses a temporary one when none is given. Passing one to
/// repeated calls saves the allocations and the page faults of fresh memory;
/// its contents carry no meaning between calls. Every buffer keeps the
/// largest capacity any call needed and is never shrunk, so products with a
/// different b, N or model reuse it (only a larger need grows it, once), and
/// the R{δ} buffers, whose row count changes from layer to layer (up to
/// 64·24·24 rows × N·b for 3c3d), are sized once per call for the largest
/// layer instead of reallocated at every layer. On the project's VM (first
/// touch ≈ 0.3 GB/s) a block product of mlp(256-20-20-20-20-20-10) on 1000
/// samples at b = 32 took 0.28 s without and 0.065 s with a reused
/// workspace; experiments/benchmarks/HVP.md has the 3c3d figures.
/// Not thread-safe: one workspace per concurrent caller.
template <class Scalar>
class HvpWorkspace {
 public:
  /// Scalars currently held (the sum of every buffer's capacity).
  [[nodiscard]] Index capacity() const {
    Index total = 0;
    for (const auto& buffer : buffers_) total += buffer.size();
    return total;
  }

 private:
  friend struct detail::LinearizationAccess;
  // [0, L): R{output of layer l}; [L], [L+1]: the R{δ} ping-pong pair.
  // Eigen-allocated, so every buffer starts at Eigen's alignment, as the
  // Matrix buffers of earlier versions did (same vectorised arithmetic).
  std::vector<Vector<Scalar>> buffers_;
};

/// HV (D x b) = M · V (D x b) with M = ∇²L (Curvature::hessian, exact) or
/// the generalised Gauss–Newton matrix Jᵀ (∂²L/∂F²) J (Curvature::ggn), at
/// the linearisation point, by one forward and one backward R-pass shared by
/// all b columns (Pearlmutter's R-operator; DESIGN.md §2). b = 0 is a no-op.
/// Throws seigh::Error on shape mismatch or non-finite results.
template <class Scalar>
void hvp(const Linearization<Scalar>& lin, const Eigen::Ref<const Matrix<std::type_identity_t<Scalar>>>& V,
         Eigen::Ref<Matrix<std::type_identity_t<Scalar>>> HV, Curvature curvature = Curvature::hessian,
         HvpWorkspace<std::type_identity_t<Scalar>>* workspace = nullptr);

/// L = w Σ ℓ_i; writes ∇L into grad (D). weight default 1/N.
double loss_and_gradient(const Model& model, const Eigen::Ref<const VectorF>& theta, const Eigen::Ref<const MatrixF>& X,
                         std::span<const std::int32_t> y, Loss loss, std::optional<double> weight,
                         Eigen::Ref<VectorF> grad);
double loss_and_gradient(const Model& model, const Eigen::Ref<const VectorD>& theta, const Eigen::Ref<const MatrixD>& X,
                         std::span<const std::int32_t> y, Loss loss, std::optional<double> weight,
                         Eigen::Ref<VectorD> grad);

/// Logits F (classes x N) of X at θ (forward pass only). Keeps only the
/// current layer's input, output and cache alive (pass_footprint().forward_peak
/// bytes per sample), not every layer's like linearize().
[[nodiscard]] MatrixF forward_logits(const Model& model, const Eigen::Ref<const VectorF>& theta,
                                     const Eigen::Ref<const MatrixF>& X);
[[nodiscard]] MatrixD forward_logits(const Model& model, const Eigen::Ref<const VectorD>& theta,
                                     const Eigen::Ref<const MatrixD>& X);

/// L = w Σ ℓ_i (forward pass only); weight default 1/N.
[[nodiscard]] double evaluate_loss(const Model& model, const Eigen::Ref<const VectorF>& theta,
                                   const Eigen::Ref<const MatrixF>& X, std::span<const std::int32_t> y, Loss loss,
                                   std::optional<double> weight = std::nullopt);
[[nodiscard]] double evaluate_loss(const Model& model, const Eigen::Ref<const VectorD>& theta,
                                   const Eigen::Ref<const MatrixD>& X, std::span<const std::int32_t> y, Loss loss,
                                   std::optional<double> weight = std::nullopt);

/// Memory of the passes of `model` per sample, in bytes, in precision
/// Scalar. Everything the passes keep (outputs, layer caches such as a
/// convolution's im2col matrix or a max pool's argmax indices, δ's,
/// R-activations) is proportional to the samples N, so the figures are
/// measured once, by forward_logits() and linearize() on one zero sample at
/// θ = 0, and scale exactly with N (and with b for r_pass). Not counted: θ,
/// ∇L, the D x b blocks, and the temporaries a layer makes inside one pass
/// (a convolution's GEMM result before its layout move, bounded by its
/// output, which forward_peak therefore counts twice; the R-passes'
/// per-direction-group buffers).
struct PassFootprint {
  /// forward_logits(): max over layers l of in_l + 2·out_l + cache_l (it
  /// keeps only the current layer's input, output and cache).
  Index forward_peak = 0;
  /// linearize(): every layer's output (and the input X), the caches, the
  /// δ's and the loss's cache.
  Index linearization = 0;
  /// hvp() workspace per sample *and direction*: the R-outputs of the layers
  /// from the first parameterised one on, plus two R{δ} buffers of the
  /// largest size the backward R-pass needs.
  Index r_pass = 0;
};
template <class Scalar>
[[nodiscard]] PassFootprint pass_footprint(const Model& model);

extern template class Linearization<float>;
extern template class Linearization<double>;
extern template void hvp<float>(const Linearization<float>&, const Eigen::Ref<const MatrixF>&, Eigen::Ref<MatrixF>,
                                Curvature, HvpWorkspace<float>*);
extern template void hvp<double>(const Linearization<double>&, const Eigen::Ref<const MatrixD>&, Eigen::Ref<MatrixD>,
                                 Curvature, HvpWorkspace<double>*);
extern template PassFootprint pass_footprint<float>(const Model&);
extern template PassFootprint pass_footprint<double>(const Model&);

}  // namespace seigh::nn
