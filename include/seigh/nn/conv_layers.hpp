#pragma once
/// \file
/// Convolutional-network layers: Conv2d, MaxPool2d, AvgPool2d and Flatten,
/// with the four passes of layer.hpp (forward, backward, R-forward,
/// R-backward) in float and double. The elementwise activations
/// (ActivationLayer, layers.hpp) already take samples of any (C, H, W) shape.
///
/// ## Geometry (PyTorch's nn.Conv2d / nn.MaxPool2d / nn.AvgPool2d)
///
/// A window of size k x k with stride s and zero (conv, avgpool) or −∞
/// (maxpool) padding p on each side of an H x W plane has
///
///     Ho = ⌊(H + 2p − k)/s⌋ + 1,   Wo = ⌊(W + 2p − k)/s⌋ + 1
///
/// positions; position (oh, ow) covers input rows oh·s − p + [0, k) and
/// columns ow·s − p + [0, k). P = Ho·Wo output positions per channel.
///
/// ## Conv2d: im2col + GEMM
///
/// Input C x H x W, O output channels, K = C·k·k. Parameter block
/// θ_l = (W [O, C, k, k] row-major, then b [O]) (DESIGN.md §4): row o of W
/// is θ_l[o·K, (o+1)·K) with column index κ = (c·k + i)·k + j; read as a
/// column-major (K x O) matrix the first O·K entries are Wᵀ (no copy).
///
/// For a block of S samples the *transposed im2col* is
///
///     Col (P·S x K),  Col(p + P·s, κ) = in_s(c, oh·s − p + i, ow·s − p + j)   (0 outside)
///
/// (p = oh·Wo + ow), so the convolution of every sample is one GEMM
/// G = Col · Wᵀ (P·S x O), G(p + P·s, o) = a_s(o, p) − b(o). G's memory is
/// ordered [o][s][p] while a block of samples is [s][o][p] (layer.hpp):
/// to_gemm / from_gemm move runs of P contiguous scalars between the two.
/// col2im is the adjoint of im2col (scatter-add into the input plane).
///
/// The passes (Z = the layer input, Δ = δ_out in G's layout (P·N x O),
/// j = direction, V_j = Wᵀ-shaped (K x O) view of v.col(j), R-blocks
/// direction-major so the S = N·g samples of g consecutive directions are
/// one contiguous block of columns):
///
///     forward      Col = im2col(Z) (cached);  a = from_gemm(Col Wᵀ) + b
///     backward     Δ = to_gemm(δ_out) (cached);  ∂Wᵀ = Colᵀ Δ;  ∂b = Δᵀ 1
///                  δ_in = col2im(Δ W)
///     r_forward    R{a} = from_gemm(R{Col} Wᵀ)          (one GEMM per group of directions)
///                  R{a}_j += from_gemm(Col V_j) + v_{b,j}  (per direction)
///     r_backward   R{Δ} = to_gemm(R{δ_out})
///                  (R{∂W}_j)ᵀ = Colᵀ R{Δ}_j + R{Col}_jᵀ Δ,  R{∂b}_j = R{Δ}_jᵀ 1   (per direction)
///                  R{δ_in} = col2im(R{Δ} W)              (one GEMM per group)
///                  R{δ_in}_j += col2im(Δ V_jᵀ)           (per direction)
///
/// with R{Col} = im2col(R{Z}) (the convolution is linear in its input). The
/// GGN (Curvature::ggn) drops R{Col}_jᵀ Δ and Δ V_jᵀ, as Linear does.
///
/// Directions are processed in groups of g so that the group's R{Col}
/// (P·N·g x K) and GEMM buffers stay within about 16 MiB each (g = b when
/// that fits, e.g. in tests): an im2col of all b directions at once is K/C
/// times the R-activations themselves (3c3d's second conv: 3.7 GB for
/// N = 500, b = 32 in float), while a group's GEMMs already have P·N·g ≥
/// a few thousand rows, enough for full GEMM speed. The per-direction
/// GEMMs (Col V_j, Colᵀ R{Δ}_j, …) have P·N rows or inner dimension: no
/// per-sample small products anywhere.
///
/// Cache: matrices[0] = Col (P·N x K) from forward(); matrices[1] = Δ
/// (P·N x O) from backward().
///
/// ## Pooling and Flatten (no parameters)
///
/// MaxPool2d: out(c, q) = in(c, m(c, q)) with m the argmax of the window
/// (−∞ padding, the first maximum in row-major window order wins, NaN
/// propagates, as PyTorch's CPU kernel). The argmax positions are the
/// cache (indices, one per output scalar: c·H·W + h·W + w); the layer is
/// locally linear in its input, so R{out} gathers R{in} at m, and backward
/// and R-backward scatter-add δ and R{δ} back (overlapping windows add).
///
/// AvgPool2d (count_include_pad=True, PyTorch's default): out = A·in with
/// A the averaging operator (every window divides by k·k, padded zeros
/// included); backward and R-backward apply Aᵀ, R-forward applies A to
/// every direction's R{in}.
///
/// Flatten: (C, H, W) → (C·H·W, 1, 1), the identity on memory (all passes
/// copy).
///
/// Padding must be ≤ k/2 for pooling (PyTorch's rule: every window then
/// holds at least one real input), and the window must fit the padded
/// input (H + 2p ≥ k).

#include <string>

#include "seigh/core/error.hpp"
#include "seigh/nn/layer_impl.hpp"

