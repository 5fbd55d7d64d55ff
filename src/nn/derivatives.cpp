#include "seigh/nn/derivatives.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <utility>

#include "seigh/core/error.hpp"

namespace seigh::nn {

namespace {

std::string layer_label(const Model& model, std::size_t i) {
  return "layer " + std::to_string(i) + " (" + model.layer(i).name() + ")";
}

template <class S>
void check_batch(const Model& model, Index theta_size, const Eigen::Ref<const Matrix<S>>& X,
                 std::span<const std::int32_t> y) {
  SEIGH_REQUIRE(theta_size == model.parameter_count())
      << "theta has " << theta_size << " entries but model " << model.spec() << " has " << model.parameter_count()
      << " parameters";
  SEIGH_REQUIRE(X.rows() == model.input_size())
      << "the batch has " << X.rows() << " features per sample but model " << model.spec() << " takes "
      << model.input_size();
  SEIGH_REQUIRE(X.cols() > 0) << "empty batch (0 samples)";
  SEIGH_REQUIRE(static_cast<Index>(y.size()) == X.cols())
      << "the batch has " << X.cols() << " samples but " << y.size() << " labels";
  const Index classes = model.output_size();
  for (std::size_t i = 0; i < y.size(); ++i) {
    SEIGH_REQUIRE(y[i] >= 0 && y[i] < classes)
        << "label " << y[i] << " of sample " << i << " is outside [0, " << classes << ") (model " << model.spec()
        << " has " << classes << " outputs)";
  }
}

template <class S>
S resolve_weight(std::optional<double> weight, Index n) {
  const double w = weight.value_or(1.0 / static_cast<double>(n));
  SEIGH_REQUIRE(std::isfinite(w) && w > 0) << "loss weight must be finite and positive, got " << w;
  return static_cast<S>(w);
}

/// Forward pass into outputs[1..L] (outputs[0] = X already), filling caches.
template <class S>
void run_forward(const Model& model, const Vector<S>& theta, std::vector<Matrix<S>>& outputs,
                 std::vector<LayerCache<S>>& caches) {
  const std::size_t layers = model.layer_count();
  const Index n = outputs[0].cols();
  outputs.resize(layers + 1);
  caches.resize(layers);
  for (std::size_t i = 0; i < layers; ++i) {
    const Layer& layer = model.layer(i);
    outputs[i + 1].resize(layer.out_shape().size(), n);
    layer.passes<S>().forward(theta.segment(model.parameter_offset(i), layer.parameter_count()), outputs[i],
                              outputs[i + 1], caches[i]);
  }
}

/// Forward pass of X (a copy, like run_forward's outputs[0]) that keeps only
/// the current layer's input, output and cache; calls
/// observe(i, in, out, cache) after layer i. Returns the logits. The same
/// layer calls on the same values as run_forward, so the same logits.
template <class S, class Observe>
Matrix<S> run_forward_streaming(const Model& model, const Vector<S>& theta, const Eigen::Ref<const Matrix<S>>& X,
                                Observe&& observe) {
  Matrix<S> current = X;
  Matrix<S> next;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    LayerCache<S> cache;  // dropped after the layer: nothing later needs it
    next.resize(layer.out_shape().size(), current.cols());
    layer.passes<S>().forward(theta.segment(model.parameter_offset(i), layer.parameter_count()), current, next,
                              cache);
    observe(i, current, next, cache);
    std::swap(current, next);
  }
  return current;
}

template <class S>
std::size_t cache_bytes(const LayerCache<S>& cache) {
  std::size_t bytes = cache.indices.size() * sizeof(Index);
  for (const auto& m : cache.matrices) bytes += static_cast<std::size_t>(m.size()) * sizeof(S);
  return bytes;
}

/// Names the first layer whose output has a non-finite entry (for messages).
template <class S>
std::string locate_nonfinite_output(const Model& model, const std::vector<Matrix<S>>& outputs) {
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    if (!outputs[i + 1].allFinite()) return "; first non-finite values in the output of " + layer_label(model, i);
  }
  return "; all layer outputs are finite (the loss itself overflowed)";
}

