// Block Hessian- and Gauss-Newton-vector products against independent
// references: finite differences of the gradient, a closed-form Hessian, a
// dense Jᵀ H_loss J, and internal consistency (symmetry, blocking, precision).
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <string>
#include <vector>

#include "nn_test_util.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/hvp_flops.hpp"
#include "seigh/nn/layers.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
namespace nn = seigh::nn;
using seigh::test::Batch;

namespace {

std::string mlp_spec(nn::Activation a) { return "mlp(5-4-3-3," + std::string(nn::name(a)) + ")"; }

/// Hessian by central differences of the gradient, column by column.
MatrixD fd_hessian(const nn::Model& m, const VectorD& theta, const Batch& batch, nn::Loss loss, double h) {
  const Index d = theta.size();
  MatrixD hess(d, d);
  for (Index i = 0; i < d; ++i) {
    hess.col(i) = seigh::test::fd_hvp(m, theta, batch, loss, VectorD::Unit(d, i), h);
  }
  return hess;
}

}  // namespace

TEST_CASE("HVP matches central differences of the gradient (every activation, both losses)", "[nn][hvp]") {
  // Unit directions, h = 1e-4: truncation O(h²·|∇³L|) ≈ 1e-8 relative,
  // rounding ε·|g|/h ≈ 1e-12; tolerance 1e-6 relative per column.
  const Batch batch = seigh::test::random_batch(5, 7, 3, 21);
  for (nn::Activation a : seigh::test::kAllActivations) {
    const nn::Model m = nn::parse_model_spec(mlp_spec(a));
    const VectorD theta = seigh::test::test_theta(m, 7);
    MatrixD v = seigh::test::random_matrix(m.parameter_count(), 3, 8);
    v.colwise().normalize();
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const auto lin = nn::linearize(m, theta, batch.X, batch.y, loss);
      MatrixD hv(m.parameter_count(), 3);
      nn::hvp(lin, v, hv);
      for (Index j = 0; j < 3; ++j) {
        const VectorD fd = seigh::test::fd_hvp(m, theta, batch, loss, v.col(j), 1e-4);
        const double rel = (hv.col(j) - fd).norm() / fd.norm();
        INFO(m.spec() << " " << nn::name(loss) << " direction " << j << ": |Hv| = " << fd.norm()
                      << ", relative error " << rel);
        CHECK(rel <= 1e-6);
      }
    }
  }
}

TEST_CASE("Dense Hessian from block HVPs equals the finite-difference Hessian", "[nn][hvp]") {
  // D = 51 unit vectors in blocks of 7 (so the last block is partial); FD
  // Hessian with h = 1e-4 as above. Tolerance 1e-6 relative (Frobenius).
  const Batch batch = seigh::test::random_batch(5, 6, 3, 31);
  int k = 0;
  for (nn::Activation a : seigh::test::kAllActivations) {
    const nn::Model m = nn::parse_model_spec(mlp_spec(a));
    const VectorD theta = seigh::test::test_theta(m, 9);
    const nn::Loss loss = seigh::test::kAllLosses[k++ % 2];
    const auto lin = nn::linearize(m, theta, batch.X, batch.y, loss);
    const MatrixD h = seigh::test::dense_by_blocks(lin, 7, nn::Curvature::hessian);
    const MatrixD fd = fd_hessian(m, theta, batch, loss, 1e-4);
    const double rel = (h - fd).norm() / fd.norm();
    const double asym = (h - h.transpose()).norm() / h.norm();
    INFO(m.spec() << " " << nn::name(loss) << ": |H| = " << h.norm() << ", relative error " << rel
                  << ", asymmetry " << asym);
    CHECK(rel <= 1e-6);
    CHECK(asym <= 1e-13);  // exact arithmetic gives a symmetric H; only rounding remains
  }
}

TEST_CASE("HVP is symmetric: v'Hw = w'Hv", "[nn][hvp]") {
  // Rounding only (double, sums of ~100 terms): 1e-12 relative to |v||Hw|.
  const Batch batch = seigh::test::random_batch(5, 8, 3, 41);
  for (nn::Activation a : seigh::test::kAllActivations) {
    const nn::Model m = nn::parse_model_spec(mlp_spec(a));
    const VectorD theta = seigh::test::test_theta(m, 10);
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const auto lin = nn::linearize(m, theta, batch.X, batch.y, loss);
      const MatrixD vw = seigh::test::random_matrix(m.parameter_count(), 2, 42);
      for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
        MatrixD h(m.parameter_count(), 2);
        nn::hvp(lin, vw, h, c);
        const double a1 = vw.col(0).dot(h.col(1));
        const double a2 = vw.col(1).dot(h.col(0));
        const double scale = vw.col(0).norm() * h.col(1).norm();
        INFO(m.spec() << " " << nn::name(loss) << " " << nn::name(c) << ": v'Hw = " << a1 << ", w'Hv = " << a2);
        CHECK(std::abs(a1 - a2) <= 1e-12 * scale);
      }
    }
  }
}

