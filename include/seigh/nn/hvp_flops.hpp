#pragma once
/// \file
/// Floating-point operation counts of the derivative passes, for benchmarks:
/// the matrix–matrix products only (2·m·n·k each, the passes listed in
/// layers.hpp); elementwise work (activations, bias, loss) is not counted.
///
/// For an MLP with Linear layers (in_l → out_l), unit_l = 2·in_l·out_l·N·b:
/// the first Linear costs 2·unit (V z, z R{δ}ᵀ), every later one 6·unit
/// (W R{z}, V z, z R{δ}ᵀ, R{z} δᵀ, Wᵀ R{δ}, Vᵀ δ) for the Hessian and 4·unit
/// for the GGN. E.g. 784-3000-3000-10, N = 256, b = 32: ≈ 9.64·10^11.

#include "seigh/core/types.hpp"
#include "seigh/nn/layer.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::nn {

/// GEMM flops of one hvp() call on N samples and b directions.
[[nodiscard]] double hvp_flops(const Model& model, Index samples, Index directions,
                               Curvature curvature = Curvature::hessian);

/// GEMM flops of one linearize() (forward + backward) on N samples.
[[nodiscard]] double linearize_flops(const Model& model, Index samples);

}  // namespace seigh::nn
