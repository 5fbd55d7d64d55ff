// Small CNNs end to end (conv, activations, max and average pooling,
// flatten, linear; stride 2, padding, odd sizes): gradients and Hessian-
// vector products against central differences, the Gauss–Newton product
// against a dense Jᵀ H_loss J, blocks against single products, float
// against double; and the cnn(...) spec grammar with the 3c3d preset.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "nn_test_util.hpp"
#include "seigh/nn/conv_layers.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/hvp_flops.hpp"
#include "seigh/nn/layers.hpp"
#include "seigh/nn/model.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
namespace nn = seigh::nn;
using seigh::test::Batch;

namespace {

// A: conv stride 2 + padding, tanh, overlapping max pool with padding, a
//    second conv (padding 1, k = 2), softplus, average pool with padding;
//    2x9x7 → 3x5x4 → 3x3x2 → 4x4x3 → 4x2x2 → 16 → 5. D = 194.
// B: relu and gelu, non-overlapping average pool, stride-1 max pool, a
//    sigmoid between two linears; 1x8x8 → 4x6x6 → 4x3x3 → 3x3x3 → 3x2x2 → 6 → 3. D = 250.
// C: a parameterless first layer (average pool on the data), then a conv
//    without R{input}: 2x6x5 → 2x5x4 → 3x3x3 → 4. D = 139.
const char* const kSpecA =
    "cnn(2x9x7,conv(3,3,2,1),tanh,maxpool(3,2,1),conv(4,2,1,1),softplus,avgpool(3,2,1),flatten,linear(5))";
const char* const kSpecB =
    "cnn(1x8x8,conv(4,3,1,0),relu,avgpool(2,2,0),conv(3,3,1,1),gelu,maxpool(2,1,0),flatten,linear(6),sigmoid,"
    "linear(3))";
const char* const kSpecC = "cnn(2x6x5,avgpool(2,1,0),conv(3,2,2,1),sigmoid,flatten,linear(4))";

struct Net {
  nn::Model model;
  Batch batch;
  VectorD theta;
};

Net make_net(const char* spec, Index n, std::uint64_t seed) {
  nn::Model m = nn::parse_model_spec(spec);
  Batch batch = seigh::test::random_batch(m.input_size(), n, m.output_size(), seed);
  VectorD theta = seigh::test::test_theta(m, seed + 1);
  return {std::move(m), std::move(batch), std::move(theta)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("CNN shapes and parameter counts are PyTorch's", "[nn][cnn]") {
  const nn::Model a = nn::parse_model_spec(kSpecA);
  CHECK(a.parameter_count() == 194);
  CHECK(a.layer(2).out_shape() == nn::Shape{3, 3, 2});
  CHECK(a.layer(5).out_shape() == nn::Shape{4, 2, 2});
  CHECK(nn::parse_model_spec(kSpecB).parameter_count() == 250);
  const nn::Model c = nn::parse_model_spec(kSpecC);
  CHECK(c.parameter_count() == 139);
  CHECK(c.first_parameter_layer() == 1);
}

TEST_CASE("CNN gradients match central differences of the loss", "[nn][cnn]") {
  // h = 1e-5: truncation h²|L'''| ≈ 1e-10, rounding ε|L|/h ≈ 1e-11;
  // tolerance 1e-6 relative (as for the MLPs).
  for (const char* spec : {kSpecA, kSpecB, kSpecC}) {
    const Net net = make_net(spec, 5, 11);
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const VectorD g = seigh::test::gradient(net.model, net.theta, net.batch, loss);
      const VectorD fd = seigh::test::fd_gradient(net.model, net.theta, net.batch, loss, 1e-5);
      const double rel = (g - fd).norm() / fd.norm();
      INFO(spec << " " << nn::name(loss) << ": |g| = " << fd.norm() << ", relative error " << rel);
      CHECK(rel <= 1e-6);
    }
  }
}

TEST_CASE("CNN Hessian-vector products match central differences of the gradient", "[nn][cnn][hvp]") {
  // Random unit directions, h = 1e-4: truncation O(h²) ≈ 1e-8 relative,
  // rounding ε|g|/h ≈ 1e-12; tolerance 1e-6 relative per column.
  for (const char* spec : {kSpecA, kSpecB, kSpecC}) {
    const Net net = make_net(spec, 6, 21);
    MatrixD v = seigh::test::random_matrix(net.model.parameter_count(), 3, 22);
    v.colwise().normalize();
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, loss);
      MatrixD hv(net.model.parameter_count(), 3);
      nn::hvp(lin, v, hv);
      for (Index j = 0; j < 3; ++j) {
        const VectorD fd = seigh::test::fd_hvp(net.model, net.theta, net.batch, loss, v.col(j), 1e-4);
        const double rel = (hv.col(j) - fd).norm() / fd.norm();
        INFO(spec << " " << nn::name(loss) << " direction " << j << ": |Hv| = " << fd.norm() << ", relative error "
                  << rel);
        CHECK(rel <= 1e-6);
      }
    }
  }
}

