// Model specs, flat parameter layout and default initialisation.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "nn_test_util.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/layers.hpp"
#include "seigh/nn/model.hpp"
#include "seigh/random/rng.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
namespace nn = seigh::nn;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("MLP spec strings round-trip exactly and build the documented layers", "[nn][model]") {
  for (const std::string spec :
       {"mlp(256-20-20-20-20-20-10,tanh)", "mlp(784-3000-3000-10,relu)", "mlp(5-4-3,sigmoid)", "mlp(2-1,gelu)",
        "mlp(7-7-7,softplus)"}) {
    INFO(spec);
    const nn::Model m = nn::parse_model_spec(spec);
    CHECK(m.spec() == spec);
    CHECK(nn::parse_model_spec(m.spec()).spec() == spec);
  }
  const nn::Model m = nn::parse_model_spec("mlp(256-20-20-20-20-20-10,tanh)");
  REQUIRE(m.layer_count() == 11);  // 6 Linear + 5 tanh, none after the last Linear
  CHECK(m.layer(0).name() == "linear(256->20)");
  CHECK(m.layer(1).name() == "tanh");
  CHECK(m.layer(10).name() == "linear(20->10)");
  CHECK(m.parameter_count() == 7030);  // DESIGN.md §1 table: D = 7,030
  CHECK(m.input_size() == 256);
  CHECK(m.output_size() == 10);
  CHECK(m.parameter_offset(2) == 256 * 20 + 20);
  CHECK(m.first_parameter_layer() == 0);

  const std::vector<Index> widths{784, 3000, 3000, 10};
  CHECK(nn::format_mlp_spec(widths, nn::Activation::relu) == "mlp(784-3000-3000-10,relu)");
  CHECK(nn::make_mlp(widths, nn::Activation::relu).parameter_count() == 784 * 3000 + 3000 + 3000 * 3000 + 3000 +
                                                                            3000 * 10 + 10);
}

TEST_CASE("The term grammar nests, so later families (cnn) parse through the same entry point", "[nn][model]") {
  const nn::SpecTerm t = nn::parse_spec_term("cnn(3x32x32,conv(64,3,1,1),relu,maxpool(2),flatten,linear(10))");
  CHECK(t.word == "cnn");
  REQUIRE(t.args.size() == 6);
  CHECK(t.args[1].word == "conv");
  CHECK(t.args[1].call);
  CHECK(t.args[1].args.size() == 4);
  CHECK_FALSE(t.args[4].call);
  // ...and the family dispatch hands it to the cnn family (test_cnn.cpp),
  // which wants all three maxpool arguments.
  const auto e = seigh::test::expect_error(
      [] { (void)nn::parse_model_spec("cnn(3x32x32,conv(64,3,1,1),relu,maxpool(2),flatten,linear(10))"); });
  CHECK(contains(e.what(), "at position 32: expected maxpool(KERNEL,STRIDE,PADDING)"));
}

TEST_CASE("Malformed specs, unknown activations and bad widths are refused with clear errors", "[nn][model]") {
  struct Bad {
    const char* spec;
    const char* message;
  };
  const Bad bad[] = {
      {"", "empty model spec"},
      {"mlp", "expected mlp(W0-W1-...-WL,ACTIVATION)"},
      {"mlp(", "expected a word"},
      {"mlp()", "expected a word"},
      {"mlp(256-10,tanh", "missing ')'"},
      {"mlp(256-10,tanh))", "after the end of the spec"},
      {"mlp(256-10,tanh)x", "after the end of the spec"},
      {"mlp(256-10, tanh)", "expected a word, found ' '"},
      {"mlp(256-10;tanh)", "expected ',' or ')'"},
      {"mlp(256-10,foo)", "unknown activation 'foo'"},
      {"mlp(256-10,Tanh)", "unknown activation 'Tanh'"},
      {"mlp(256,tanh)", "at least 2 widths"},
      {"mlp(256--10,tanh)", "width ''"},
      {"mlp(256-10-,tanh)", "width ''"},
      {"mlp(256-0-10,tanh)", "width '0'"},
      {"mlp(256-010,tanh)", "width '010'"},
      {"mlp(256-x10,tanh)", "width 'x10'"},
      {"mlp(256-99999999999,tanh)", "width '99999999999'"},
      {"mlp(256-10,tanh,relu)", "expected mlp(W0-W1-...-WL,ACTIVATION)"},
      {"mlp(256-10,tanh(1))", "must be a plain word"},
      {"resnet(18)", "unknown model family 'resnet'"},
  };
  for (const Bad& b : bad) {
    INFO("spec '" << b.spec << "'");
    const auto e = seigh::test::expect_error([&] { (void)nn::parse_model_spec(b.spec); });
    INFO("message: " << e.what());
    CHECK(contains(e.what(), b.message));
  }
  const std::vector<Index> one{5};
  CHECK(contains(seigh::test::expect_error([&] { (void)nn::make_mlp(one, nn::Activation::tanh); }).what(),
                 "at least 2 widths"));
}