/// Names the first layer whose block of rows of `m` (D x cols) is non-finite.
template <class S>
std::string locate_nonfinite_rows(const Model& model, const Eigen::Ref<const Matrix<S>>& m) {
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Index cnt = model.layer(i).parameter_count();
    if (cnt > 0 && !m.middleRows(model.parameter_offset(i), cnt).allFinite()) {
      return " in the parameters of " + layer_label(model, i) + " [" + std::to_string(model.parameter_offset(i)) +
             ", " + std::to_string(model.parameter_offset(i) + cnt) + ")";
    }
  }
  return "";
}

}  // namespace

namespace detail {

struct LinearizationAccess {
  template <class S>
  static Linearization<S> linearize(const Model& model, const Eigen::Ref<const Vector<S>>& theta,
                                    const Eigen::Ref<const Matrix<S>>& X, std::span<const std::int32_t> y, Loss loss,
                                    std::optional<double> weight) {
    check_batch<S>(model, theta.size(), X, y);
    const S w = resolve_weight<S>(weight, X.cols());
    SEIGH_REQUIRE(theta.allFinite()) << "theta contains non-finite values" << locate_nonfinite_rows<S>(model, theta);
    SEIGH_REQUIRE(X.allFinite()) << "the batch X contains non-finite values";

    Linearization<S> lin(model);
    lin.theta_ = theta;
    lin.loss_kind_ = loss;
    lin.weight_ = w;
    lin.outputs_.resize(1);
    lin.outputs_[0] = X;
    run_forward<S>(model, lin.theta_, lin.outputs_, lin.caches_);

    const std::size_t layers = model.layer_count();
    const std::size_t first = model.first_parameter_layer();
    const Index n = X.cols();
    lin.deltas_.resize(layers + 1);
    lin.deltas_[layers].resize(model.output_size(), n);
    lin.loss_ = loss_forward<S>(loss, lin.outputs_[layers], y, w, lin.deltas_[layers], lin.loss_cache_);
    SEIGH_REQUIRE(std::isfinite(lin.loss_)) << "the loss is not finite (" << lin.loss_ << ")"
                                            << locate_nonfinite_output<S>(model, lin.outputs_);

    lin.gradient_.setZero(model.parameter_count());
    Matrix<S> none;
    for (std::size_t i = layers; i-- > first;) {
      const Layer& layer = model.layer(i);
      const bool need_in = i > first;  // nothing below the first parameterised layer needs δ
      if (need_in) lin.deltas_[i].resize(layer.in_shape().size(), n);
      const Index off = model.parameter_offset(i);
      layer.passes<S>().backward(lin.theta_.segment(off, layer.parameter_count()), lin.outputs_[i],
                                 lin.deltas_[i + 1], lin.caches_[i], need_in ? lin.deltas_[i] : none,
                                 lin.gradient_.segment(off, layer.parameter_count()));
    }
    SEIGH_REQUIRE(lin.gradient_.allFinite())
        << "the gradient is not finite" << locate_nonfinite_rows<S>(model, lin.gradient_);
    return lin;
  }