TEST_CASE("CNN dense Hessian from block products equals the finite-difference Hessian", "[nn][cnn][hvp]") {
  // All D unit vectors in blocks of 9 (last block partial), FD Hessian
  // column by column with h = 1e-4; 1e-6 relative (Frobenius).
  const Net net = make_net(kSpecA, 5, 31);
  const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
  const MatrixD h = seigh::test::dense_by_blocks(lin, 9, nn::Curvature::hessian);
  const Index d = net.model.parameter_count();
  MatrixD fd(d, d);
  for (Index i = 0; i < d; ++i)
    fd.col(i) = seigh::test::fd_hvp(net.model, net.theta, net.batch, nn::Loss::cross_entropy, VectorD::Unit(d, i), 1e-4);
  const double rel = (h - fd).norm() / fd.norm();
  const double asym = (h - h.transpose()).norm() / h.norm();
  INFO("relative error " << rel << ", asymmetry " << asym);
  CHECK(rel <= 1e-6);
  CHECK(asym <= 1e-13);
}

TEST_CASE("CNN Gauss-Newton products equal a dense J' H_loss J", "[nn][cnn][ggn]") {
  // seigh::test::ggn_reference (J by central differences, error ≈ 1e-10;
  // H_loss in closed form); tolerance 1e-7 relative (Frobenius).
  for (const char* spec : {kSpecA, kSpecB, kSpecC}) {
    const Net net = make_net(spec, 4, 41);
    const nn::Model& m = net.model;
    const Index d = m.parameter_count();
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const MatrixD g_ref = seigh::test::ggn_reference(m, net.theta, net.batch.X, loss);
      const auto lin = nn::linearize(m, net.theta, net.batch.X, net.batch.y, loss);
      const MatrixD g = seigh::test::dense_by_blocks(lin, d, nn::Curvature::ggn);
      const MatrixD hess = seigh::test::dense_by_blocks(lin, d, nn::Curvature::hessian);
      const double rel = (g - g_ref).norm() / g_ref.norm();
      const Eigen::SelfAdjointEigenSolver<MatrixD> eig(0.5 * (g + g.transpose()));
      INFO(spec << " " << nn::name(loss) << ": relative error " << rel << ", |H - G|/|G| "
                << (hess - g).norm() / g.norm());
      CHECK(rel <= 1e-7);
      CHECK((g - g.transpose()).norm() <= 1e-13 * g.norm());
      CHECK(eig.eigenvalues().minCoeff() >= -1e-12 * eig.eigenvalues().maxCoeff());
      CHECK((hess - g).norm() > 1e-3 * g.norm());  // the dropped terms matter on these nets
    }
  }
}

TEST_CASE("A CNN block of b directions equals b single products", "[nn][cnn][hvp]") {
  // Same arithmetic per direction; GEMM blocking may reorder sums: 1e-12.
  // The third net is large enough that Conv2d splits the 5 directions into
  // groups (conv_layers.hpp, 16 MiB per buffer): first conv P·N·K·8 B =
  // 1600·8·36·8 = 3.7 MB per direction → groups of 4 and 1; second conv
  // K = 72 → groups of 2, 2, 1.
  const char* const big = "cnn(4x40x40,conv(8,3,1,1),tanh,conv(8,3,1,1),relu,maxpool(4,4,0),flatten,linear(3))";
  for (const char* spec : {kSpecA, kSpecB, kSpecC, big}) {
    const Net net = make_net(spec, 8, 51);
    const Index d = net.model.parameter_count(), b = 5;
    const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
    const MatrixD v = seigh::test::random_matrix(d, b, 52);
    for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
      MatrixD block(d, b);
      nn::hvp(lin, v, block, c);
      for (Index j = 0; j < b; ++j) {
        VectorD single(d);
        nn::hvp(lin, v.col(j), single, c);
        const double rel = (block.col(j) - single).norm() / single.norm();
        INFO(spec << " " << nn::name(c) << " column " << j << ": relative difference " << rel);
        CHECK(rel <= 1e-12);
      }
      nn::HvpWorkspace<double> ws;
      MatrixD again(d, b), third(d, b);
      nn::hvp(lin, v, again, c, &ws);
      nn::hvp(lin, v, third, c, &ws);
      CHECK(again == block);
      CHECK(third == block);
    }
  }
}