TEST_CASE("check_data names the mismatching width", "[nn][model]") {
  const nn::Model m = nn::parse_model_spec("mlp(256-20-10,tanh)");
  m.check_data(nn::Shape{256}, 10);  // no throw
  const auto e1 = seigh::test::expect_error([&] { m.check_data(nn::Shape{784}, 10); });
  INFO(e1.what());
  CHECK(contains(e1.what(), "takes 256 input features (its first width) but the data has 784"));
  const auto e2 = seigh::test::expect_error([&] { m.check_data(nn::Shape{256}, 100); });
  INFO(e2.what());
  CHECK(contains(e2.what(), "produces 10 logits (its last width) but the data has 100 classes"));
}

TEST_CASE("Flat layout: per Linear W [out, in] row-major, then b (pinned hand-computed forward)", "[nn][model]") {
  // mlp(3-2-2,relu): W1 = [[1,2,3],[4,5,6]], b1 = [0.5,-20], W2 = [[1,-1],[2,0.5]],
  // b2 = [0.25,-0.75], laid out as PyTorch's parameters_to_vector would.
  const nn::Model m = nn::parse_model_spec("mlp(3-2-2,relu)");
  REQUIRE(m.parameter_count() == 14);
  VectorD theta(14);
  theta << 1, 2, 3, 4, 5, 6, 0.5, -20, 1, -1, 2, 0.5, 0.25, -0.75;
  MatrixD X(3, 2);
  X.col(0) << 1, -1, 2;
  X.col(1) << 0, 0, 4;
  // Sample 0: a1 = [1-2+6+0.5, 4-5+12-20] = [5.5, -9] -> relu [5.5, 0]
  //           f  = [5.5+0.25, 11-0.75] = [5.75, 10.25].
  // Sample 1: a1 = [12+0.5, 24-20] = [12.5, 4] -> relu [12.5, 4]
  //           f  = [12.5-4+0.25, 25+2-0.75] = [8.75, 26.25].
  // (With W read column-major, sample 0 would give a1 = [1-3+10+0.5, ...].)
  const MatrixD f = nn::forward_logits(m, theta, X);
  MatrixD expected(2, 2);
  expected << 5.75, 8.75, 10.25, 26.25;
  INFO("logits\n" << f);
  CHECK((f - expected).cwiseAbs().maxCoeff() == 0.0);  // exact: small integers and halves

  // The gradient lands on the same indices: with MSE (C = 2, N = 2, w = 1/2),
  // ∂L/∂b2 = Σ_i (2/C)(f_i − t_i) · w and ∂L/∂W2[1][0] = Σ_i w (2/C)(f_1i − t_1i) z_0i.
  const std::vector<std::int32_t> y{0, 1};
  VectorD g(14);
  nn::loss_and_gradient(m, theta, X, y, nn::Loss::mse, std::nullopt, g);
  // r = f − onehot: sample 0 [4.75, 10.25], sample 1 [8.75, 25.25]; δ = 0.5 · r.
  CHECK(g(12) == Approx(0.5 * (4.75 + 8.75)).epsilon(1e-15));
  CHECK(g(13) == Approx(0.5 * (10.25 + 25.25)).epsilon(1e-15));
  CHECK(g(10) == Approx(0.5 * (10.25 * 5.5 + 25.25 * 12.5)).epsilon(1e-15));  // W2[1][0] at 8 + 1·2 + 0
  CHECK(g(11) == Approx(0.5 * (25.25 * 4)).epsilon(1e-15));                   // W2[1][1]; sample 0 has z1 = 0
  // W1[1][2] at index 1·3 + 2 = 5: only sample 1 passes unit 1 (relu), x_2 = 4, back-signal Σ_o W2[o][1] δ_o.
  const double back = -1 * 0.5 * 8.75 + 0.5 * 0.5 * 25.25;
  CHECK(g(5) == Approx(back * 4).epsilon(1e-15));
  CHECK(g(7) == Approx(back).epsilon(1e-15));  // b1[1]
}

