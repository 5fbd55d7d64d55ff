// Loss values, gradients against central finite differences, activation
// derivatives, bad input and non-finite detection.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "nn_test_util.hpp"
#include "seigh/nn/activation.hpp"
#include "seigh/nn/derivatives.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
namespace nn = seigh::nn;
using seigh::test::Batch;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string mlp_spec(nn::Activation a) { return "mlp(5-4-3-3," + std::string(nn::name(a)) + ")"; }

}  // namespace

TEST_CASE("Activation derivatives match finite differences of the activation", "[nn][activation]") {
  // σ' vs central differences of σ and σ'' vs central differences of σ', at
  // points away from relu's kink and softplus's threshold. h = 1e-5: the
  // truncation error is O(h²)·|σ'''| ≈ 1e-10, rounding ≈ 1e-16/h ≈ 1e-11;
  // tolerance 1e-8 absolute.
  const double h = 1e-5;
  for (nn::Activation a : seigh::test::kAllActivations) {
    for (double x : {-3.1, -1.2, -0.3, 0.2, 0.7, 1.9, 4.2, 19.0, 25.0}) {
      const auto v = nn::evaluate(a, x);
      const auto vp = nn::evaluate(a, x + h);
      const auto vm = nn::evaluate(a, x - h);
      INFO(nn::name(a) << " at x = " << x << ": d1 " << v.d1 << " fd " << (vp.value - vm.value) / (2 * h) << ", d2 "
                       << v.d2 << " fd " << (vp.d1 - vm.d1) / (2 * h));
      CHECK(std::abs(v.d1 - (vp.value - vm.value) / (2 * h)) < 1e-8);
      CHECK(std::abs(v.d2 - (vp.d1 - vm.d1) / (2 * h)) < 1e-8);
    }
  }
  // Reference values (PyTorch's definitions): gelu(1) = Φ(1) = 0.841344746...,
  // softplus(30) = 30 (threshold), softplus(0) = log 2, sigmoid(-800) finite.
  CHECK(nn::evaluate(nn::Activation::gelu, 1.0).value == Approx(0.8413447460685429).epsilon(1e-15));
  CHECK(nn::evaluate(nn::Activation::softplus, 30.0).value == 30.0);
  CHECK(nn::evaluate(nn::Activation::softplus, 0.0).value == Approx(std::log(2.0)).epsilon(1e-15));
  CHECK(nn::evaluate(nn::Activation::sigmoid, -800.0).value == 0.0);
  CHECK(nn::evaluate(nn::Activation::relu, 0.0).d1 == 0.0);
}

TEST_CASE("Loss values: stable log-sum-exp cross-entropy and PyTorch-mean MSE", "[nn][loss]") {
  // Logits 2 x ... by hand: F = [[1000, 0], [0, 1]] (C = 2, N = 2), y = [1, 1].
  MatrixD f(2, 2);
  f << 1000, 0, 0, 1;
  const std::vector<std::int32_t> y{1, 1};
  // CE: sample 0: lse = 1000 + log(1 + e^-1000) = 1000 -> ℓ = 1000; sample 1:
  // log(1 + e) − 1. Mean over N = 2.
  const double ce = nn::loss_value<double>(nn::Loss::cross_entropy, f, y, 0.5);
  CHECK(ce == Approx(0.5 * (1000 + std::log1p(std::exp(1.0)) - 1)).epsilon(1e-14));
  // MSE against one-hot [0,1]: sample 0: (1000² + 1)/2, sample 1: (0 + 0)/2;
  // mean over all N·C = 4 entries = w Σ_i Σ_c r²/C with w = 1/N.
  const double mse = nn::loss_value<double>(nn::Loss::mse, f, y, 0.5);
  CHECK(mse == Approx((1000.0 * 1000.0 + 1.0) / 4.0).epsilon(1e-15));
}