TEST_CASE("One workspace reused across b, N and models gives products bit-identical to fresh ones",
          "[nn][cnn][hvp]") {
  // The workspace's buffers keep their largest capacity (never shrunk) and
  // the R{δ} pair is sized for the largest layer: whatever a previous call
  // left in them, every product must equal the one computed with fresh
  // memory exactly (same arithmetic, same alignment). Layer sizes vary from
  // 4 to 12,800 rows here; b and N go up and down.
  const char* const big = "cnn(4x40x40,conv(8,3,1,1),tanh,conv(8,3,1,1),relu,maxpool(4,4,0),flatten,linear(3))";
  nn::HvpWorkspace<double> ws;
  nn::HvpWorkspace<float> ws_f;
  Index largest = 0;
  for (const char* spec : {big, kSpecA, "mlp(5-4-3-3,tanh)", kSpecC, kSpecB, big}) {
    for (Index n : {Index{8}, Index{3}}) {
      const Net net = make_net(spec, n, 71);
      const Index d = net.model.parameter_count();
      const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
      const auto lin_f = nn::linearize(net.model, seigh::VectorF(net.theta.cast<float>()),
                                       seigh::MatrixF(net.batch.X.cast<float>()), net.batch.y,
                                       nn::Loss::cross_entropy);
      for (Index b : {Index{5}, Index{1}, Index{7}, Index{2}}) {
        INFO(spec << " N=" << n << " b=" << b);
        const MatrixD v = seigh::test::random_matrix(d, b, 72 + static_cast<std::uint64_t>(b));
        for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
          MatrixD fresh(d, b), reused(d, b);
          nn::hvp(lin, v, fresh, c);
          nn::hvp(lin, v, reused, c, &ws);
          CHECK(reused == fresh);
        }
        const seigh::MatrixF vf = v.cast<float>();
        seigh::MatrixF fresh_f(d, b), reused_f(d, b);
        nn::hvp(lin_f, vf, fresh_f);
        nn::hvp(lin_f, vf, reused_f, nn::Curvature::hessian, &ws_f);
        CHECK(reused_f == fresh_f);
        // Capacity: at least this call's need (pass_footprint), and it never shrinks.
        const Index need = n * b * nn::pass_footprint<double>(net.model).r_pass / Index{sizeof(double)};
        CHECK(ws.capacity() >= need);
        CHECK(ws.capacity() >= largest);
        largest = ws.capacity();
      }
    }
  }
}

