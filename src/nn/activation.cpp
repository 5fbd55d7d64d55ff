#include "seigh/nn/activation.hpp"

#include <cmath>
#include <string>

#include "seigh/core/error.hpp"

namespace seigh::nn {

std::string_view name(Activation activation) {
  switch (activation) {
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::gelu: return "gelu";
    case Activation::softplus: return "softplus";
  }
  return "unknown";
}

Activation parse_activation(std::string_view text) {
  for (Activation a :
       {Activation::tanh, Activation::relu, Activation::sigmoid, Activation::gelu, Activation::softplus}) {
    if (text == name(a)) return a;
  }
  SEIGH_FAIL() << "unknown activation '" << std::string(text) << "' (valid: tanh, relu, sigmoid, gelu, softplus)";
}

namespace {

template <class S>
S sigmoid(S x) {
  // Never exp of a large positive number.
  if (x >= S(0)) return S(1) / (S(1) + std::exp(-x));
  const S e = std::exp(x);
  return e / (S(1) + e);
}

}  // namespace

template <class S>
ActivationValue<S> evaluate(Activation activation, S x) {
  switch (activation) {
    case Activation::tanh: {
      const S t = std::tanh(x);
      const S d1 = S(1) - t * t;
      return {t, d1, S(-2) * t * d1};
    }
    case Activation::relu:
      return {x > S(0) ? x : S(0), x > S(0) ? S(1) : S(0), S(0)};
    case Activation::sigmoid: {
      const S s = sigmoid(x);
      const S d1 = s * (S(1) - s);
      return {s, d1, d1 * (S(1) - S(2) * s)};
    }
    case Activation::gelu: {
      const S inv_sqrt2 = S(0.70710678118654752440);
      const S inv_sqrt_2pi = S(0.39894228040143267794);
      const S cdf = S(0.5) * (S(1) + std::erf(x * inv_sqrt2));
      const S pdf = inv_sqrt_2pi * std::exp(S(-0.5) * x * x);
      return {x * cdf, cdf + x * pdf, pdf * (S(2) - x * x)};
    }
    case Activation::softplus: {
      if (x > S(20)) return {x, S(1), S(0)};  // PyTorch's threshold
      const S s = sigmoid(x);
      return {std::log1p(std::exp(x)), s, s * (S(1) - s)};
    }
  }
  SEIGH_FAIL() << "invalid activation value " << static_cast<int>(activation);
}

template <class S>
void apply_activation(Activation activation, const Eigen::Ref<const Matrix<S>>& a, Eigen::Ref<Matrix<S>> z,
                      Eigen::Ref<Matrix<S>> d1, Eigen::Ref<Matrix<S>> d2) {
  SEIGH_REQUIRE(z.rows() == a.rows() && z.cols() == a.cols() && d1.rows() == a.rows() && d1.cols() == a.cols())
      << "apply_activation: shape mismatch";
  const bool want_d2 = d2.size() != 0;
  SEIGH_REQUIRE(!want_d2 || (d2.rows() == a.rows() && d2.cols() == a.cols())) << "apply_activation: d2 shape";
  // Vectorised forms where Eigen has them (tanh, relu); the others are
  // scalar loops. Activations are evaluated once per linearisation, so their
  // cost is small next to the GEMMs of the passes.
  if (activation == Activation::tanh) {
    z = a.array().tanh().matrix();
    d1 = (S(1) - z.array().square()).matrix();
    if (want_d2) d2 = (S(-2) * z.array() * d1.array()).matrix();
    return;
  }
  if (activation == Activation::relu) {
    z = a.cwiseMax(S(0));
    d1 = (a.array() > S(0)).template cast<S>().matrix();
    if (want_d2) d2.setZero();
    return;
  }
  for (Index j = 0; j < a.cols(); ++j) {
    for (Index i = 0; i < a.rows(); ++i) {
      const ActivationValue<S> v = evaluate(activation, a(i, j));
      z(i, j) = v.value;
      d1(i, j) = v.d1;
      if (want_d2) d2(i, j) = v.d2;
    }
  }
}

template ActivationValue<float> evaluate<float>(Activation, float);
template ActivationValue<double> evaluate<double>(Activation, double);
template void apply_activation<float>(Activation, const Eigen::Ref<const MatrixF>&, Eigen::Ref<MatrixF>,
                                      Eigen::Ref<MatrixF>, Eigen::Ref<MatrixF>);
template void apply_activation<double>(Activation, const Eigen::Ref<const MatrixD>&, Eigen::Ref<MatrixD>,
                                       Eigen::Ref<MatrixD>, Eigen::Ref<MatrixD>);

}  // namespace seigh::nn