namespace seigh::nn {

/// A k x k window with stride s and padding p on each side.
struct Window2d {
  Index kernel = 1;
  Index stride = 1;
  Index padding = 0;
};

/// Output shape of a window layer on `in` with `out_channels` channels.
/// Throws seigh::Error (naming `what`) unless k ≥ 1, s ≥ 1, p ≥ 0 and the
/// window fits the padded input.
[[nodiscard]] Shape window_output_shape(const Shape& in, const Window2d& window, Index out_channels,
                                        const std::string& what);

/// window_output_shape for pooling (C channels kept), after PyTorch's rule
/// padding ≤ k/2 (every window then holds at least one input).
[[nodiscard]] Shape pool_output_shape(const Shape& in, const Window2d& window, const std::string& what);

/// 2-D convolution with bias, nn.Conv2d(C, O, k, stride=s, padding=p) (file comment).
class Conv2d final : public LayerImpl<Conv2d> {
 public:
  /// Throws seigh::Error for bad sizes (out_channels ≥ 1; window as above).
  Conv2d(Shape in, Index out_channels, Window2d window);

  /// "conv(C->O,k,s,p)".
  [[nodiscard]] std::string name() const override;
  [[nodiscard]] Shape in_shape() const override { return in_; }
  [[nodiscard]] Shape out_shape() const override { return out_; }
  [[nodiscard]] Index parameter_count() const override { return out_.channels * patch_size() + out_.channels; }
  [[nodiscard]] const Window2d& window() const { return window_; }
  /// K = C·k·k, the fan-in of one output.
  [[nodiscard]] Index patch_size() const { return in_.channels * window_.kernel * window_.kernel; }

  /// nn.Conv2d's default: W and b ~ U(−1/√K, 1/√K) (kaiming_uniform a=√5; init.hpp).
  void init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const override;

  /// Units of 2·P·K·O·N·b as Linear's (layers.hpp) with the GEMMs above.
  [[nodiscard]] double r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                                    Curvature curvature) const override;
  [[nodiscard]] double forward_backward_flops(Index samples, bool needs_delta_in) const override;

 private:
  friend class LayerImpl<Conv2d>;
  SEIGH_NN_PASS_TEMPLATES

  Shape in_;
  Shape out_;
  Window2d window_;
};

/// Common part of the pooling layers: shapes, window, no parameters.
template <class Derived>
class Pool2d : public LayerImpl<Derived> {
 public:
  [[nodiscard]] Shape in_shape() const override { return in_; }
  [[nodiscard]] Shape out_shape() const override { return out_; }
  [[nodiscard]] Index parameter_count() const override { return 0; }
  [[nodiscard]] const Window2d& window() const { return window_; }
  /// "WORD(k,s,p)".
  [[nodiscard]] std::string name() const override {
    return std::string(Derived::kWord) + "(" + std::to_string(window_.kernel) + "," + std::to_string(window_.stride) +
           "," + std::to_string(window_.padding) + ")";
  }

  void init(const random::RngState&, Index, Eigen::Ref<VectorD> theta_l) const override {
    SEIGH_REQUIRE(theta_l.size() == 0) << name() << " has no parameters";
  }
  [[nodiscard]] double r_pass_flops(Index, Index, bool, bool, Curvature) const override { return 0; }
  [[nodiscard]] double forward_backward_flops(Index, bool) const override { return 0; }

 protected:
  /// Throws seigh::Error unless padding ≤ k/2 and the window fits.
  Pool2d(Shape in, Window2d window) : in_(in), out_(pool_output_shape(in, window, Derived::kWord)), window_(window) {}

  Shape in_;
  Shape out_;
  Window2d window_;
};

/// Max pooling, nn.MaxPool2d(k, stride=s, padding=p) (file comment).
class MaxPool2d final : public Pool2d<MaxPool2d> {
 public:
  static constexpr const char* kWord = "maxpool";
  MaxPool2d(Shape in, Window2d window) : Pool2d(in, window) {}

 private:
  friend class LayerImpl<MaxPool2d>;
  SEIGH_NN_PASS_TEMPLATES
};

/// Average pooling, nn.AvgPool2d(k, stride=s, padding=p) with
/// count_include_pad=True (file comment).
class AvgPool2d final : public Pool2d<AvgPool2d> {
 public:
  static constexpr const char* kWord = "avgpool";
  AvgPool2d(Shape in, Window2d window) : Pool2d(in, window) {}

 private:
  friend class LayerImpl<AvgPool2d>;
  SEIGH_NN_PASS_TEMPLATES
};

/// nn.Flatten(): (C, H, W) → (C·H·W, 1, 1), the identity on memory.
class Flatten final : public LayerImpl<Flatten> {
 public:
  explicit Flatten(Shape in);

  [[nodiscard]] std::string name() const override { return "flatten"; }
  [[nodiscard]] Shape in_shape() const override { return in_; }
  [[nodiscard]] Shape out_shape() const override { return Shape{in_.size(), 1, 1}; }
  [[nodiscard]] Index parameter_count() const override { return 0; }

  void init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const override;
  [[nodiscard]] double r_pass_flops(Index, Index, bool, bool, Curvature) const override { return 0; }
  [[nodiscard]] double forward_backward_flops(Index, bool) const override { return 0; }

 private:
  friend class LayerImpl<Flatten>;
  SEIGH_NN_PASS_TEMPLATES

  Shape in_;
};

}  // namespace seigh::nn
