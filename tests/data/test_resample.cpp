// The PIL-exact bilinear resampler on closed forms. (Agreement with PIL
// itself, image by image, is checked by pil_resize_check.py.)
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "seigh/data/resample.hpp"

using namespace seigh;

namespace {
std::vector<std::uint8_t> noise(Index n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(static_cast<std::size_t>(n));
  for (auto& x : v) x = static_cast<std::uint8_t>((seed = seed * 1664525u + 1013904223u) >> 24);
  return v;
}
}  // namespace

TEST_CASE("a constant image stays constant, for every value and several sizes", "[resample]") {
  // Holds exactly despite the fixed-point weights: they sum to 2^22 within a
  // few units, and v * (2^22 + e) + 2^21 >> 22 = v for |e| * 255 < 2^21.
  const std::vector<std::array<Index, 4>> sizes{{28, 28, 16, 16}, {28, 28, 7, 7}, {28, 28, 27, 5},
                                                {16, 16, 28, 28}, {3, 5, 11, 2}, {28, 28, 1, 1}};
  for (const auto& [ih, iw, oh, ow] : sizes) {
    for (int v = 0; v < 256; ++v) {
      const std::vector<std::uint8_t> in(static_cast<std::size_t>(ih * iw), static_cast<std::uint8_t>(v));
      const auto out = data::resize_bilinear_pil(in.data(), ih, iw, oh, ow);
      INFO(ih << "x" << iw << " -> " << oh << "x" << ow << ", value " << v);
      REQUIRE(out.size() == static_cast<std::size_t>(oh * ow));
      CHECK(std::all_of(out.begin(), out.end(), [&](std::uint8_t p) { return p == v; }));
    }
  }
}

TEST_CASE("identity size 28 -> 28 is the identity", "[resample]") {
  const auto in = noise(28 * 28, 7);
  CHECK(data::resize_bilinear_pil(in.data(), 28, 28, 28, 28) == in);
  // Also when the taps are applied (one axis changes, the other must not move).
  const auto taps = data::pil_bilinear_taps(28, 28);
  for (Index o = 0; o < 28; ++o) {
    CHECK(taps.first[static_cast<std::size_t>(o)] == o);
    CHECK(taps.fixed[static_cast<std::size_t>(o * taps.stride)] == (1 << 22));
  }
}

TEST_CASE("2 -> 1 is the mean rounded half up: floor((a + b + 1) / 2)", "[resample]") {
  // scale 2, support 2, centre 1: taps 0 and 1, weights tri(-1/4) = tri(1/4)
  // = 3/4, normalised 1/2 each = 2^21 in fixed point.
  for (int a = 0; a < 256; a += 3) {
    for (int b = 0; b < 256; b += 5) {
      const std::uint8_t in[2] = {static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b)};
      CHECK(data::resize_bilinear_pil(in, 1, 2, 1, 1)[0] == (a + b + 1) / 2);
      CHECK(data::resize_bilinear_pil(in, 2, 1, 1, 1)[0] == (a + b + 1) / 2);
    }
  }
}

TEST_CASE("taps of 4 -> 2 and 28 -> 16 match the hand computation", "[resample]") {
  // 4 -> 2: output 0 has centre 1, taps 0..2 with tri(-1/4), tri(1/4),
  // tri(3/4) = 3/4, 3/4, 1/4 -> 3/7, 3/7, 1/7.
  const auto t4 = data::pil_bilinear_taps(4, 2);
  CHECK(t4.stride == 5);
  CHECK(t4.first == std::vector<Index>{0, 1});
  CHECK(t4.count == std::vector<Index>{3, 3});
  CHECK(t4.weights[0] == Approx(3.0 / 7).epsilon(1e-15));
  CHECK(t4.weights[1] == Approx(3.0 / 7).epsilon(1e-15));
  CHECK(t4.weights[2] == Approx(1.0 / 7).epsilon(1e-15));
  CHECK(t4.fixed[0] == static_cast<std::int32_t>(3.0 / 7 * (1 << 22) + 0.5));  // 1797559
  CHECK(t4.fixed[2] == static_cast<std::int32_t>(1.0 / 7 * (1 << 22) + 0.5));  // 599186

  // 28 -> 16: scale = support = 1.75; output o covers
  // [trunc(1.75 o - 0.375), trunc(1.75 o + 3.125)) clipped to [0, 28).
  const auto t = data::pil_bilinear_taps(28, 16);
  CHECK(t.stride == 2 * 2 + 1);
  for (Index o = 0; o < 16; ++o) {
    const double c = (o + 0.5) * 1.75;
    const Index lo = std::max<Index>(static_cast<Index>(c - 1.75 + 0.5), 0);
    const Index hi = std::min<Index>(static_cast<Index>(c + 1.75 + 0.5), 28);
    INFO("output " << o);
    CHECK(t.first[static_cast<std::size_t>(o)] == lo);
    CHECK(t.count[static_cast<std::size_t>(o)] == hi - lo);
    CHECK((t.count[static_cast<std::size_t>(o)] == 3 || t.count[static_cast<std::size_t>(o)] == 4));
    double sum = 0;
    std::int64_t fixed_sum = 0;
    for (Index k = 0; k < t.stride; ++k) {
      sum += t.weights[static_cast<std::size_t>(o * t.stride + k)];
      fixed_sum += t.fixed[static_cast<std::size_t>(o * t.stride + k)];
    }
    CHECK(sum == Approx(1.0).epsilon(1e-14));
    CHECK(std::abs(fixed_sum - (std::int64_t{1} << 22)) <= 2);  // rounding of <= 4 taps
  }
  CHECK(t.first[0] == 0);
  CHECK(t.first[15] + t.count[15] == 28);
}

TEST_CASE("the horizontal pass runs first and its uint8 result is rounded before the vertical pass", "[resample]") {
  // 2x2 -> 1x1 with rows (a, b), (c, d): horizontal gives h1 = (a+b+1)/2,
  // h2 = (c+d+1)/2 (integers), then (h1 + h2 + 1)/2. One rounding of the
  // 2-D mean would differ: for (0, 1, 0, 0) the mean 0.25 rounds to 0, the
  // two passes give h1 = 1, h2 = 0, then 1.
  const std::uint8_t in[4] = {0, 1, 0, 0};
  CHECK(data::resize_bilinear_pil(in, 2, 2, 1, 1)[0] == 1);
  for (int a = 0; a < 256; a += 17)
    for (int b = 0; b < 256; b += 13)
      for (int c = 0; c < 256; c += 29)
        for (int d = 0; d < 256; d += 31) {
          const std::uint8_t q[4] = {static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b),
                                     static_cast<std::uint8_t>(c), static_cast<std::uint8_t>(d)};
          const int h1 = (a + b + 1) / 2;
          const int h2 = (c + d + 1) / 2;
          CHECK(data::resize_bilinear_pil(q, 2, 2, 1, 1)[0] == (h1 + h2 + 1) / 2);
        }
}