TEST_CASE("Gradient matches central finite differences for every activation and loss", "[nn][gradient]") {
  // Double precision, h = 1e-5: truncation O(h²·L''') ≈ 1e-10 and rounding
  // ≈ ε·L/h ≈ 1e-11 relative to a gradient of norm ~0.1–1, so a relative
  // error ≤ 1e-6 (the bound) leaves 4 orders of margin.
  const Batch batch = seigh::test::random_batch(5, 7, 3, 11);
  for (nn::Activation a : seigh::test::kAllActivations) {
    const nn::Model m = nn::parse_model_spec(mlp_spec(a));
    const VectorD theta = seigh::test::test_theta(m, 5);
    for (nn::Loss loss : seigh::test::kAllLosses) {
      VectorD g(m.parameter_count());
      const double value = nn::loss_and_gradient(m, theta, batch.X, batch.y, loss, std::nullopt, g);
      CHECK(value == Approx(nn::evaluate_loss(m, theta, batch.X, batch.y, loss)).epsilon(1e-14));
      const VectorD fd = seigh::test::fd_gradient(m, theta, batch, loss, 1e-5);
      const double rel = (g - fd).norm() / fd.norm();
      INFO(m.spec() << " " << nn::name(loss) << ": |g| = " << g.norm() << ", relative error " << rel);
      CHECK(rel <= 1e-6);
      CHECK(g.norm() > 1e-3);  // not a trivially zero gradient
    }
  }
}

TEST_CASE("The weight scales the loss: shards with w = 1/N_total sum to the full batch", "[nn][gradient]") {
  const nn::Model m = nn::parse_model_spec("mlp(5-4-3,tanh)");
  const VectorD theta = seigh::test::test_theta(m, 3);
  const Batch batch = seigh::test::random_batch(5, 9, 3, 4);
  for (nn::Loss loss : seigh::test::kAllLosses) {
    VectorD g(m.parameter_count()), g1(m.parameter_count()), g2(m.parameter_count());
    const double full = nn::loss_and_gradient(m, theta, batch.X, batch.y, loss, std::nullopt, g);
    const std::vector<std::int32_t> y1(batch.y.begin(), batch.y.begin() + 4), y2(batch.y.begin() + 4, batch.y.end());
    const double l1 = nn::loss_and_gradient(m, theta, batch.X.leftCols(4), y1, loss, 1.0 / 9, g1);
    const double l2 = nn::loss_and_gradient(m, theta, batch.X.rightCols(5), y2, loss, 1.0 / 9, g2);
    INFO(nn::name(loss) << ": full " << full << " shards " << l1 + l2);
    // Only summation order differs: 1e-14 relative.
    CHECK(l1 + l2 == Approx(full).epsilon(1e-14));
    CHECK((g1 + g2 - g).norm() <= 1e-14 * g.norm());
  }
}

TEST_CASE("Bad input is refused with clear errors", "[nn][errors]") {
  const nn::Model m = nn::parse_model_spec("mlp(5-4-3,tanh)");
  const VectorD theta = seigh::test::test_theta(m, 1);
  const Batch batch = seigh::test::random_batch(5, 6, 3, 2);
  VectorD g(m.parameter_count());
  auto message = [](auto&& body) { return std::string(seigh::test::expect_error(body).what()); };

  CHECK(contains(message([&] { (void)nn::linearize(m, theta, MatrixD(5, 0), {}, nn::Loss::mse); }), "empty batch"));
  CHECK(contains(message([&] { (void)nn::linearize(m, theta, MatrixD::Zero(6, 2), std::vector<std::int32_t>{0, 1},
                                                   nn::Loss::mse); }),
                 "6 features per sample but model mlp(5-4-3,tanh) takes 5"));
  std::vector<std::int32_t> y = batch.y;
  y[3] = 3;
  CHECK(contains(message([&] { nn::loss_and_gradient(m, theta, batch.X, y, nn::Loss::cross_entropy, {}, g); }),
                 "label 3 of sample 3 is outside [0, 3)"));
  y[3] = -1;
  CHECK(contains(message([&] { (void)nn::evaluate_loss(m, theta, batch.X, y, nn::Loss::mse); }),
                 "label -1 of sample 3"));
  CHECK(contains(message([&] {
                   (void)nn::linearize(m, theta, batch.X, std::span(batch.y).first(5), nn::Loss::mse);
                 }),
                 "6 samples but 5 labels"));
  CHECK(contains(message([&] { (void)nn::linearize(m, VectorD(theta.head(10)), batch.X, batch.y, nn::Loss::mse); }),
                 "theta has 10 entries but model mlp(5-4-3,tanh) has 39 parameters"));
  CHECK(contains(message([&] { (void)nn::linearize(m, theta, batch.X, batch.y, nn::Loss::mse, -1.0); }),
                 "weight must be finite and positive"));
  CHECK(contains(message([] { (void)nn::parse_loss("nll"); }), "unknown loss 'nll'"));
  CHECK(contains(message([] { (void)nn::parse_activation("swish"); }), "unknown activation 'swish'"));
  CHECK(contains(message([] { (void)nn::parse_curvature("fisher"); }), "unknown curvature 'fisher'"));

  const auto lin = nn::linearize(m, theta, batch.X, batch.y, nn::Loss::mse);
  MatrixD hv(m.parameter_count(), 2);
  CHECK(contains(message([&] { nn::hvp(lin, MatrixD::Zero(7, 2), hv); }), "V has 7 rows, expected D = 39"));
  CHECK(contains(message([&] { nn::hvp(lin, MatrixD::Zero(39, 3), hv); }), "HV is 39 x 2, expected 39 x 3"));
}