TEST_CASE("pass_footprint: the workspace of one call is exactly r_pass per sample and direction", "[nn][cnn]") {
  // A fresh workspace grows to exactly the buffers one call needs: the
  // R-outputs of the layers from the first parameterised one on, and two
  // R{δ} buffers of the largest δ. kSpecC starts with a parameterless pool.
  for (const char* spec : {kSpecA, kSpecB, kSpecC, "mlp(5-4-3-3,tanh)"}) {
    const Net net = make_net(spec, 6, 81);
    const nn::PassFootprint f = nn::pass_footprint<double>(net.model);
    const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
    const Index d = net.model.parameter_count(), b = 3;
    nn::HvpWorkspace<double> ws;
    MatrixD hv(d, b);
    nn::hvp(lin, seigh::test::random_matrix(d, b, 82), hv, nn::Curvature::hessian, &ws);
    INFO(spec << ": capacity " << ws.capacity() << " scalars, r_pass " << f.r_pass << " bytes");
    CHECK(ws.capacity() * Index{sizeof(double)} == 6 * b * f.r_pass);
    // The forward peak is one layer's input, output (twice) and cache: no
    // more than the linearisation's total, and at least the largest layer
    // output plus its input.
    Index widest = 0;
    for (std::size_t i = 0; i < net.model.layer_count(); ++i)
      widest = std::max(widest, net.model.layer(i).in_shape().size() + 2 * net.model.layer(i).out_shape().size());
    CHECK(f.forward_peak >= widest * Index{sizeof(double)});
    CHECK(f.forward_peak <= f.linearization + widest * Index{sizeof(double)});
    CHECK(nn::pass_footprint<float>(net.model).r_pass * 2 == f.r_pass);
  }
  // mlp(5-4-3-3,tanh) by hand: R-outputs 4+4+3+3+3 = 17 rows, R{δ} max(3, 4, 3, 4, 3) = 4 rows → (17 + 8) · 8 B.
  CHECK(nn::pass_footprint<double>(nn::parse_model_spec("mlp(5-4-3-3,tanh)")).r_pass == 25 * 8);
}

TEST_CASE("forward_logits (cache-free) equals linearize's logits bit for bit", "[nn][cnn]") {
  for (const char* spec : {kSpecA, kSpecB, kSpecC}) {
    const Net net = make_net(spec, 7, 91);
    const auto lin = nn::linearize(net.model, net.theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
    CHECK(nn::forward_logits(net.model, net.theta, net.batch.X) == lin.logits());
  }
}

TEST_CASE("float32 CNN products are close to the float64 ones", "[nn][cnn][float]") {
  // Float rounding ε_f ≈ 6e-8 through ~10 layers and sums of ≤ 100 terms:
  // expect ~1e-6; tolerance 1e-4 relative, far below any wrong term.
  for (const char* spec : {kSpecA, kSpecB}) {
    const Net net = make_net(spec, 16, 61);
    const Index d = net.model.parameter_count();
    const VectorD theta = net.theta / 2;
    const MatrixD v = seigh::test::random_matrix(d, 4, 62);
    const auto lin_d = nn::linearize(net.model, theta, net.batch.X, net.batch.y, nn::Loss::cross_entropy);
    const auto lin_f = nn::linearize(net.model, seigh::VectorF(theta.cast<float>()),
                                     seigh::MatrixF(net.batch.X.cast<float>()), net.batch.y, nn::Loss::cross_entropy);
    CHECK((lin_f.gradient().cast<double>() - lin_d.gradient()).norm() <= 1e-4 * lin_d.gradient().norm());
    for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
      MatrixD hd(d, 4);
      seigh::MatrixF hf(d, 4);
      nn::hvp(lin_d, v, hd, c);
      nn::hvp(lin_f, seigh::MatrixF(v.cast<float>()), hf, c);
      const double rel = (hf.cast<double>() - hd).norm() / hd.norm();
      INFO(spec << " " << nn::name(c) << ": float vs double " << rel);
      CHECK(rel <= 1e-4);
    }
  }
}

TEST_CASE("hvp_flops counts the documented conv GEMMs", "[nn][cnn][flops]") {
  // Net C: the conv is the first parameterised layer (2 products: Col V_j,
  // Colᵀ R{Δ}_j), the linear a later one (6 products; GGN 4).
  const nn::Model m = nn::parse_model_spec(kSpecC);
  const double n = 10, b = 3;
  const double conv = 2.0 * 9 * 8 * 3 * n * b;  // 2·P·K·O·N·b, P = 3·3, K = 2·2·2, O = 3
  const double lin = 2.0 * 27 * 4 * n * b;
  CHECK(nn::hvp_flops(m, 10, 3) == Approx(2 * conv + 6 * lin).epsilon(1e-15));
  CHECK(nn::hvp_flops(m, 10, 3, nn::Curvature::ggn) == Approx(2 * conv + 4 * lin).epsilon(1e-15));
  CHECK(nn::linearize_flops(m, 10) == Approx((2 * conv + 3 * lin) / b).epsilon(1e-15));
  // A conv behind another parameterised layer: 6 products (GGN 4).
  const nn::Model a = nn::parse_model_spec(kSpecA);
  const double c1 = 2.0 * 20 * 18 * 3 * n * b, c2 = 2.0 * 12 * 12 * 4 * n * b, l = 2.0 * 16 * 5 * n * b;
  CHECK(nn::hvp_flops(a, 10, 3) == Approx(2 * c1 + 6 * c2 + 6 * l).epsilon(1e-15));
  CHECK(nn::hvp_flops(a, 10, 3, nn::Curvature::ggn) == Approx(2 * c1 + 4 * c2 + 4 * l).epsilon(1e-15));
}

