#pragma once
/// \file
/// Losses on logits F (C x N, column = sample) and labels y (N, in [0, C)),
/// with an explicit weight w so that data shards sum to the global loss:
///
///     L = w · Σ_{samples i of this batch} ℓ_i
///
///   cross_entropy: ℓ_i = logsumexp(f_i) − f_i[y_i]   (stable: max subtracted)
///                  ∂ℓ_i/∂f_i = p_i − e_{y_i},  ∂²ℓ_i/∂f_i² = diag(p_i) − p_i p_iᵀ,
///                  p_i = softmax(f_i)
///   mse:           ℓ_i = Σ_c (f_ic − t_ic)² / C, t_i = e_{y_i} (one-hot)
///                  ∂ℓ_i/∂f_i = 2 (f_i − t_i) / C,  ∂²ℓ_i/∂f_i² = (2 / C) I
///
/// With w = 1/N_total the per-rank losses of disjoint shards sum to the mean
/// over all samples: nn.CrossEntropyLoss() and nn.MSELoss(reduction='mean')
/// against one-hot targets (mean over all N·C entries). The functions of
/// derivatives.hpp default to w = 1/N of the batch.

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string_view>

#include "seigh/core/types.hpp"

namespace seigh::nn {

enum class Loss { cross_entropy, mse };

/// "cross-entropy" or "mse".
[[nodiscard]] std::string_view name(Loss loss);
/// Inverse of name(); throws seigh::Error listing the valid names.
[[nodiscard]] Loss parse_loss(std::string_view text);

/// L = w Σ ℓ_i (summed in double) and δ = ∂L/∂F (C x N) into `delta`.
/// `cache` (C x N) receives what loss_r_op() needs: the softmax p for
/// cross-entropy (unused for mse). Labels must be in range (unchecked here;
/// the derivative drivers check them).
template <class Scalar>
double loss_forward(Loss loss, const Eigen::Ref<const Matrix<Scalar>>& logits, std::span<const std::int32_t> y,
                    Scalar weight, Eigen::Ref<Matrix<Scalar>> delta, Matrix<Scalar>& cache);

/// L = w Σ ℓ_i only (no derivatives).
template <class Scalar>
double loss_value(Loss loss, const Eigen::Ref<const Matrix<Scalar>>& logits, std::span<const std::int32_t> y,
                  Scalar weight);

/// R{δ} = w · ∂²ℓ/∂F² · R{F} for b directions: r_logits and r_delta are
/// (C x N·b), direction-major (layer.hpp). `cache` from loss_forward().
template <class Scalar>
void loss_r_op(Loss loss, const Matrix<Scalar>& cache, Scalar weight, const Eigen::Ref<const Matrix<Scalar>>& r_logits,
               Eigen::Ref<Matrix<Scalar>> r_delta);

}  // namespace seigh::nn