TEST_CASE("A block of b directions equals b single products", "[nn][hvp]") {
  // Same arithmetic per direction; GEMM blocking may reorder sums: 1e-12.
  const nn::Model m = nn::parse_model_spec("mlp(6-8-8-4,gelu)");
  const Batch batch = seigh::test::random_batch(6, 10, 4, 51);
  const VectorD theta = seigh::test::test_theta(m, 11);
  const auto lin = nn::linearize(m, theta, batch.X, batch.y, nn::Loss::cross_entropy);
  const Index b = 5;
  const MatrixD v = seigh::test::random_matrix(m.parameter_count(), b, 52);
  for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
    MatrixD block(m.parameter_count(), b);
    nn::hvp(lin, v, block, c);
    for (Index j = 0; j < b; ++j) {
      VectorD single(m.parameter_count());
      nn::hvp(lin, v.col(j), single, c);
      const double rel = (block.col(j) - single).norm() / single.norm();
      INFO(nn::name(c) << " column " << j << ": relative difference " << rel);
      CHECK(rel <= 1e-12);
    }
    // A reused workspace gives bit-identical results; b = 0 is a no-op.
    nn::HvpWorkspace<double> ws;
    MatrixD again(m.parameter_count(), b), third(m.parameter_count(), b);
    nn::hvp(lin, v, again, c, &ws);
    nn::hvp(lin, v, third, c, &ws);
    CHECK(again == block);
    CHECK(third == block);
  }
  MatrixD empty(m.parameter_count(), 0);
  nn::hvp(lin, MatrixD(m.parameter_count(), 0), empty);
}

TEST_CASE("float32 block HVP is close to the double one", "[nn][hvp][float]") {
  // Same θ, X (rounded to float). Float rounding ε_f ≈ 6e-8 amplified by
  // depth and sums of ≤ 32 terms: expect ~1e-6; tolerance 1e-4 relative
  // (Frobenius), far below the O(1) error of any wrong term.
  const nn::Model m = nn::parse_model_spec("mlp(20-16-16-5,tanh)");
  const Batch batch = seigh::test::random_batch(20, 32, 5, 61);
  const VectorD theta = seigh::test::test_theta(m, 12, 1.0);
  const MatrixD v = seigh::test::random_matrix(m.parameter_count(), 4, 62);
  for (nn::Loss loss : seigh::test::kAllLosses) {
    const auto lin_d = nn::linearize(m, theta, batch.X, batch.y, loss);
    const seigh::VectorF theta_f = theta.cast<float>();
    const seigh::MatrixF x_f = batch.X.cast<float>();
    const auto lin_f = nn::linearize(m, theta_f, x_f, batch.y, loss);
    CHECK(lin_f.loss() == Approx(lin_d.loss()).epsilon(1e-5));
    CHECK((lin_f.gradient().cast<double>() - lin_d.gradient()).norm() <= 1e-4 * lin_d.gradient().norm());
    for (nn::Curvature c : {nn::Curvature::hessian, nn::Curvature::ggn}) {
      MatrixD hd(m.parameter_count(), 4);
      seigh::MatrixF hf(m.parameter_count(), 4);
      nn::hvp(lin_d, v, hd, c);
      const seigh::MatrixF v_f = v.cast<float>();
      nn::hvp(lin_f, v_f, hf, c);
      const double rel = (hf.cast<double>() - hd).norm() / hd.norm();
      INFO(nn::name(loss) << " " << nn::name(c) << ": float vs double relative difference " << rel);
      CHECK(rel <= 1e-4);
    }
  }
}

