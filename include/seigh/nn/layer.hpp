#pragma once
/// \file
/// The abstract layer of a sequential network and the four passes every
/// layer implements on a block of samples (DESIGN.md §2, "HVP").
///
/// ## Shapes and layouts
///
/// A layer maps one sample of shape in_shape() = (C, H, W) to one sample of
/// shape out_shape(). A block of N samples is a matrix (size x N), column n =
/// sample n, with the sample flattened in C-order (c, h, w) — PyTorch's
/// memory order of an (N, C, H, W) tensor, so a CNN's Flatten is the identity
/// on memory. MLP layers have shapes (features, 1, 1).
///
/// A block of b parameter directions is V (D x b). The R-operator quantities
/// ("R{x}" = directional derivative of x along one direction) of a block of N
/// samples and b directions are stored *direction-major*: a matrix
/// (size x N·b) whose columns [j·N, (j+1)·N) belong to direction j. Then a
/// weight applied to all directions at once, W·R{z}, is one GEMM.
///
/// ## Parameters
///
/// A layer's parameters are a contiguous block θ_l of the flat vector θ
/// (DESIGN.md §4: per layer weight then bias, weight row-major [out, in];
/// conv [out_ch, in_ch, kh, kw]). Passes receive only their block: θ_l
/// (parameter_count), V_l (parameter_count x b), the gradient block and the
/// HV block (parameter_count x b), all as Eigen::Ref views into the caller's
/// full arrays (no copies). Parameterless layers get 0-row blocks.
///
/// ## Chain rule split
///
/// With δ = ∂L/∂(layer output), the passes of the Pearlmutter R-operator
/// (Pearlmutter 1994, "Fast exact multiplication by the Hessian") split into
/// per-layer pieces; e.g. for a_l = W_l z + b_l followed by z_l = σ(a_l), the
/// DESIGN.md formula R{δ_{l-1}} = σ'⊙(V_lᵀδ_l + W_lᵀR{δ_l}) + σ''⊙R{a}⊙(W_lᵀδ_l)
/// is the Linear layer's R{g} = V_lᵀδ_l + W_lᵀR{δ_l} (g = ∂L/∂z) followed
/// by the activation layer's R{δ_a} = σ'⊙R{g} + σ''⊙R{a}⊙g. The driver
/// (derivatives.hpp) only loops over layers, so new layer kinds (Conv2d,
/// pooling, Flatten) implement this interface and nothing else.
///
/// ## State
///
/// Layers are immutable descriptions (shapes, activation kind). Everything a
/// pass computes for a later pass lives in an explicit LayerCache owned by
/// the caller: forward() fills it, backward() may add to it (e.g. σ''⊙δ for
/// the R-backward pass), the R-passes only read it.

#include <Eigen/Core>
#include <string>
#include <string_view>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::nn {

/// Shape of one sample: channels x height x width (MLP: features x 1 x 1).
struct Shape {
  Index channels = 1;
  Index height = 1;
  Index width = 1;
  /// Number of scalars of one sample.
  [[nodiscard]] constexpr Index size() const { return channels * height * width; }
  friend bool operator==(const Shape&, const Shape&) = default;
};

/// "20" for (20, 1, 1), "3x32x32" otherwise.
[[nodiscard]] std::string to_string(const Shape& shape);

/// Which curvature matrix an R-pass multiplies by.
/// - hessian: the exact Hessian ∇²L (all second-order terms).
/// - ggn: the generalised Gauss–Newton matrix Jᵀ H_loss J (J = ∂logits/∂θ,
///   H_loss = ∂²L/∂logits²): the same passes without the terms carrying the
///   backpropagated first derivative δ (no σ''⊙δ, no Vᵀδ, no δ R{z}ᵀ).
enum class Curvature { hessian, ggn };

/// "hessian" or "ggn".
[[nodiscard]] std::string_view name(Curvature curvature);
/// Inverse of name(); throws seigh::Error listing the valid names.
[[nodiscard]] Curvature parse_curvature(std::string_view text);

/// Per-pass, per-layer cache (what forward()/backward() keep for the later
/// passes of the same linearisation point). Its contents are the layer's
/// business; the caller only owns and keeps it.
template <class Scalar>
struct LayerCache {
  std::vector<Matrix<Scalar>> matrices;  ///< e.g. σ'(a), σ''(a)⊙δ (size x N)
  std::vector<Index> indices;            ///< e.g. a max-pool's argmax positions
};

