// Conv2d, MaxPool2d, AvgPool2d and Flatten, one layer at a time, against
// independent references: direct-loop forward passes written from PyTorch's
// definitions (weight [O, C, kh, kw] then bias), and central differences of
// the forward and backward passes along random directions.
//
// Why the layer-level tolerances are tight: conv is bilinear in (θ, input),
// pooling and flatten are linear in the input (max pooling with the argmax
// held fixed), and every backward output is linear in δ_out. A central
// difference of a function that is at most quadratic along the line is
// exact, so the comparisons below only see rounding (double, sums of ≤ a
// few hundred terms, divided by 2h = 2e-3): ≤ 1e-9 relative. Any missing
// or wrong term of a pass is O(1) relative.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <memory>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "nn_test_util.hpp"
#include "seigh/nn/conv_layers.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/random/rng.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
namespace nn = seigh::nn;
using nn::Shape;
using nn::Window2d;

namespace {

// ------------------------------------------------------- direct references

/// nn.Conv2d forward, one output scalar at a time.
MatrixD conv_reference(const Shape& in, Index O, const Window2d& w, const VectorD& theta, const MatrixD& x) {
  const Index k = w.kernel, C = in.channels;
  const Index Ho = (in.height + 2 * w.padding - k) / w.stride + 1, Wo = (in.width + 2 * w.padding - k) / w.stride + 1;
  MatrixD out(O * Ho * Wo, x.cols());
  for (Index n = 0; n < x.cols(); ++n)
    for (Index o = 0; o < O; ++o)
      for (Index oh = 0; oh < Ho; ++oh)
        for (Index ow = 0; ow < Wo; ++ow) {
          double sum = theta(O * C * k * k + o);  // bias
          for (Index c = 0; c < C; ++c)
            for (Index i = 0; i < k; ++i)
              for (Index j = 0; j < k; ++j) {
                const Index ih = oh * w.stride - w.padding + i, iw = ow * w.stride - w.padding + j;
                if (ih < 0 || ih >= in.height || iw < 0 || iw >= in.width) continue;
                sum += theta(((o * C + c) * k + i) * k + j) * x((c * in.height + ih) * in.width + iw, n);
              }
          out((o * Ho + oh) * Wo + ow, n) = sum;
        }
  return out;
}

/// nn.MaxPool2d (max = true) or nn.AvgPool2d(count_include_pad=True).
MatrixD pool_reference(const Shape& in, const Window2d& w, bool max, const MatrixD& x) {
  const Index k = w.kernel;
  const Index Ho = (in.height + 2 * w.padding - k) / w.stride + 1, Wo = (in.width + 2 * w.padding - k) / w.stride + 1;
  MatrixD out(in.channels * Ho * Wo, x.cols());
  for (Index n = 0; n < x.cols(); ++n)
    for (Index c = 0; c < in.channels; ++c)
      for (Index oh = 0; oh < Ho; ++oh)
        for (Index ow = 0; ow < Wo; ++ow) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          for (Index i = 0; i < k; ++i)
            for (Index j = 0; j < k; ++j) {
              const Index ih = oh * w.stride - w.padding + i, iw = ow * w.stride - w.padding + j;
              const bool inside = ih >= 0 && ih < in.height && iw >= 0 && iw < in.width;
              const double v = inside ? x((c * in.height + ih) * in.width + iw, n) : 0.0;
              if (max) {
                if (inside) acc = std::max(acc, v);
              } else {
                acc += v;  // padded zeros count (count_include_pad)
              }
            }
          out((c * Ho + oh) * Wo + ow, n) = max ? acc : acc / static_cast<double>(k * k);
        }
  return out;
}

// ------------------------------------------------------- calling the passes

MatrixD forward(const nn::Layer& l, const VectorD& theta, const MatrixD& x, nn::LayerCache<double>* keep = nullptr) {
  nn::LayerCache<double> local;
  nn::LayerCache<double>& cache = keep != nullptr ? *keep : local;
  MatrixD out(l.out_shape().size(), x.cols());
  l.passes<double>().forward(theta, x, out, cache);
  return out;
}