TEST_CASE("GGN products equal a dense J' H_loss J; the CE GGN is symmetric PSD", "[nn][ggn]") {
  // Independent construction (seigh::test::ggn_reference): J = ∂F/∂θ by
  // central differences of the forward pass (error ≈ 1e-10), H_loss per
  // sample in closed form, G = Σ_i J_iᵀ H_i J_i. Tolerance 1e-7 relative (Frobenius).
  const Batch batch = seigh::test::random_batch(5, 6, 3, 71);
  for (nn::Activation a : seigh::test::kAllActivations) {
    const nn::Model m = nn::parse_model_spec(mlp_spec(a));
    const Index d = m.parameter_count();
    const VectorD theta = seigh::test::test_theta(m, 13);
    for (nn::Loss loss : seigh::test::kAllLosses) {
      const MatrixD g_ref = seigh::test::ggn_reference(m, theta, batch.X, loss);
      const auto lin = nn::linearize(m, theta, batch.X, batch.y, loss);
      const MatrixD g = seigh::test::dense_by_blocks(lin, d, nn::Curvature::ggn);  // one block of all D directions
      const MatrixD hess = seigh::test::dense_by_blocks(lin, d, nn::Curvature::hessian);
      const double rel = (g - g_ref).norm() / g_ref.norm();
      const double asym = (g - g.transpose()).norm() / g.norm();
      const Eigen::SelfAdjointEigenSolver<MatrixD> eig(0.5 * (g + g.transpose()));
      const double lmin = eig.eigenvalues().minCoeff(), lmax = eig.eigenvalues().maxCoeff();
      INFO(m.spec() << " " << nn::name(loss) << ": relative error " << rel << ", asymmetry " << asym
                    << ", eigenvalues [" << lmin << ", " << lmax << "], |H - G|/|G| "
                    << (hess - g).norm() / g.norm());
      CHECK(rel <= 1e-7);
      CHECK(asym <= 1e-13);
      // PSD up to rounding of the eigensolver (≈ ε·|G|).
      CHECK(lmin >= -1e-12 * lmax);
      // ...and the GGN switch matters: these nets are not linear in θ.
      CHECK((hess - g).norm() > 1e-3 * g.norm());
    }
  }
}

TEST_CASE("For a model linear in θ the Hessian is the GGN", "[nn][ggn]") {
  // mlp(5-3): logits are linear in θ, so ∇²L = Jᵀ H_loss J exactly.
  const nn::Model m = nn::parse_model_spec("mlp(5-3,tanh)");
  const Batch batch = seigh::test::random_batch(5, 9, 3, 81);
  const auto lin = nn::linearize(m, seigh::test::test_theta(m, 14), batch.X, batch.y, nn::Loss::cross_entropy);
  const MatrixD h = seigh::test::dense_by_blocks(lin, 4, nn::Curvature::hessian);
  const MatrixD g = seigh::test::dense_by_blocks(lin, 4, nn::Curvature::ggn);
  INFO("|H - G| / |H| = " << (h - g).norm() / h.norm());
  CHECK((h - g).norm() <= 1e-14 * h.norm());
}

TEST_CASE("Hessian of a 1-1-1 tanh net with MSE equals the hand-derived closed form", "[nn][hvp]") {
  // Net: a = w1 x + b1, s = tanh(a), f = w2 s + b2; one sample, one output
  // (C = 1), label 0 so the one-hot target is t = 1, weight w = 1/N = 1:
  //   L = (f − t)² / C = r²,  r = f − t.
  // θ = (w1, b1, w2, b2) (DESIGN.md §4 order). With s' = 1 − s², s'' = −2 s s':
  //   ∇f = (w2 s' x, w2 s', s, 1)
  //   ∇L = 2 r ∇f,   ∇²L = 2 ∇f ∇fᵀ + 2 r ∇²f,
  //   ∇²f = [[w2 s'' x², w2 s'' x, s' x, 0],
  //          [w2 s'' x,  w2 s'',   s',   0],
  //          [s' x,      s',       0,    0],
  //          [0,         0,        0,    0]]
  // and the GGN is 2 ∇f ∇fᵀ (H_loss = 2/C = 2, J = ∇fᵀ).
  const nn::Model m = nn::parse_model_spec("mlp(1-1-1,tanh)");
  const double w1 = 0.7, b1 = -0.3, w2 = 1.9, b2 = 0.4, x = 1.3;
  VectorD theta(4);
  theta << w1, b1, w2, b2;
  MatrixD X(1, 1);
  X(0, 0) = x;
  const std::vector<std::int32_t> y{0};

  const double s = std::tanh(w1 * x + b1), s1 = 1 - s * s, s2 = -2 * s * s1;
  const double r = w2 * s + b2 - 1.0;
  VectorD gf(4);
  gf << w2 * s1 * x, w2 * s1, s, 1;
  MatrixD hf(4, 4);
  hf << w2 * s2 * x * x, w2 * s2 * x, s1 * x, 0,  //
      w2 * s2 * x, w2 * s2, s1, 0,                //
      s1 * x, s1, 0, 0,                           //
      0, 0, 0, 0;
  const MatrixD h_ref = 2 * gf * gf.transpose() + 2 * r * hf;
  const MatrixD g_ref = 2 * gf * gf.transpose();

  const auto lin = nn::linearize(m, theta, X, y, nn::Loss::mse);
  CHECK(lin.loss() == Approx(r * r).epsilon(1e-15));
  CHECK((lin.gradient() - 2 * r * gf).norm() <= 1e-15 * gf.norm() * 2 * std::abs(r));
  const MatrixD h = seigh::test::dense_by_blocks(lin, 4, nn::Curvature::hessian);
  const MatrixD g = seigh::test::dense_by_blocks(lin, 4, nn::Curvature::ggn);
  INFO("H\n" << h << "\nclosed form\n" << h_ref);
  // A handful of double operations per entry: 1e-14 relative.
  CHECK((h - h_ref).norm() <= 1e-14 * h_ref.norm());
  CHECK((g - g_ref).norm() <= 1e-14 * g_ref.norm());
}