TEST_CASE("Default init: documented mapping, PyTorch nn.Linear bounds, determinism, addressing", "[nn][init]") {
  const nn::Model m = nn::parse_model_spec("mlp(256-200-10,tanh)");
  const std::uint64_t seed = 1234;
  const VectorD theta = nn::init_parameters<double>(m, seed);
  REQUIRE(theta.size() == m.parameter_count());

  SECTION("each entry is the documented function of (seed, i)") {
    const auto state =
        seigh::random::derive(seigh::random::make_rng_state(seed), seigh::random::Stream::init);
    for (Index i : {Index{0}, Index{1}, Index{51199}, Index{51200}, Index{51399}, Index{51400}, Index{53409}}) {
      const double bound = i < 51400 ? 1.0 / 16.0 : 1.0 / std::sqrt(200.0);
      const auto w = seigh::random::draw(state, static_cast<std::uint64_t>(i), 0);
      const double u = seigh::random::uniform_open01(w[0], w[1]);
      INFO("i = " << i);
      CHECK(theta(i) == bound * (2 * u - 1));
    }
  }

  SECTION("bounds ±1/sqrt(fan_in) and the moments of U(-c, c)") {
    struct Block {
      Index offset, count;
      double bound;
    };
    // W1 (51200), b1 (200) with fan_in 256; W2 (2000) with fan_in 200.
    const Block blocks[] = {{0, 51200, 1.0 / 16}, {51200, 200, 1.0 / 16}, {51400, 2000, 1.0 / std::sqrt(200.0)}};
    for (const Block& b : blocks) {
      const VectorD x = theta.segment(b.offset, b.count);
      INFO("block at " << b.offset << ": max |x| " << x.cwiseAbs().maxCoeff() << " bound " << b.bound);
      CHECK(x.cwiseAbs().maxCoeff() < b.bound);
      const double mean = x.mean();
      const double var = (x.array() - mean).square().mean();
      const double sd = b.bound / std::sqrt(3.0);
      INFO("mean " << mean << " var " << var << " expected var " << sd * sd);
      // 5 standard errors: sd/sqrt(n) for the mean; the variance of x² under
      // U(-c, c) is 4c⁴/45, so the sample variance's relative error is
      // sqrt(4/45)·3/sqrt(n) ≈ 0.89/sqrt(n).
      const double n = static_cast<double>(b.count);
      CHECK(std::abs(mean) < 5 * sd / std::sqrt(n));
      CHECK(std::abs(var / (sd * sd) - 1) < 5 * 0.9 / std::sqrt(n));
    }
    // The range is used up to the bound (not a smaller one).
    CHECK(theta.head(51200).cwiseAbs().maxCoeff() > 0.999 / 16);
  }

  SECTION("deterministic; seed and user stream matter") {
    CHECK(nn::init_parameters<double>(m, seed) == theta);
    CHECK((nn::init_parameters<double>(m, seed + 1) - theta).cwiseAbs().minCoeff() > 0);
    CHECK((nn::init_parameters<double>(m, seed, 1) - theta).cwiseAbs().minCoeff() > 0);
    // float parameters are the double ones rounded.
    CHECK(nn::init_parameters<float>(m, seed) == theta.cast<float>());
  }

  SECTION("addressed by global index: shared leading layers and activations do not matter") {
    const VectorD other = nn::init_parameters<double>(nn::parse_model_spec("mlp(256-200-3,relu)"), seed);
    CHECK(other.head(51400) == theta.head(51400));
    // Appending a layer leaves every existing parameter as it was.
    const VectorD longer = nn::init_parameters<double>(nn::parse_model_spec("mlp(256-200-10-7,tanh)"), seed);
    CHECK(longer.head(theta.size()) == theta);
    // A different fan-in only rescales: the same u at the same index i.
    const VectorD other_fan = nn::init_parameters<double>(nn::parse_model_spec("mlp(255-200-10,tanh)"), seed);
    const double ratio_err =
        (other_fan.head(255) * std::sqrt(255.0) - theta.head(255) * 16.0).cwiseAbs().maxCoeff();
    INFO("max |u-difference| " << ratio_err);
    CHECK(ratio_err <= 1e-15);
  }
}

TEST_CASE("Layer shape chaining is checked when a model is assembled by hand", "[nn][model]") {
  std::vector<std::shared_ptr<const nn::Layer>> layers{std::make_shared<nn::Linear>(4, 3),
                                                       std::make_shared<nn::Linear>(2, 1)};
  const auto e = seigh::test::expect_error([&] { nn::Model m(layers, "custom"); });
  INFO(e.what());
  CHECK(contains(e.what(), "takes shape 2 but layer 0 (linear(4->3)) produces 3"));
  CHECK(contains(seigh::test::expect_error([] { nn::Linear l(0, 3); }).what(), "positive sizes"));
}