struct Backward {
  MatrixD delta_in;
  VectorD grad;
};
Backward backward(const nn::Layer& l, const VectorD& theta, const MatrixD& x, const MatrixD& delta) {
  nn::LayerCache<double> cache;
  (void)forward(l, theta, x, &cache);
  Backward b{MatrixD(l.in_shape().size(), x.cols()), VectorD(l.parameter_count())};
  l.passes<double>().backward(theta, x, delta, cache, b.delta_in, b.grad);
  return b;
}

/// The ways each layer kind is tested: stride 1 and 2, padding 0..2, odd
/// and non-square sizes, windows that overlap (k > s), touch, and skip
/// inputs (k < s).
std::vector<std::shared_ptr<const nn::Layer>> test_layers() {
  std::vector<std::shared_ptr<const nn::Layer>> v;
  v.push_back(std::make_shared<nn::Conv2d>(Shape{2, 7, 6}, 3, Window2d{3, 2, 1}));
  v.push_back(std::make_shared<nn::Conv2d>(Shape{3, 5, 5}, 2, Window2d{2, 1, 0}));
  v.push_back(std::make_shared<nn::Conv2d>(Shape{1, 6, 9}, 4, Window2d{5, 3, 2}));
  v.push_back(std::make_shared<nn::Conv2d>(Shape{2, 4, 3}, 2, Window2d{1, 2, 0}));
  v.push_back(std::make_shared<nn::MaxPool2d>(Shape{2, 7, 6}, Window2d{3, 2, 1}));
  v.push_back(std::make_shared<nn::MaxPool2d>(Shape{3, 5, 4}, Window2d{2, 2, 0}));
  v.push_back(std::make_shared<nn::MaxPool2d>(Shape{1, 9, 7}, Window2d{2, 3, 1}));
  v.push_back(std::make_shared<nn::AvgPool2d>(Shape{2, 7, 6}, Window2d{3, 2, 1}));
  v.push_back(std::make_shared<nn::AvgPool2d>(Shape{3, 5, 4}, Window2d{2, 1, 0}));
  v.push_back(std::make_shared<nn::AvgPool2d>(Shape{1, 9, 8}, Window2d{4, 3, 2}));
  v.push_back(std::make_shared<nn::Flatten>(Shape{3, 2, 5}));
  return v;
}

MatrixD reference(const nn::Layer& l, const VectorD& theta, const MatrixD& x) {
  if (const auto* c = dynamic_cast<const nn::Conv2d*>(&l)) {
    return conv_reference(c->in_shape(), c->out_shape().channels, c->window(), theta, x);
  }
  if (const auto* p = dynamic_cast<const nn::MaxPool2d*>(&l)) return pool_reference(p->in_shape(), p->window(), true, x);
  if (const auto* p = dynamic_cast<const nn::AvgPool2d*>(&l)) return pool_reference(p->in_shape(), p->window(), false, x);
  return x;  // flatten: the identity on memory
}

/// A layer input: N(0, 1) entries, except for max pooling, whose entries
/// are a shuffled grid with spacing 0.05, so no perturbation below ~0.02
/// (h·|r| ≤ 1e-3·5 here) changes an argmax: the difference quotients stay
/// exact and the test cannot pass or fail by a tie.
MatrixD layer_input(const nn::Layer& l, Index n, std::uint64_t seed) {
  MatrixD x = seigh::test::random_matrix(l.in_shape().size(), n, seed);
  if (dynamic_cast<const nn::MaxPool2d*>(&l) == nullptr) return x;
  std::vector<Index> order(static_cast<std::size_t>(x.size()));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<Index>(i);
  std::mt19937_64 gen(seed);
  std::shuffle(order.begin(), order.end(), gen);
  for (Index i = 0; i < x.size(); ++i) x(i) = 0.05 * static_cast<double>(order[static_cast<std::size_t>(i)]) - 2.0;
  return x;
}