// ------------------------------------------------------------------ specs

TEST_CASE("cnn specs round-trip exactly; the 3c3d preset expands to its canonical spec", "[nn][model][cnn]") {
  for (const std::string spec :
       {std::string(kSpecA), std::string(kSpecB), std::string(kSpecC), std::string("cnn(3x32x32,conv(16,3,1,1),flatten,linear(10))"),
        std::string("cnn(1x4x4,avgpool(4,1,0))"), std::string("cnn(10x1x1,flatten)"),
        std::string("cnn(784x1x1,linear(10))")}) {
    INFO(spec);
    const nn::Model m = nn::parse_model_spec(spec);
    CHECK(m.spec() == spec);
    CHECK(nn::parse_model_spec(m.spec()).spec() == spec);
  }
  const std::string expanded =
      "cnn(1x28x28,conv(64,5,1,0),relu,maxpool(3,2,1),conv(96,3,1,0),relu,maxpool(3,2,1),conv(128,3,1,1),relu,"
      "maxpool(3,2,1),flatten,linear(512),relu,linear(256),relu,linear(10))";
  const nn::Model p = nn::parse_model_spec("3c3d");
  CHECK(p.spec() == expanded);
  CHECK(nn::model_preset("3c3d") == expanded);
  CHECK_FALSE(nn::model_preset("mlp").has_value());
  // 1664 + 55,392 + 110,720 + 1152·512 + 512 + 512·256 + 256 + 2570.
  CHECK(p.parameter_count() == 892010);
  CHECK(p.layer(2).out_shape() == nn::Shape{64, 12, 12});
  CHECK(p.layer(5).out_shape() == nn::Shape{96, 5, 5});
  CHECK(p.layer(8).out_shape() == nn::Shape{128, 3, 3});
  // The same layers on CIFAR-10's 3x32x32 give DeepOBS's cifar10_3c3d count
  // (DESIGN.md §1: 895,210), which pins the layer sizes independently.
  std::string cifar = expanded;
  cifar.replace(cifar.find("1x28x28"), 7, "3x32x32");
  CHECK(nn::parse_model_spec(cifar).parameter_count() == 895210);
  // Built programmatically: the same spec and layers.
  using K = nn::CnnLayer::Kind;
  const std::vector<nn::CnnLayer> layers{{K::conv, 8, {3, 2, 1}, nn::Activation::relu},
                                         {K::activation, 0, {}, nn::Activation::tanh},
                                         {K::avgpool, 0, {2, 2, 0}, nn::Activation::relu},
                                         {K::flatten, 0, {}, nn::Activation::relu},
                                         {K::linear, 10, {}, nn::Activation::relu}};
  const nn::Model built = nn::make_cnn(nn::Shape{1, 16, 16}, layers);
  CHECK(built.spec() == "cnn(1x16x16,conv(8,3,2,1),tanh,avgpool(2,2,0),flatten,linear(10))");
  CHECK(built.parameter_count() == 8 * 9 + 8 + 8 * 4 * 4 * 10 + 10);
  CHECK(nn::parse_model_spec(built.spec()).describe() == built.describe());
}

