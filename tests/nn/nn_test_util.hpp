#pragma once
// Helpers for the nn tests: random batches, finite differences of the loss
// and of the gradient (the independent references of the derivative tests).
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::test {

struct Batch {
  MatrixD X;
  std::vector<std::int32_t> y;
};

/// X ~ N(0, 1) (features x n), labels uniform in [0, classes).
inline Batch random_batch(Index features, Index n, Index classes, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<std::int32_t> label(0, static_cast<std::int32_t>(classes - 1));
  Batch b{MatrixD(features, n), std::vector<std::int32_t>(static_cast<std::size_t>(n))};
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < features; ++i) b.X(i, j) = normal(gen);
  for (auto& l : b.y) l = label(gen);
  return b;
}

/// A D x b matrix of N(0, 1) entries.
inline MatrixD random_matrix(Index rows, Index cols, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::normal_distribution<double> normal;
  MatrixD m(rows, cols);
  for (Index j = 0; j < cols; ++j)
    for (Index i = 0; i < rows; ++i) m(i, j) = normal(gen);
  return m;
}

/// θ from the default init, scaled up so that activations leave their
/// linear regime (larger second-derivative terms: a sharper test).
inline VectorD test_theta(const nn::Model& model, std::uint64_t seed, double scale = 2.0) {
  return scale * nn::init_parameters<double>(model, seed);
}

/// Central differences of the loss: g_i ≈ (L(θ + h e_i) − L(θ − h e_i)) / 2h.
inline VectorD fd_gradient(const nn::Model& model, const VectorD& theta, const Batch& batch, nn::Loss loss,
                           double h) {
  VectorD g(theta.size());
  VectorD t = theta;
  for (Index i = 0; i < theta.size(); ++i) {
    t(i) = theta(i) + h;
    const double lp = nn::evaluate_loss(model, t, batch.X, batch.y, loss);
    t(i) = theta(i) - h;
    const double lm = nn::evaluate_loss(model, t, batch.X, batch.y, loss);
    t(i) = theta(i);
    g(i) = (lp - lm) / (2 * h);
  }
  return g;
}

inline VectorD gradient(const nn::Model& model, const VectorD& theta, const Batch& batch, nn::Loss loss) {
  VectorD g(theta.size());
  nn::loss_and_gradient(model, theta, batch.X, batch.y, loss, std::nullopt, g);
  return g;
}

/// Central differences of the gradient along v: Hv ≈ (∇L(θ + hv) − ∇L(θ − hv)) / 2h.
inline VectorD fd_hvp(const nn::Model& model, const VectorD& theta, const Batch& batch, nn::Loss loss,
                      const VectorD& v, double h) {
  const VectorD tp = theta + h * v;
  const VectorD tm = theta - h * v;
  return (gradient(model, tp, batch, loss) - gradient(model, tm, batch, loss)) / (2 * h);
}

/// M·V by block products (blocks of `block` columns): the dense matrix for V = I.
inline MatrixD dense_by_blocks(const nn::Linearization<double>& lin, Index block, nn::Curvature c) {
  const Index d = lin.dim();
  MatrixD m(d, d);
  const MatrixD eye = MatrixD::Identity(d, d);
  for (Index j = 0; j < d; j += block) {
    const Index w = std::min(block, d - j);
    nn::hvp(lin, eye.middleCols(j, w), m.middleCols(j, w), c);
  }
  return m;
}

/// J = ∂F/∂θ ((C·N) x D, row c + C·i = logit c of sample i) by central
/// differences of the forward pass with step h.
inline MatrixD fd_jacobian(const nn::Model& m, const VectorD& theta, const MatrixD& X, double h) {
  const Index classes = m.output_size(), n = X.cols(), d = theta.size();
  MatrixD jac(classes * n, d);
  VectorD t = theta;
  for (Index k = 0; k < d; ++k) {
    t(k) = theta(k) + h;
    const MatrixD fp = nn::forward_logits(m, t, X);
    t(k) = theta(k) - h;
    const MatrixD fm = nn::forward_logits(m, t, X);
    t(k) = theta(k);
    const MatrixD diff = (fp - fm) / (2 * h);
    jac.col(k) = Eigen::Map<const VectorD>(diff.data(), classes * n);
  }
  return jac;
}

/// The Gauss–Newton matrix G = Σ_i J_iᵀ H_i J_i of the mean loss: J from
/// fd_jacobian with h = 1e-6 (error ≈ h²·|F'''| + ε/h ≈ 1e-10), H_i in
/// closed form (CE: w (diag p − p pᵀ), MSE: w (2/C) I, w = 1/N).
inline MatrixD ggn_reference(const nn::Model& m, const VectorD& theta, const MatrixD& X, nn::Loss loss) {
  const Index classes = m.output_size(), n = X.cols(), d = theta.size();
  const MatrixD jac = fd_jacobian(m, theta, X, 1e-6);
  const MatrixD logits = nn::forward_logits(m, theta, X);
  const double w = 1.0 / static_cast<double>(n);
  MatrixD g = MatrixD::Zero(d, d);
  for (Index i = 0; i < n; ++i) {
    MatrixD hl(classes, classes);
    if (loss == nn::Loss::cross_entropy) {
      const VectorD e = (logits.col(i).array() - logits.col(i).maxCoeff()).exp();
      const VectorD p = e / e.sum();
      hl = w * (MatrixD(p.asDiagonal()) - p * p.transpose());
    } else {
      hl = w * (2.0 / static_cast<double>(classes)) * MatrixD::Identity(classes, classes);
    }
    const MatrixD ji = jac.middleRows(i * classes, classes);
    g += ji.transpose() * hl * ji;
  }
  return g;
}

inline const nn::Activation kAllActivations[] = {nn::Activation::tanh, nn::Activation::relu, nn::Activation::sigmoid,
                                                 nn::Activation::gelu, nn::Activation::softplus};
inline const nn::Loss kAllLosses[] = {nn::Loss::cross_entropy, nn::Loss::mse};

}  // namespace seigh::test