double rel(const MatrixD& a, const MatrixD& b) { return (a - b).norm() / std::max(b.norm(), 1e-300); }

}  // namespace

TEST_CASE("Conv, pooling and flatten forward passes equal direct loops (float64 and float32)", "[nn][conv]") {
  std::uint64_t seed = 100;
  for (const auto& l : test_layers()) {
    const MatrixD x = seigh::test::random_matrix(l->in_shape().size(), 4, ++seed);
    const VectorD theta = seigh::test::random_matrix(l->parameter_count(), 1, ++seed);
    const MatrixD out = forward(*l, theta, x);
    const MatrixD ref = reference(*l, theta, x);
    INFO(l->name() << " " << to_string(l->in_shape()) << " -> " << to_string(l->out_shape()) << ": relative error "
                    << rel(out, ref));
    REQUIRE(out.rows() == ref.rows());
    // Same products, summed in another order: a few ε.
    CHECK(rel(out, ref) <= 1e-14);
    // float: ε_f ≈ 6e-8 times sums of ≤ 50 terms.
    nn::LayerCache<float> cf;
    seigh::MatrixF outf(l->out_shape().size(), x.cols());
    l->passes<float>().forward(theta.cast<float>(), x.cast<float>(), outf, cf);
    CHECK(rel(outf.cast<double>(), ref) <= 1e-6);
  }
  // The output shapes are PyTorch's ⌊(H + 2p − k)/s⌋ + 1.
  CHECK(nn::Conv2d(Shape{2, 7, 6}, 3, Window2d{3, 2, 1}).out_shape() == Shape{3, 4, 3});
  CHECK(nn::MaxPool2d(Shape{64, 24, 24}, Window2d{3, 2, 1}).out_shape() == Shape{64, 12, 12});
  CHECK(nn::MaxPool2d(Shape{96, 10, 10}, Window2d{3, 2, 1}).out_shape() == Shape{96, 5, 5});
  CHECK(nn::AvgPool2d(Shape{1, 9, 8}, Window2d{4, 3, 2}).out_shape() == Shape{1, 4, 3});
}

TEST_CASE("Max pooling: -inf padding, first maximum wins, NaN propagates (PyTorch's CPU rule)", "[nn][conv]") {
  // One 1x2x3 plane, 2x2 windows, stride 1, padding 1: windows at the border
  // see one real input and three padded ones — with −∞ padding the output
  // is that input even when it is negative (zero padding would give 0).
  const nn::MaxPool2d pool(Shape{1, 2, 3}, Window2d{2, 1, 1});
  MatrixD x(6, 1);
  x << -5, 2, 2, -1, 7, -3;
  nn::LayerCache<double> cache;
  const MatrixD out = forward(pool, VectorD(0), x, &cache);
  REQUIRE(pool.out_shape() == Shape{1, 3, 4});
  MatrixD expected(12, 1);
  expected << -5, 2, 2, 2,  //
      -1, 7, 7, 2,          //
      -1, 7, 7, -3;
  CHECK(out == expected);
  // Window (0, 2) holds x(0,1) = x(0,2) = 2: the first in row-major order wins.
  CHECK(cache.indices[2] == 1);
  // The gradient goes to the argmax only (windows overlap, so it adds up).
  MatrixD delta = MatrixD::Ones(12, 1);
  const Backward b = backward(pool, VectorD(0), x, delta);
  MatrixD expected_in(6, 1);
  expected_in << 1, 2, 2, 2, 4, 1;  // x(0,1) twice, x(0,2) at (0,3) and (1,3)
  CHECK(b.delta_in == expected_in);
  x(1, 0) = std::numeric_limits<double>::quiet_NaN();
  const MatrixD with_nan = forward(pool, VectorD(0), x);
  CHECK(std::isnan(with_nan(1, 0)));
  CHECK(std::isnan(with_nan(2, 0)));
  CHECK(with_nan(0, 0) == -5);
}