TEST_CASE("Malformed cnn specs are refused with the position and the problem", "[nn][model][cnn]") {
  struct Bad {
    const char* spec;
    const char* message;
  };
  const Bad bad[] = {
      {"cnn", "at position 0: expected cnn(CxHxW,LAYER,...)"},
      {"cnn(1x28x28)", "at position 0: expected cnn(CxHxW,LAYER,...)"},
      {"cnn(1x28,flatten)", "at position 4: the input shape '1x28' must be CxHxW"},
      {"cnn(1x028x28,flatten)", "at position 6: input dimension '028'"},
      {"cnn(1x0x28,flatten)", "at position 6: input dimension '0'"},
      {"cnn(1x8x8,conv(4,3,1),flatten)", "at position 10: expected conv(OUT_CHANNELS,KERNEL,STRIDE,PADDING)"},
      {"cnn(1x8x8,conv(4,3,01,0),flatten)", "at position 19: conv stride '01'"},
      {"cnn(1x8x8,conv(4,3,0,0),flatten)", "at position 19: conv stride '0'"},
      {"cnn(1x8x8,conv(4,3,1,-1),flatten)", "at position 21: conv padding '-1'"},
      {"cnn(1x8x8,conv(4,9,1,0),flatten)", "at position 10: conv: a 9x9 window with padding 0 does not fit"},
      {"cnn(1x8x8,maxpool(3,2,2),flatten)", "at position 10: maxpool: padding 2 exceeds half the kernel 3"},
      {"cnn(1x8x8,avgpool(2,2),flatten)", "at position 10: expected avgpool(KERNEL,STRIDE,PADDING)"},
      {"cnn(1x8x8,linear(10))", "at position 10: linear(10) needs a flat input but gets 1x8x8"},
      {"cnn(1x8x8,conv(4,3,1,0),relu)", "at position 24: the last layer produces 4x6x6; the logits must be flat"},
      {"cnn(1x8x8,Relu,flatten)", "at position 10: unknown layer 'Relu'"},
      {"cnn(1x8x8,pool(2),flatten)", "at position 10: unknown layer 'pool'"},
      {"cnn(1x8x8,flatten(1))", "at position 10: 'flatten' takes no arguments"},
      {"cnn(1x8x8,conv(4,3,1,x(0)),flatten)", "at position 21: conv argument 'x(...)' must be a number"},
      {"cnn(1x8x8, flatten)", "at position 10: expected a word, found ' '"},
      {"3c3d(1)", "at position 0: the preset '3c3d' takes no arguments"},
      {"3c3e", "unknown model family '3c3e'"},
  };
  for (const Bad& b : bad) {
    INFO("spec '" << b.spec << "'");
    const auto e = seigh::test::expect_error([&] { (void)nn::parse_model_spec(b.spec); });
    INFO("message: " << e.what());
    CHECK(contains(e.what(), b.message));
  }
  // make_cnn names the layer instead of a position.
  const std::vector<nn::CnnLayer> bad_layers{{nn::CnnLayer::Kind::linear, 3, {}, nn::Activation::relu}};
  const auto e = seigh::test::expect_error([&] { (void)nn::make_cnn(nn::Shape{2, 3, 3}, bad_layers); });
  CHECK(contains(e.what(), "cnn layer 0 (linear(3)): linear(3) needs a flat input but gets 2x3x3"));
}

TEST_CASE("check_data: a CNN needs the data's C x H x W, an MLP only the feature count", "[nn][model][cnn]") {
  const nn::Model cnn = nn::parse_model_spec("3c3d");
  cnn.check_data(nn::Shape{1, 28, 28}, 10);  // no throw
  const auto e1 = seigh::test::expect_error([&] { cnn.check_data(nn::Shape{1, 16, 16}, 10); });
  INFO(e1.what());
  CHECK(contains(e1.what(), "takes samples of shape 1x28x28 (channels x height x width) but the data's samples are "
                            "1x16x16"));
  // Same feature count, other shape: still refused (a [N, 784] file has 1x1x784 samples).
  const auto e2 = seigh::test::expect_error([&] { cnn.check_data(nn::Shape{1, 1, 784}, 10); });
  CHECK(contains(e2.what(), "but the data's samples are 1x1x784"));
  const auto e3 = seigh::test::expect_error([&] { cnn.check_data(nn::Shape{1, 28, 28}, 100); });
  CHECK(contains(e3.what(), "produces 10 logits (its last width) but the data has 100 classes"));

  const nn::Model mlp = nn::parse_model_spec("mlp(256-20-10,tanh)");
  mlp.check_data(nn::Shape{1, 16, 16}, 10);  // an MLP reads the 16x16 pixels in C order
  mlp.check_data(nn::Shape{256, 1, 1}, 10);
  const auto e4 = seigh::test::expect_error([&] { mlp.check_data(nn::Shape{1, 28, 28}, 10); });
  CHECK(contains(e4.what(), "takes 256 input features (its first width) but the data has 784 features per sample "
                            "(1x28x28)"));
}
