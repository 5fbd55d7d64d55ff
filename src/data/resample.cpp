#include "seigh/data/resample.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "seigh/core/error.hpp"

namespace seigh::data {

namespace {

/// PIL's bilinear filter: the triangle of radius 1.
double triangle(double t) {
  t = std::abs(t);
  return t < 1.0 ? 1.0 - t : 0.0;
}

/// One pass along an axis: `lines` lines of `in_len` samples spaced
/// `in_step` apart (next line `in_line` apart) -> `taps.out_size` samples
/// spaced `out_step` apart (next line `out_line` apart). Step 5 of the
/// recipe, including the rounding offset and clip8 on every output.
void resample_axis(const ResampleTaps& taps, const std::uint8_t* in, Index in_step, Index in_line,
                   std::uint8_t* out, Index out_step, Index out_line, Index lines) {
  constexpr std::int64_t kHalf = std::int64_t{1} << (kResamplePrecisionBits - 1);
  for (Index line = 0; line < lines; ++line) {
    const std::uint8_t* src = in + line * in_line;
    std::uint8_t* dst = out + line * out_line;
    for (Index o = 0; o < taps.out_size; ++o) {
      const std::int32_t* k = &taps.fixed[static_cast<std::size_t>(o * taps.stride)];
      const Index first = taps.first[static_cast<std::size_t>(o)];
      // PIL accumulates in a 32-bit int; with non-negative weights summing
      // to ~2^22 the total stays below 2^31, so 64 bits give the same value.
      std::int64_t acc = kHalf;
      for (Index t = 0; t < taps.count[static_cast<std::size_t>(o)]; ++t) {
        acc += std::int64_t{src[(first + t) * in_step]} * k[t];
      }
      dst[o * out_step] = static_cast<std::uint8_t>(std::clamp<std::int64_t>(acc >> kResamplePrecisionBits, 0, 255));
    }
  }
}

}  // namespace

ResampleTaps pil_bilinear_taps(Index in_size, Index out_size) {
  SEIGH_REQUIRE(in_size >= 1 && out_size >= 1) << "resample: sizes must be >= 1, got " << in_size << " -> "
                                               << out_size;
  ResampleTaps taps;
  taps.in_size = in_size;
  taps.out_size = out_size;
  // PIL computes the box edges in float and the scale in double.
  const double scale = static_cast<double>(static_cast<float>(in_size)) / static_cast<double>(out_size);
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;
  taps.stride = static_cast<Index>(std::ceil(support)) * 2 + 1;
  taps.first.resize(static_cast<std::size_t>(out_size));
  taps.count.resize(static_cast<std::size_t>(out_size));
  taps.weights.assign(static_cast<std::size_t>(out_size * taps.stride), 0.0);
  taps.fixed.assign(taps.weights.size(), 0);
  for (Index o = 0; o < out_size; ++o) {
    const double center = (static_cast<double>(o) + 0.5) * scale;
    // C casts truncate toward zero; PIL's "+ 0.5" rounding relies on that.
    const Index lo = std::max<Index>(static_cast<Index>(center - support + 0.5), 0);
    const Index hi = std::min<Index>(static_cast<Index>(center + support + 0.5), in_size);
    const Index n = hi - lo;
    double* w = &taps.weights[static_cast<std::size_t>(o * taps.stride)];
    double total = 0.0;
    for (Index t = 0; t < n; ++t) {
      w[t] = triangle((static_cast<double>(t + lo) - center + 0.5) * (1.0 / filterscale));
      total += w[t];
    }
    std::int32_t* k = &taps.fixed[static_cast<std::size_t>(o * taps.stride)];
    for (Index t = 0; t < n; ++t) {
      if (total != 0.0) w[t] /= total;
      const double scaled = w[t] * static_cast<double>(1 << kResamplePrecisionBits);
      k[t] = static_cast<std::int32_t>(w[t] < 0 ? scaled - 0.5 : scaled + 0.5);
    }
    taps.first[static_cast<std::size_t>(o)] = lo;
    taps.count[static_cast<std::size_t>(o)] = n;
  }
  return taps;
}

std::vector<std::uint8_t> resize_bilinear_pil(const std::uint8_t* in, Index in_h, Index in_w, Index out_h,
                                              Index out_w) {
  SEIGH_REQUIRE(in_h >= 1 && in_w >= 1 && out_h >= 1 && out_w >= 1)
      << "resample: sizes must be >= 1, got " << in_h << " x " << in_w << " -> " << out_h << " x " << out_w;
  // Horizontal pass (skipped when the width is unchanged, as PIL does).
  std::vector<std::uint8_t> rows;
  const std::uint8_t* stage = in;
  if (out_w != in_w) {
    rows.resize(static_cast<std::size_t>(in_h * out_w));
    resample_axis(pil_bilinear_taps(in_w, out_w), in, 1, in_w, rows.data(), 1, out_w, in_h);
    stage = rows.data();
  }
  // Vertical pass over the (uint8, already clipped) intermediate image.
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_h * out_w));
  if (out_h != in_h) {
    resample_axis(pil_bilinear_taps(in_h, out_h), stage, out_w, 1, out.data(), out_w, 1, out_w);
  } else {
    std::copy(stage, stage + out_h * out_w, out.begin());
  }
  return out;
}

std::string pil_bilinear_recipe(Index in_h, Index in_w, Index out_h, Index out_w) {
  std::ostringstream text;
  text << "uint8 " << in_h << "x" << in_w << " -> " << out_h << "x" << out_w
       << " as PIL Image.resize((" << out_w << ", " << out_h
       << "), Image.BILINEAR) on mode 'L' (torchvision Resize on the PIL image), then /255 in float32 (ToTensor). "
          "Per axis (n -> m): scale = n/m, filterscale = max(scale, 1), support = filterscale; output o has centre "
          "c = (o + 0.5)*scale and taps i in [max(trunc(c - support + 0.5), 0), min(trunc(c + support + 0.5), n)) "
          "with weights max(1 - |(i - c + 0.5)/filterscale|, 0) normalised to sum 1 (double), "
          "fixed point k = trunc(w*2^22 + 0.5); value = clamp((2^21 + sum k*p) >> 22, 0, 255). "
          "Horizontal pass first into a uint8 image, then vertical; an unchanged axis is skipped.";
  return text.str();
}

}  // namespace seigh::data