TEST_CASE("Backward passes equal central differences of <delta, forward>", "[nn][conv]") {
  // f(θ, x) = Σ δ ⊙ layer(θ, x); ∂f/∂θ = grad, ∂f/∂x = delta_in. f is
  // bilinear (conv) or linear (pooling with the argmax held fixed), so a
  // central difference with h = 1e-3 is exact up to rounding.
  const double h = 1e-3;
  std::uint64_t seed = 200;
  for (const auto& l : test_layers()) {
    const Index n = 3;
    const MatrixD x = layer_input(*l, n, ++seed);
    const VectorD theta = seigh::test::random_matrix(l->parameter_count(), 1, ++seed);
    const MatrixD delta = seigh::test::random_matrix(l->out_shape().size(), n, ++seed);
    const Backward b = backward(*l, theta, x, delta);
    nn::LayerCache<double> c0;
    (void)forward(*l, theta, x, &c0);
    const auto f = [&](const VectorD& t, const MatrixD& xx) {
      nn::LayerCache<double> c;
      const double value = forward(*l, t, xx, &c).cwiseProduct(delta).sum();
      REQUIRE(c.indices == c0.indices);  // max pooling: the same argmax (exactness of the difference)
      return value;
    };
    VectorD grad_fd(theta.size());
    for (Index i = 0; i < theta.size(); ++i) {
      VectorD tp = theta, tm = theta;
      tp(i) += h;
      tm(i) -= h;
      grad_fd(i) = (f(tp, x) - f(tm, x)) / (2 * h);
    }
    MatrixD din_fd(x.rows(), n);
    for (Index i = 0; i < x.size(); ++i) {
      MatrixD xp = x, xm = x;
      xp(i) += h;
      xm(i) -= h;
      din_fd(i) = (f(theta, xp) - f(theta, xm)) / (2 * h);
    }
    INFO(l->name() << ": grad error " << rel(b.grad, grad_fd) << ", delta_in error " << rel(b.delta_in, din_fd));
    if (theta.size() > 0) CHECK(rel(b.grad, grad_fd) <= 1e-9);
    CHECK(rel(b.delta_in, din_fd) <= 1e-9);
    CHECK(b.delta_in.norm() > 0);
  }
}