  template <class S>
  static void hvp(const Linearization<S>& lin, const Eigen::Ref<const Matrix<S>>& V, Eigen::Ref<Matrix<S>> HV,
                  Curvature curvature, HvpWorkspace<S>* workspace) {
    const Model& model = lin.model_;
    const Index d = lin.dim();
    SEIGH_REQUIRE(V.rows() == d) << "hvp: V has " << V.rows() << " rows, expected D = " << d;
    SEIGH_REQUIRE(HV.rows() == d && HV.cols() == V.cols())
        << "hvp: HV is " << HV.rows() << " x " << HV.cols() << ", expected " << d << " x " << V.cols();
    const Index b = V.cols();
    if (b == 0) return;

    const std::size_t layers = model.layer_count();
    const std::size_t first = model.first_parameter_layer();
    if (first == layers) return;  // no parameters: D = 0
    const Index n = lin.batch_size();
    const Index nb = n * b;
    HvpWorkspace<S> local;
    HvpWorkspace<S>& ws = workspace != nullptr ? *workspace : local;

    // Buffers: slot i (first <= i < L) holds R{output of layer i}; slots L
    // and L+1 the R{δ} pair, sized for the largest δ of the backward R-pass.
    // Each only grows, so repeated products (any b, N or model) reuse the
    // memory they touched before.
    const std::size_t delta_slot = layers;
    if (ws.buffers_.size() < layers + 2) ws.buffers_.resize(layers + 2);
    const auto reserve = [&](std::size_t slot, Index rows) {
      Vector<S>& buffer = ws.buffers_[slot];
      if (buffer.size() < rows * nb) buffer.resize(rows * nb);
    };
    Index delta_rows = model.output_size();
    for (std::size_t i = first; i < layers; ++i) {
      reserve(i, model.layer(i).out_shape().size());
      if (i > first) delta_rows = std::max(delta_rows, model.layer(i).in_shape().size());
    }
    reserve(delta_slot, delta_rows);
    reserve(delta_slot + 1, delta_rows);
    const auto view = [&](std::size_t slot, Index rows) {
      return Eigen::Map<Matrix<S>>(ws.buffers_[slot].data(), rows, nb);
    };
    // R{output of layer i}, the R{input} of layer i + 1.
    const auto r_out = [&](std::size_t i) { return view(i, model.layer(i).out_shape().size()); };
    Matrix<S> none;

    // Forward R-pass. Outputs of layers below `first` do not depend on θ:
    // their R-blocks stay empty (= 0) and are never computed.
    for (std::size_t i = first; i < layers; ++i) {
      const Layer& layer = model.layer(i);
      const Index off = model.parameter_offset(i);
      const Index cnt = layer.parameter_count();
      if (i > first) {
        layer.passes<S>().r_forward(lin.theta_.segment(off, cnt), V.middleRows(off, cnt), lin.outputs_[i],
                                    lin.caches_[i], r_out(i - 1), r_out(i));
      } else {
        layer.passes<S>().r_forward(lin.theta_.segment(off, cnt), V.middleRows(off, cnt), lin.outputs_[i],
                                    lin.caches_[i], none, r_out(i));
      }
    }

    // R{δ} of the logits, then the backward R-pass.
    std::size_t delta_out = delta_slot;
    std::size_t delta_in = delta_slot + 1;
    loss_r_op<S>(lin.loss_kind_, lin.loss_cache_, lin.weight_, r_out(layers - 1),
                 view(delta_out, model.output_size()));
    for (std::size_t i = layers; i-- > first;) {
      const Layer& layer = model.layer(i);
      const Index off = model.parameter_offset(i);
      const Index cnt = layer.parameter_count();
      const bool need_in = i > first;
      const auto r_delta_out = view(delta_out, layer.out_shape().size());
      if (need_in) {
        layer.passes<S>().r_backward(lin.theta_.segment(off, cnt), V.middleRows(off, cnt), lin.outputs_[i],
                                     lin.deltas_[i + 1], lin.caches_[i], r_out(i - 1), r_delta_out,
                                     view(delta_in, layer.in_shape().size()), HV.middleRows(off, cnt), curvature);
        std::swap(delta_out, delta_in);
      } else {
        layer.passes<S>().r_backward(lin.theta_.segment(off, cnt), V.middleRows(off, cnt), lin.outputs_[i],
                                     lin.deltas_[i + 1], lin.caches_[i], none, r_delta_out, none,
                                     HV.middleRows(off, cnt), curvature);
      }
    }
    if (!HV.allFinite()) {
      SEIGH_FAIL() << "the " << (curvature == Curvature::hessian ? "Hessian" : "Gauss-Newton")
                   << "-vector product is not finite" << locate_nonfinite_rows<S>(model, HV)
                   << (V.allFinite() ? "" : " (the directions V contain non-finite values)");
    }
  }

