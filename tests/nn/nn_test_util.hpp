#pragma once
// Helpers for the nn tests: random batches, finite differences of the loss
// and of the gradient (the independent references of the derivative tests).
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

inline const nn::Activation kAllActivations[] = {nn::Activation::tanh, nn::Activation::relu, nn::Activation::sigmoid,
                                                 nn::Activation::gelu, nn::Activation::softplus};
inline const nn::Loss kAllLosses[] = {nn::Loss::cross_entropy, nn::Loss::mse};

}  // namespace seigh::test