TEST_CASE("R-forward and R-backward equal central differences of forward and backward", "[nn][conv]") {
  // b = 3 directions at once, direction-major R-blocks (layer.hpp). Along
  // the line (θ + t v_j, x + t r_j, δ + t r_δ,j):
  //   R{out}_j   = d/dt forward            (quadratic in t: FD exact)
  //   hv_j       = d/dt grad,  R{δ_in}_j = d/dt delta_in   (Hessian: all terms)
  // and the GGN's R-backward is the backward pass applied to R{δ}_j alone
  // (the terms carrying δ dropped), at θ and x.
  const double h = 1e-3;
  const Index n = 3, b = 3;
  std::uint64_t seed = 300;
  for (const auto& l : test_layers()) {
    const Index in = l->in_shape().size(), out = l->out_shape().size(), d = l->parameter_count();
    const MatrixD x = layer_input(*l, n, ++seed);
    const VectorD theta = seigh::test::random_matrix(d, 1, ++seed);
    const MatrixD delta = seigh::test::random_matrix(out, n, ++seed);
    const MatrixD v = seigh::test::random_matrix(d, b, ++seed);
    const MatrixD r_in = seigh::test::random_matrix(in, n * b, ++seed);
    const MatrixD r_delta = seigh::test::random_matrix(out, n * b, ++seed);

    nn::LayerCache<double> cache;
    (void)forward(*l, theta, x, &cache);
    MatrixD delta_in(in, n);
    VectorD grad(d);
    l->passes<double>().backward(theta, x, delta, cache, delta_in, grad);

    for (bool has_r_in : {true, false}) {
      const MatrixD r_used = has_r_in ? r_in : MatrixD(in, 0);
      MatrixD r_out(out, n * b);
      l->passes<double>().r_forward(theta, v, x, cache, r_used, r_out);
      for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
        MatrixD r_din(in, n * b), hv(d, b);
        l->passes<double>().r_backward(theta, v, x, delta, cache, r_used, r_delta, r_din, hv, c);
        for (Index j = 0; j < b; ++j) {
          const MatrixD rj = has_r_in ? MatrixD(r_in.middleCols(j * n, n)) : MatrixD::Zero(in, n);
          const MatrixD rdj = r_delta.middleCols(j * n, n);
          INFO(l->name() << " r_in " << has_r_in << " " << nn::name(c) << " direction " << j);
          const VectorD tp = theta + h * v.col(j), tm = theta - h * v.col(j);
          const MatrixD fd_out = (forward(*l, tp, x + h * rj) - forward(*l, tm, x - h * rj)) / (2 * h);
          CHECK(rel(r_out.middleCols(j * n, n), fd_out) <= 1e-9);
          Backward expected;
          if (c == nn::Curvature::hessian) {
            const Backward bp = backward(*l, tp, x + h * rj, delta + h * rdj);
            const Backward bm = backward(*l, tm, x - h * rj, delta - h * rdj);
            expected = {(bp.delta_in - bm.delta_in) / (2 * h), (bp.grad - bm.grad) / (2 * h)};
          } else {
            expected = backward(*l, theta, x, rdj);
          }
          INFO("R{delta_in} error " << rel(r_din.middleCols(j * n, n), expected.delta_in) << ", hv error "
                                    << rel(hv.col(j), expected.grad));
          CHECK(rel(r_din.middleCols(j * n, n), expected.delta_in) <= 1e-9);
          if (d > 0) CHECK(rel(hv.col(j), expected.grad) <= 1e-9);
        }
      }
    }
  }
}

TEST_CASE("Conv init: PyTorch's bound 1/sqrt(C k k) for weight and bias, the documented mapping", "[nn][conv][init]") {
  const nn::Conv2d conv(Shape{3, 8, 8}, 16, Window2d{5, 1, 2});
  const Index d = conv.parameter_count();
  REQUIRE(d == 16 * 3 * 25 + 16);
  const auto state = seigh::random::derive(seigh::random::make_rng_state(9), seigh::random::Stream::init);
  VectorD theta(d);
  conv.init(state, 1000, theta);
  const double bound = 1.0 / std::sqrt(75.0);
  for (Index i = 0; i < d; ++i) CHECK(theta(i) == nn::uniform_parameter(state, 1000 + i, bound));
  CHECK(theta.cwiseAbs().maxCoeff() < bound);
  CHECK(theta.cwiseAbs().maxCoeff() > 0.99 * bound);
}

TEST_CASE("Bad layer geometry is refused", "[nn][conv]") {
  using seigh::test::expect_error;
  const auto has = [](const seigh::Error& e, const std::string& s) {
    INFO(e.what());
    return std::string(e.what()).find(s) != std::string::npos;
  };
  CHECK(has(expect_error([] { nn::Conv2d c(Shape{1, 4, 4}, 2, Window2d{5, 1, 0}); }), "does not fit"));
  CHECK(has(expect_error([] { nn::Conv2d c(Shape{1, 4, 4}, 0, Window2d{3, 1, 0}); }), "output channel"));
  CHECK(has(expect_error([] { nn::Conv2d c(Shape{1, 4, 4}, 2, Window2d{3, 0, 0}); }), "stride >= 1"));
  CHECK(has(expect_error([] { nn::MaxPool2d p(Shape{1, 4, 4}, Window2d{3, 1, 2}); }), "exceeds half the kernel"));
  CHECK(has(expect_error([] { nn::AvgPool2d p(Shape{1, 4, 4}, Window2d{2, 1, 2}); }), "exceeds half the kernel"));
}
