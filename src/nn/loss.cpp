#include "seigh/nn/loss.hpp"

#include <cmath>
#include <string>

#include "seigh/core/error.hpp"

namespace seigh::nn {

std::string_view name(Loss loss) {
  switch (loss) {
    case Loss::cross_entropy: return "cross-entropy";
    case Loss::mse: return "mse";
  }
  return "unknown";
}

Loss parse_loss(std::string_view text) {
  if (text == "cross-entropy") return Loss::cross_entropy;
  if (text == "mse") return Loss::mse;
  SEIGH_FAIL() << "unknown loss '" << std::string(text) << "' (valid: cross-entropy, mse)";
}

namespace {

/// Per-sample loss of column n; writes p (CE) into `p` if non-null.
template <class S>
double sample_loss(Loss loss, const Eigen::Ref<const Matrix<S>>& logits, Index n, std::int32_t label,
                   Eigen::Ref<Vector<S>>* p) {
  const auto f = logits.col(n);
  if (loss == Loss::cross_entropy) {
    const S m = f.maxCoeff();
    const S sum = (f.array() - m).exp().sum();
    const S lse = m + std::log(sum);
    if (p != nullptr) *p = (f.array() - lse).exp().matrix();
    return static_cast<double>(lse) - static_cast<double>(f(label));
  }
  const Index c = f.size();
  double s = 0;
  for (Index k = 0; k < c; ++k) {
    const double r = static_cast<double>(f(k)) - (k == label ? 1.0 : 0.0);
    s += r * r;
  }
  return s / static_cast<double>(c);
}

}  // namespace

template <class S>
double loss_forward(Loss loss, const Eigen::Ref<const Matrix<S>>& logits, std::span<const std::int32_t> y, S weight,
                    Eigen::Ref<Matrix<S>> delta, Matrix<S>& cache) {
  const Index c = logits.rows();
  const Index n = logits.cols();
  double total = 0;
  if (loss == Loss::cross_entropy) {
    cache.resize(c, n);
    for (Index i = 0; i < n; ++i) {
      Eigen::Ref<Vector<S>> p = cache.col(i);
      total += sample_loss<S>(loss, logits, i, y[i], &p);
    }
    delta = weight * cache;
    for (Index i = 0; i < n; ++i) delta(y[i], i) -= weight;
  } else {
    cache.resize(0, 0);
    const S scale = S(2) * weight / static_cast<S>(c);
    for (Index i = 0; i < n; ++i) total += sample_loss<S>(loss, logits, i, y[i], nullptr);
    delta = scale * logits;
    for (Index i = 0; i < n; ++i) delta(y[i], i) -= scale;
  }
  return static_cast<double>(weight) * total;
}

template <class S>
double loss_value(Loss loss, const Eigen::Ref<const Matrix<S>>& logits, std::span<const std::int32_t> y, S weight) {
  double total = 0;
  for (Index i = 0; i < logits.cols(); ++i) total += sample_loss<S>(loss, logits, i, y[i], nullptr);
  return static_cast<double>(weight) * total;
}

template <class S>
void loss_r_op(Loss loss, const Matrix<S>& cache, S weight, const Eigen::Ref<const Matrix<S>>& r_logits,
               Eigen::Ref<Matrix<S>> r_delta) {
  const Index c = r_logits.rows();
  if (loss == Loss::mse) {
    r_delta = (S(2) * weight / static_cast<S>(c)) * r_logits;
    return;
  }
  // (diag(p) − p pᵀ) r per sample and direction: p⊙r − p (pᵀ r).
  const Index n = cache.cols();
  const Index b = n == 0 ? 0 : r_logits.cols() / n;
  for (Index j = 0; j < b; ++j) {
    auto out = r_delta.middleCols(j * n, n);
    out = cache.cwiseProduct(r_logits.middleCols(j * n, n));
    const Eigen::Matrix<S, 1, Eigen::Dynamic> ptr = out.colwise().sum();
    out.array() -= cache.array().rowwise() * ptr.array();
    out *= weight;
  }
}

template double loss_forward<float>(Loss, const Eigen::Ref<const MatrixF>&, std::span<const std::int32_t>, float,
                                    Eigen::Ref<MatrixF>, MatrixF&);
template double loss_forward<double>(Loss, const Eigen::Ref<const MatrixD>&, std::span<const std::int32_t>, double,
                                     Eigen::Ref<MatrixD>, MatrixD&);
template double loss_value<float>(Loss, const Eigen::Ref<const MatrixF>&, std::span<const std::int32_t>, float);
template double loss_value<double>(Loss, const Eigen::Ref<const MatrixD>&, std::span<const std::int32_t>, double);
template void loss_r_op<float>(Loss, const MatrixF&, float, const Eigen::Ref<const MatrixF>&, Eigen::Ref<MatrixF>);
template void loss_r_op<double>(Loss, const MatrixD&, double, const Eigen::Ref<const MatrixD>&,
                                Eigen::Ref<MatrixD>);

}  // namespace seigh::nn
