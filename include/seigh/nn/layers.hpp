#pragma once
/// \file
/// Concrete layers: Linear and the elementwise activation layer.
///
/// Linear(in → out): a = W z + b, W [out, in], b [out]. Parameter block
/// θ_l = (W row-major, then b): W(o, i) = θ_l[o·in + i], b(o) = θ_l[out·in + o]
/// (DESIGN.md §4, PyTorch's parameters_to_vector order). Because Eigen is
/// column-major, the first out·in entries read as a column-major
/// (in x out) matrix are exactly Wᵀ; the passes use that Map directly (no
/// copy, no transposition in memory).
///
/// Linear passes (one GEMM per line; Z = in (in x N), Δ = δ_out (out x N),
/// j = direction, R-blocks direction-major, see layer.hpp):
///
///     forward      a = W Z + b 1ᵀ               (W = (Wᵀ map)ᵀ, no copy)
///     backward     ∂W ᵀ = Z Δᵀ,  ∂b = Δ 1,  δ_in = Wᵀ Δ
///     r_forward    R{a} = W R{Z}             (all directions at once)
///                  R{a}_j += V_jW Z + v_jb 1ᵀ   (per direction)
///     r_backward   (R{∂W}_j)ᵀ = Z R{Δ}_jᵀ + R{Z}_j Δᵀ,  R{∂b}_j = R{Δ}_j 1
///                  R{δ_in} = Wᵀ R{Δ}          (all directions at once)
///                  R{δ_in}_j += V_jWᵀ Δ        (per direction)
///
/// The GGN (Curvature::ggn) drops R{Z}_j Δᵀ and V_jWᵀ Δ.

#include <string>

#include "seigh/nn/activation.hpp"
#include "seigh/nn/layer.hpp"

// Declares the overrides of the four passes for one precision (used by the
// concrete layer classes; each defines them by forwarding to a member
// template, see src/nn/layers.cpp).
#define SEIGH_NN_DECLARE_PASSES(S)                                                                                  \
  void forward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& in,                          \
               LayerPasses<S>::MutMat out, LayerCache<S>& cache) const override;                                   \
  void backward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& in,                         \
                const LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache, LayerPasses<S>::MutMat delta_in,  \
                LayerPasses<S>::MutVec grad) const override;                                                       \
  void r_forward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& v,                         \
                 const LayerPasses<S>::ConstMat& in, const LayerCache<S>& cache,                                   \
                 const LayerPasses<S>::ConstMat& r_in, LayerPasses<S>::MutMat r_out) const override;               \
  void r_backward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& v,                        \
                  const LayerPasses<S>::ConstMat& in, const LayerPasses<S>::ConstMat& delta_out,                   \
                  const LayerCache<S>& cache, const LayerPasses<S>::ConstMat& r_in,                                \
                  const LayerPasses<S>::ConstMat& r_delta_out, LayerPasses<S>::MutMat r_delta_in,                  \
                  LayerPasses<S>::MutMat hv, Curvature curvature) const override;

namespace seigh::nn {

/// Fully connected layer, nn.Linear(in, out) (see the file comment).
class Linear final : public Layer {
 public:
  /// Throws seigh::Error unless in ≥ 1 and out ≥ 1.
  Linear(Index in, Index out);

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] Shape in_shape() const override { return Shape{in_, 1, 1}; }
  [[nodiscard]] Shape out_shape() const override { return Shape{out_, 1, 1}; }
  [[nodiscard]] Index parameter_count() const override { return in_ * out_ + out_; }
  [[nodiscard]] Index in_features() const { return in_; }
  [[nodiscard]] Index out_features() const { return out_; }

  /// nn.Linear's default: W and b ~ U(−1/√in, 1/√in) (init.hpp).
  void init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const override;

  [[nodiscard]] double r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                                    Curvature curvature) const override;
  [[nodiscard]] double forward_backward_flops(Index samples, bool needs_delta_in) const override;

  SEIGH_NN_DECLARE_PASSES(float)
  SEIGH_NN_DECLARE_PASSES(double)

 private:
  template <class S>
  void forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,
                 typename LayerPasses<S>::MutMat out) const;
  template <class S>
  void backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,
                  const typename LayerPasses<S>::ConstMat& delta_out, typename LayerPasses<S>::MutMat delta_in,
                  typename LayerPasses<S>::MutVec grad) const;
  template <class S>
  void r_forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                   const typename LayerPasses<S>::ConstMat& in, const typename LayerPasses<S>::ConstMat& r_in,
                   typename LayerPasses<S>::MutMat r_out) const;
  template <class S>
  void r_backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                    const typename LayerPasses<S>::ConstMat& in, const typename LayerPasses<S>::ConstMat& delta_out,
                    const typename LayerPasses<S>::ConstMat& r_in, const typename LayerPasses<S>::ConstMat& r_delta_out,
                    typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat hv,
                    Curvature curvature) const;

  Index in_;
  Index out_;
};

/// Elementwise activation z = σ(a) on samples of any shape (no parameters).
/// Cache: matrices[0] = σ'(a); after backward, matrices[1] = σ''(a)⊙δ_out
/// (absent for relu, whose σ'' is 0).
///
///     backward    δ_in = σ'⊙δ_out
///     r_forward   R{z} = σ'⊙R{a}
///     r_backward  R{δ_in} = σ'⊙R{δ_out} + σ''⊙δ_out⊙R{a}   (GGN: first term only)
class ActivationLayer final : public Layer {
 public:
  ActivationLayer(Activation activation, Shape shape);

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] Shape in_shape() const override { return shape_; }
  [[nodiscard]] Shape out_shape() const override { return shape_; }
  [[nodiscard]] Index parameter_count() const override { return 0; }
  [[nodiscard]] Activation activation() const { return activation_; }

  void init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const override;

  [[nodiscard]] double r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                                    Curvature curvature) const override;
  [[nodiscard]] double forward_backward_flops(Index samples, bool needs_delta_in) const override;

  SEIGH_NN_DECLARE_PASSES(float)
  SEIGH_NN_DECLARE_PASSES(double)

 private:
  template <class S>
  void forward_t(const typename LayerPasses<S>::ConstMat& in, typename LayerPasses<S>::MutMat out,
                 LayerCache<S>& cache) const;
  template <class S>
  void backward_t(const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,
                  typename LayerPasses<S>::MutMat delta_in) const;
  template <class S>
  void r_forward_t(const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,
                   typename LayerPasses<S>::MutMat r_out) const;
  template <class S>
  void r_backward_t(const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,
                    const typename LayerPasses<S>::ConstMat& r_delta_out, typename LayerPasses<S>::MutMat r_delta_in,
                    Curvature curvature) const;

  Activation activation_;
  Shape shape_;
};

}  // namespace seigh::nn