TEST_CASE("A parameterless first layer (as a CNN's leading layers will be) is handled by the driver", "[nn][hvp]") {
  // tanh on the input, then Linear(5->4), sigmoid, Linear(4->3): nothing below
  // layer 1 depends on θ, so the driver computes no δ or R-block there.
  // Checked against finite differences as above (tolerance 1e-6 relative).
  std::vector<std::shared_ptr<const nn::Layer>> layers{
      std::make_shared<nn::ActivationLayer>(nn::Activation::tanh, nn::Shape{5}), std::make_shared<nn::Linear>(5, 4),
      std::make_shared<nn::ActivationLayer>(nn::Activation::sigmoid, nn::Shape{4}), std::make_shared<nn::Linear>(4, 3)};
  const nn::Model m(layers, "custom");
  REQUIRE(m.first_parameter_layer() == 1);
  REQUIRE(m.parameter_offset(1) == 0);
  const Batch batch = seigh::test::random_batch(5, 7, 3, 91);
  const VectorD theta = seigh::test::test_theta(m, 15);
  for (nn::Loss loss : seigh::test::kAllLosses) {
    const VectorD g = seigh::test::gradient(m, theta, batch, loss);
    const VectorD gfd = seigh::test::fd_gradient(m, theta, batch, loss, 1e-5);
    INFO(nn::name(loss) << ": gradient relative error " << (g - gfd).norm() / gfd.norm());
    CHECK((g - gfd).norm() <= 1e-6 * gfd.norm());
    const auto lin = nn::linearize(m, theta, batch.X, batch.y, loss);
    const MatrixD h = seigh::test::dense_by_blocks(lin, 10, nn::Curvature::hessian);
    const MatrixD fd = fd_hessian(m, theta, batch, loss, 1e-4);
    INFO(nn::name(loss) << ": Hessian relative error " << (h - fd).norm() / fd.norm());
    CHECK((h - fd).norm() <= 1e-6 * fd.norm());
  }
  CHECK(nn::hvp_flops(m, 7, 2) == Approx(2 * (2.0 * 5 * 4 * 7 * 2) + 6 * (2.0 * 4 * 3 * 7 * 2)).epsilon(1e-15));
}

TEST_CASE("hvp_flops counts the documented GEMMs", "[nn][flops]") {
  const nn::Model m = nn::parse_model_spec("mlp(784-3000-3000-10,relu)");
  const double n = 256, b = 32;
  const double u1 = 2 * 784 * 3000 * n * b, u2 = 2 * 3000.0 * 3000 * n * b, u3 = 2 * 3000 * 10 * n * b;
  CHECK(nn::hvp_flops(m, 256, 32) == Approx(2 * u1 + 6 * u2 + 6 * u3).epsilon(1e-15));
  CHECK(nn::hvp_flops(m, 256, 32, nn::Curvature::ggn) == Approx(2 * u1 + 4 * u2 + 4 * u3).epsilon(1e-15));
  CHECK(nn::linearize_flops(m, 256) == Approx((2 * u1 + 3 * u2 + 3 * u3) / b).epsilon(1e-15));
}