/// The four passes of a layer in one precision. Layer derives from this for
/// float and double; call them through Layer::passes<Scalar>().
///
/// Conventions for all passes: N = in.cols() samples; b = v.cols()
/// directions; an *empty* (0-column) r_in means R{in} = 0 (the input is the
/// data or does not depend on θ); an empty delta_in / r_delta_in output means
/// "not needed" (layers below the first parameterised one) and is skipped.
/// Outputs are overwritten, never accumulated.
template <class Scalar>
class LayerPasses {
 public:
  using ConstMat = Eigen::Ref<const Matrix<Scalar>>;
  using MutMat = Eigen::Ref<Matrix<Scalar>>;
  using ConstVec = Eigen::Ref<const Vector<Scalar>>;
  using MutVec = Eigen::Ref<Vector<Scalar>>;

  virtual ~LayerPasses() = default;

  /// out (out_size x N) = layer(θ_l, in (in_size x N)); fills `cache`.
  virtual void forward(const ConstVec& theta, const ConstMat& in, MutMat out, LayerCache<Scalar>& cache) const = 0;

  /// Backpropagation: given δ_out = ∂L/∂out (out_size x N), writes
  /// grad = ∂L/∂θ_l (parameter_count) and, unless empty,
  /// delta_in = ∂L/∂in (in_size x N). May add what the R-backward pass needs
  /// to `cache` (so it is called exactly once after each forward()).
  virtual void backward(const ConstVec& theta, const ConstMat& in, const ConstMat& delta_out,
                        LayerCache<Scalar>& cache, MutMat delta_in, MutVec grad) const = 0;

  /// Forward R-pass for b directions: r_out (out_size x N·b) = R{out} from
  /// R{in} = r_in (in_size x N·b, or empty = 0) and the layer's parameter
  /// directions v (parameter_count x b).
  virtual void r_forward(const ConstVec& theta, const ConstMat& v, const ConstMat& in, const LayerCache<Scalar>& cache,
                         const ConstMat& r_in, MutMat r_out) const = 0;

  /// Backward R-pass for b directions: from R{δ_out} = r_delta_out
  /// (out_size x N·b) writes hv (parameter_count x b) = R{∂L/∂θ_l} (the
  /// layer's rows of H·V or G·V) and, unless empty, r_delta_in
  /// (in_size x N·b) = R{∂L/∂in}. delta_out is the δ of backward().
  virtual void r_backward(const ConstVec& theta, const ConstMat& v, const ConstMat& in, const ConstMat& delta_out,
                          const LayerCache<Scalar>& cache, const ConstMat& r_in, const ConstMat& r_delta_out,
                          MutMat r_delta_in, MutMat hv, Curvature curvature) const = 0;
};

/// A layer of a sequential network: shapes, parameters and the passes in
/// float and double.
class Layer : public LayerPasses<float>, public LayerPasses<double> {
 public:
  ~Layer() override = default;

  /// Canonical description, e.g. "linear(256->20)", "tanh".
  [[nodiscard]] virtual std::string name() const = 0;
  [[nodiscard]] virtual Shape in_shape() const = 0;
  [[nodiscard]] virtual Shape out_shape() const = 0;
  /// Number of parameters (length of θ_l); 0 for activations, pooling, flatten.
  [[nodiscard]] virtual Index parameter_count() const = 0;

  /// Default initial parameters: writes theta_l (parameter_count), the block
  /// of θ that starts at global index `offset`, from the init stream
  /// `init_state` (derive(user_state, Stream::init)). Entry k must be a
  /// function of (init_state, offset + k) and the layer's shape only (see
  /// init.hpp for the mapping).
  virtual void init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const = 0;

  /// Floating-point operations of the matrix–matrix products (2·m·n·k each)
  /// of r_forward + r_backward for `samples` samples and `directions`
  /// directions; elementwise work is not counted. has_r_in: R{in} ≠ 0;
  /// needs_r_delta_in: r_delta_in is computed.
  [[nodiscard]] virtual double r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                                            Curvature curvature) const = 0;
  /// Same for forward + backward (needs_delta_in: delta_in is computed).
  [[nodiscard]] virtual double forward_backward_flops(Index samples, bool needs_delta_in) const = 0;

  /// The passes in precision Scalar (float or double).
  template <class Scalar>
  [[nodiscard]] const LayerPasses<Scalar>& passes() const {
    return *this;
  }
};

}  // namespace seigh::nn