  template <class S>
  static Matrix<S> forward_logits(const Model& model, const Eigen::Ref<const Vector<S>>& theta,
                                  const Eigen::Ref<const Matrix<S>>& X) {
    SEIGH_REQUIRE(theta.size() == model.parameter_count())
        << "theta has " << theta.size() << " entries but model " << model.spec() << " has "
        << model.parameter_count() << " parameters";
    SEIGH_REQUIRE(X.rows() == model.input_size())
        << "the batch has " << X.rows() << " features per sample but model " << model.spec() << " takes "
        << model.input_size();
    const Vector<S> th = theta;
    return run_forward_streaming<S>(model, th, X, [](std::size_t, const auto&, const auto&, const auto&) {});
  }

  template <class S>
  static PassFootprint footprint(const Model& model) {
    PassFootprint f;
    const Vector<S> theta = Vector<S>::Zero(model.parameter_count());
    const Matrix<S> X = Matrix<S>::Zero(model.input_size(), 1);
    run_forward_streaming<S>(model, theta, X,
                             [&](std::size_t, const Matrix<S>& in, const Matrix<S>& out, const LayerCache<S>& cache) {
                               const std::size_t bytes = static_cast<std::size_t>(in.size() + 2 * out.size()) *
                                                             sizeof(S) +
                                                         cache_bytes(cache);
                               f.forward_peak = std::max(f.forward_peak, static_cast<Index>(bytes));
                             });
    const std::vector<std::int32_t> y{0};
    const Linearization<S> lin = linearize<S>(model, theta, X, y, Loss::cross_entropy, std::nullopt);
    std::size_t bytes = static_cast<std::size_t>(lin.loss_cache_.size()) * sizeof(S);
    for (const auto& m : lin.outputs_) bytes += static_cast<std::size_t>(m.size()) * sizeof(S);
    for (const auto& m : lin.deltas_) bytes += static_cast<std::size_t>(m.size()) * sizeof(S);
    for (const auto& c : lin.caches_) bytes += cache_bytes(c);
    f.linearization = static_cast<Index>(bytes);
    const std::size_t layers = model.layer_count();
    const std::size_t first = model.first_parameter_layer();
    Index rows = 0;
    Index delta_rows = model.output_size();
    for (std::size_t i = first; i < layers; ++i) {
      rows += model.layer(i).out_shape().size();
      if (i > first) delta_rows = std::max(delta_rows, model.layer(i).in_shape().size());
    }
    f.r_pass = first == layers ? 0 : static_cast<Index>((rows + 2 * delta_rows) * static_cast<Index>(sizeof(S)));
    return f;
  }

  template <class S>
  static double evaluate_loss(const Model& model, const Eigen::Ref<const Vector<S>>& theta,
                              const Eigen::Ref<const Matrix<S>>& X, std::span<const std::int32_t> y, Loss loss,
                              std::optional<double> weight) {
    check_batch<S>(model, theta.size(), X, y);
    const S w = resolve_weight<S>(weight, X.cols());
    const Matrix<S> logits = forward_logits<S>(model, theta, X);
    const double value = loss_value<S>(loss, logits, y, w);
    SEIGH_REQUIRE(std::isfinite(value)) << "the loss is not finite (" << value << ")";
    return value;
  }
};

}  // namespace detail

Linearization<float> linearize(const Model& model, const Eigen::Ref<const VectorF>& theta,
                               const Eigen::Ref<const MatrixF>& X, std::span<const std::int32_t> y, Loss loss,
                               std::optional<double> weight) {
  return detail::LinearizationAccess::linearize<float>(model, theta, X, y, loss, weight);
}
Linearization<double> linearize(const Model& model, const Eigen::Ref<const VectorD>& theta,
                                const Eigen::Ref<const MatrixD>& X, std::span<const std::int32_t> y, Loss loss,
                                std::optional<double> weight) {
  return detail::LinearizationAccess::linearize<double>(model, theta, X, y, loss, weight);
}

