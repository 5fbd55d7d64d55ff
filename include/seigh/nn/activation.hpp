#pragma once
/// \file
/// Elementwise activations σ with their first and second derivatives, as
/// PyTorch defines them:
///
/// | name     | σ(x)                                   | σ'(x)              | σ''(x)                 |
/// |----------|----------------------------------------|--------------------|------------------------|
/// | tanh     | tanh x                                 | 1 − t²             | −2 t (1 − t²)          |
/// | relu     | max(0, x)                              | [x > 0]            | 0                      |
/// | sigmoid  | s = 1 / (1 + e^−x)                     | s (1 − s)          | s (1 − s)(1 − 2s)      |
/// | gelu     | x Φ(x), Φ(x) = (1 + erf(x/√2)) / 2     | Φ(x) + x φ(x)      | φ(x) (2 − x²)          |
/// | softplus | log(1 + e^x); x for x > 20             | s; 1 for x > 20    | s (1 − s); 0 for x > 20|
///
/// (φ = standard normal density; gelu is the exact erf form, nn.GELU()'s
/// default; softplus is nn.Softplus(beta=1, threshold=20), which returns x
/// above the threshold.) relu'(0) = 0 as in PyTorch.

#include <Eigen/Core>
#include <string_view>

#include "seigh/core/types.hpp"

namespace seigh::nn {

enum class Activation { tanh, relu, sigmoid, gelu, softplus };

/// "tanh", "relu", "sigmoid", "gelu", "softplus" (the spec and CLI names).
[[nodiscard]] std::string_view name(Activation activation);

/// Inverse of name(); throws seigh::Error listing the valid names.
[[nodiscard]] Activation parse_activation(std::string_view text);

/// σ(x), σ'(x), σ''(x) of one scalar.
template <class Scalar>
struct ActivationValue {
  Scalar value;
  Scalar d1;
  Scalar d2;
};

/// σ, σ', σ'' at x (table above), computed in Scalar.
template <class Scalar>
[[nodiscard]] ActivationValue<Scalar> evaluate(Activation activation, Scalar x);

/// Elementwise over a block: z = σ(a), d1 = σ'(a), d2 = σ''(a) (all the
/// shape of a). d2 may be empty (0 x 0) to skip it.
template <class Scalar>
void apply_activation(Activation activation, const Eigen::Ref<const Matrix<Scalar>>& a, Eigen::Ref<Matrix<Scalar>> z,
                      Eigen::Ref<Matrix<Scalar>> d1, Eigen::Ref<Matrix<Scalar>> d2);

/// True when σ'' ≡ 0 (relu), so the Hessian has no σ''⊙δ term.
[[nodiscard]] constexpr bool is_piecewise_linear(Activation activation) { return activation == Activation::relu; }

extern template ActivationValue<float> evaluate<float>(Activation, float);
extern template ActivationValue<double> evaluate<double>(Activation, double);
extern template void apply_activation<float>(Activation, const Eigen::Ref<const MatrixF>&, Eigen::Ref<MatrixF>,
                                             Eigen::Ref<MatrixF>, Eigen::Ref<MatrixF>);
extern template void apply_activation<double>(Activation, const Eigen::Ref<const MatrixD>&, Eigen::Ref<MatrixD>,
                                              Eigen::Ref<MatrixD>, Eigen::Ref<MatrixD>);

}  // namespace seigh::nn
