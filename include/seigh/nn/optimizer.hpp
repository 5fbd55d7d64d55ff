#pragma once
/// \file
/// First-order optimizers, exactly as PyTorch defines them (torch.optim,
/// default arguments, no weight decay), in float32 like the parameters.
///
/// With g = ∇L(θ_t) and learning rate η_t (schedule.hpp):
///
///   sgd       θ ← θ − η g                                  (torch.optim.SGD, momentum 0;
///                                                           the paper's optimizer)
///   momentum  b ← μ b + g,  θ ← θ − η b,  b₀ = 0            (torch.optim.SGD(momentum=μ),
///                                                           dampening 0, no Nesterov;
///                                                           torch's first b = g is the same)
///   adam      t ← t + 1
///             m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²
///             θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///                                                          (torch.optim.Adam, amsgrad off;
///                                                           m₀ = v₀ = 0)
///
/// The per-parameter arithmetic is float32 (the scalars η, 1 − β₁ᵗ, … are
/// formed in double and rounded once), so a checkpoint's float32 state is
/// the complete state: resuming from it continues bit for bit.

#include <cstdint>
#include <string>
#include <string_view>

#include "seigh/core/types.hpp"

namespace seigh::nn {

enum class OptimizerKind { sgd, momentum, adam };

/// "sgd", "momentum", "adam".
[[nodiscard]] std::string_view name(OptimizerKind kind);
/// Inverse of name(); throws seigh::Error listing the valid names.
[[nodiscard]] OptimizerKind parse_optimizer(std::string_view text);

/// Which optimizer and its constants (PyTorch's defaults).
struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::sgd;
  double momentum = 0.9;  ///< μ (momentum only), finite and ≥ 0
  double beta1 = 0.9;     ///< adam
  double beta2 = 0.999;   ///< adam
  double eps = 1e-8;      ///< adam
};

/// Throws seigh::Error unless the constants are valid for the kind
/// (momentum ≥ 0; 0 ≤ β₁, β₂ < 1; ε > 0; all finite).
void validate(const OptimizerConfig& config);

/// Canonical text (the checkpoint's `optimizer` attribute): "sgd",
/// "momentum(0.9)", "adam(0.9,0.999,1e-08)" (numbers in shortest
/// round-trip form).
[[nodiscard]] std::string format_optimizer(const OptimizerConfig& config);

/// The optimizer's state: the update count and its buffers (empty when the
/// kind has none). Stored in checkpoints as /optimizer/momentum,
/// /optimizer/adam_m, /optimizer/adam_v and the attribute optimizer_step.
struct OptimizerState {
  std::int64_t step = 0;  ///< updates applied so far (Adam's t)
  VectorF momentum;       ///< b (D), momentum only
  VectorF adam_m;         ///< m (D), adam only
  VectorF adam_v;         ///< v (D), adam only
};

/// The zero state of `config.kind` for D parameters.
[[nodiscard]] OptimizerState make_optimizer_state(const OptimizerConfig& config, Index D);

/// One update θ ← θ − … with gradient g and learning rate lr (the formulas
/// above); advances state.step. theta, grad and the state's buffers have
/// length D. Local (no communication): every rank applies the same update
/// to the same θ.
void optimizer_step(const OptimizerConfig& config, OptimizerState& state, double lr,
                    const Eigen::Ref<const VectorF>& grad, Eigen::Ref<VectorF> theta);

}  // namespace seigh::nn