template <class S>
void hvp(const Linearization<S>& lin, const Eigen::Ref<const Matrix<std::type_identity_t<S>>>& V,
         Eigen::Ref<Matrix<std::type_identity_t<S>>> HV, Curvature curvature,
         HvpWorkspace<std::type_identity_t<S>>* workspace) {
  detail::LinearizationAccess::hvp<S>(lin, V, HV, curvature, workspace);
}

namespace {
template <class S>
double loss_and_gradient_t(const Model& model, const Eigen::Ref<const Vector<S>>& theta,
                           const Eigen::Ref<const Matrix<S>>& X, std::span<const std::int32_t> y, Loss loss,
                           std::optional<double> weight, Eigen::Ref<Vector<S>> grad) {
  SEIGH_REQUIRE(grad.size() == model.parameter_count())
      << "gradient output has " << grad.size() << " entries, expected " << model.parameter_count();
  const Linearization<S> lin = detail::LinearizationAccess::linearize<S>(model, theta, X, y, loss, weight);
  grad = lin.gradient();
  return lin.loss();
}
}  // namespace

double loss_and_gradient(const Model& model, const Eigen::Ref<const VectorF>& theta, const Eigen::Ref<const MatrixF>& X,
                         std::span<const std::int32_t> y, Loss loss, std::optional<double> weight,
                         Eigen::Ref<VectorF> grad) {
  return loss_and_gradient_t<float>(model, theta, X, y, loss, weight, grad);
}
double loss_and_gradient(const Model& model, const Eigen::Ref<const VectorD>& theta, const Eigen::Ref<const MatrixD>& X,
                         std::span<const std::int32_t> y, Loss loss, std::optional<double> weight,
                         Eigen::Ref<VectorD> grad) {
  return loss_and_gradient_t<double>(model, theta, X, y, loss, weight, grad);
}

MatrixF forward_logits(const Model& model, const Eigen::Ref<const VectorF>& theta, const Eigen::Ref<const MatrixF>& X) {
  return detail::LinearizationAccess::forward_logits<float>(model, theta, X);
}
MatrixD forward_logits(const Model& model, const Eigen::Ref<const VectorD>& theta, const Eigen::Ref<const MatrixD>& X) {
  return detail::LinearizationAccess::forward_logits<double>(model, theta, X);
}

double evaluate_loss(const Model& model, const Eigen::Ref<const VectorF>& theta, const Eigen::Ref<const MatrixF>& X,
                     std::span<const std::int32_t> y, Loss loss, std::optional<double> weight) {
  return detail::LinearizationAccess::evaluate_loss<float>(model, theta, X, y, loss, weight);
}
double evaluate_loss(const Model& model, const Eigen::Ref<const VectorD>& theta, const Eigen::Ref<const MatrixD>& X,
                     std::span<const std::int32_t> y, Loss loss, std::optional<double> weight) {
  return detail::LinearizationAccess::evaluate_loss<double>(model, theta, X, y, loss, weight);
}

template <class Scalar>
PassFootprint pass_footprint(const Model& model) {
  return detail::LinearizationAccess::footprint<Scalar>(model);
}

template class Linearization<float>;
template class Linearization<double>;
template PassFootprint pass_footprint<float>(const Model&);
template PassFootprint pass_footprint<double>(const Model&);
template void hvp<float>(const Linearization<float>&, const Eigen::Ref<const MatrixF>&, Eigen::Ref<MatrixF>, Curvature,
                         HvpWorkspace<float>*);
template void hvp<double>(const Linearization<double>&, const Eigen::Ref<const MatrixD>&, Eigen::Ref<MatrixD>,
                          Curvature, HvpWorkspace<double>*);

}  // namespace seigh::nn