TEST_CASE("Non-finite values are reported, not propagated", "[nn][errors]") {
  const nn::Model m = nn::parse_model_spec("mlp(5-4-3,softplus)");
  const Batch batch = seigh::test::random_batch(5, 6, 3, 2);
  VectorD g(m.parameter_count());
  auto message = [](auto&& body) { return std::string(seigh::test::expect_error(body).what()); };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();

  VectorD theta = seigh::test::test_theta(m, 1);
  theta(25) = nan;  // layer 2 = linear(4->3) starts at 24
  const std::string e1 = message([&] { nn::loss_and_gradient(m, theta, batch.X, batch.y, nn::Loss::mse, {}, g); });
  INFO(e1);
  CHECK(contains(e1, "theta contains non-finite values in the parameters of layer 2 (linear(4->3))"));

  // Overflow inside the net: weights of 1e308 on inputs of 1 make the first
  // Linear's output 5e308 = inf; softplus(inf) = inf, then inf − inf = NaN.
  theta = seigh::test::test_theta(m, 1);
  theta.head(20).setConstant(1e308);
  const MatrixD ones = MatrixD::Ones(5, 6);
  const std::string e2 = message([&] { nn::loss_and_gradient(m, theta, ones, batch.y, nn::Loss::mse, {}, g); });
  INFO(e2);
  CHECK(contains(e2, "the loss is not finite"));
  CHECK(contains(e2, "first non-finite values in the output of layer 0 (linear(5->4))"));

  // Float overflow of a problem that is finite in double: θ = 1e38 on inputs
  // of 1 gives logits 5e38 + 1e38 > FLT_MAX (3.4e38).
  {
    const nn::Model lin_model = nn::parse_model_spec("mlp(5-3,relu)");
    seigh::VectorF tf = seigh::VectorF::Constant(lin_model.parameter_count(), 1e38f);
    seigh::VectorF gf(lin_model.parameter_count());
    const seigh::MatrixF xf = seigh::MatrixF::Ones(5, 6);
    const std::string e3 =
        message([&] { nn::loss_and_gradient(lin_model, tf, xf, batch.y, nn::Loss::mse, {}, gf); });
    INFO(e3);
    CHECK(contains(e3, "the loss is not finite"));
    CHECK(contains(e3, "output of layer 0 (linear(5->3))"));
    VectorD gd(lin_model.parameter_count());
    CHECK(std::isfinite(nn::loss_and_gradient(lin_model, VectorD(tf.cast<double>()), MatrixD::Ones(5, 6), batch.y,
                                              nn::Loss::mse, {}, gd)));
  }

  // HVP with a non-finite direction.
  theta = seigh::test::test_theta(m, 1);
  const auto lin = nn::linearize(m, theta, batch.X, batch.y, nn::Loss::cross_entropy);
  MatrixD v = MatrixD::Ones(m.parameter_count(), 2);
  v(30, 1) = inf;
  MatrixD hv(m.parameter_count(), 2);
  const std::string e4 = message([&] { nn::hvp(lin, v, hv); });
  INFO(e4);
  CHECK(contains(e4, "Hessian-vector product is not finite"));
  CHECK(contains(e4, "the directions V contain non-finite values"));
}
