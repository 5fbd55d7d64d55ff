#pragma once
/// \file
/// Image downscaling that reproduces PIL's `Image.resize(size,
/// Image.BILINEAR)` on 8-bit greyscale ("L") images bit for bit — what
/// torchvision's `transforms.Resize(16)` does to the PIL images its
/// FashionMNIST dataset yields (DESIGN.md §1: the paper's 16x16 inputs).
///
/// The recipe (PIL's libImaging/Resample.c, 8-bit path), per axis of input
/// size n and output size m:
///
/// 1. scale = n / m; filterscale = max(scale, 1); support = 1.0 * filterscale
///    (the triangle filter's radius 1, widened by the downscale factor: this
///    is PIL's antialiasing, so every input pixel contributes).
/// 2. Output pixel o (0-based) has centre c = (o + 0.5) * scale in input
///    coordinates; its taps are inputs i in [lo, hi) with
///    lo = max(trunc(c - support + 0.5), 0), hi = min(trunc(c + support + 0.5), n).
/// 3. Weight of tap i: w_i = tri((i - c + 0.5) / filterscale) with
///    tri(t) = max(1 - |t|, 0), in double; then w_i /= sum(w) (sum != 0).
/// 4. Fixed point: k_i = trunc(w_i * 2^22 + 0.5) (PRECISION_BITS = 32 - 8 - 2
///    = 22; weights are never negative for this filter).
/// 5. Output value: acc = 2^21 + sum_i k_i * p_i (integers; 2^21 is the
///    rounding offset), result = clamp(acc >> 22, 0, 255) (clip8).
///
/// The 2-D resize runs the horizontal pass first (rows of the input ->
/// an intermediate uint8 image of out_w columns, rounded and clipped as in
/// 5), then the vertical pass on that intermediate. An axis whose size does
/// not change is skipped (PIL copies), so an identity resize is the identity.
/// For Fashion-MNIST's 28 -> 16: scale = 1.75, support = 1.75, 3 or 4 taps
/// per output pixel. ToTensor then divides the uint8 result by 255 in float32.

#include <cstdint>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"

namespace seigh::data {

/// Precision of PIL's fixed-point weights (bits after the binary point).
inline constexpr int kResamplePrecisionBits = 32 - 8 - 2;

/// The fixed-point taps of one axis (steps 1-4 of the recipe).
struct ResampleTaps {
  Index in_size = 0;
  Index out_size = 0;
  std::vector<Index> first;  ///< out_size: first input index of each output
  std::vector<Index> count;  ///< out_size: number of taps
  /// Normalised double weights (step 3), `stride` per output, zero-padded.
  std::vector<double> weights;
  /// Fixed-point weights (step 4), same layout.
  std::vector<std::int32_t> fixed;
  Index stride = 0;  ///< 2 * ceil(support) + 1, PIL's ksize
};

/// Taps of PIL's bilinear (triangle) filter from in_size to out_size
/// samples. Requires in_size, out_size >= 1.
ResampleTaps pil_bilinear_taps(Index in_size, Index out_size);

/// Resize one 8-bit greyscale image exactly as PIL's
/// `Image.resize((out_w, out_h), Image.BILINEAR)` on mode "L".
/// `in` is in_h x in_w bytes, row-major; returns out_h x out_w bytes,
/// row-major. Requires all sizes >= 1.
std::vector<std::uint8_t> resize_bilinear_pil(const std::uint8_t* in, Index in_h, Index in_w, Index out_h,
                                              Index out_w);

/// The recipe above in one paragraph, for the `resize_recipe` attribute of
/// exported datasets.
std::string pil_bilinear_recipe(Index in_h, Index in_w, Index out_h, Index out_w);

}  // namespace seigh::data
