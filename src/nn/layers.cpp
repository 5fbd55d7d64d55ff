#include "seigh/nn/layers.hpp"

#include <cmath>

#include "seigh/core/error.hpp"
#include "seigh/nn/init.hpp"

namespace seigh::nn {

std::string to_string(const Shape& shape) {
  if (shape.height == 1 && shape.width == 1) return std::to_string(shape.channels);
  return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" + std::to_string(shape.width);
}

std::string_view name(Curvature curvature) {
  switch (curvature) {
    case Curvature::hessian: return "hessian";
    case Curvature::ggn: return "ggn";
  }
  return "unknown";
}

Curvature parse_curvature(std::string_view text) {
  if (text == "hessian") return Curvature::hessian;
  if (text == "ggn") return Curvature::ggn;
  SEIGH_FAIL() << "unknown curvature '" << std::string(text) << "' (valid: hessian, ggn)";
}

// Defines the virtual passes of `Class` for precision S by forwarding to its
// member templates (argument lists adapted by the FWD_* macros below).
#define SEIGH_NN_DEFINE_PASSES(Class, S, FWD_ARGS, BWD_ARGS, RFWD_ARGS, RBWD_ARGS)                                  \
  void Class::forward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& in,                    \
                      LayerPasses<S>::MutMat out, LayerCache<S>& cache) const {                                     \
    (void)theta;                                                                                                    \
    (void)cache;                                                                                                    \
    forward_t<S> FWD_ARGS;                                                                                          \
  }                                                                                                                 \
  void Class::backward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& in,                   \
                       const LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,                             \
                       LayerPasses<S>::MutMat delta_in, LayerPasses<S>::MutVec grad) const {                        \
    (void)theta;                                                                                                    \
    (void)in;                                                                                                       \
    (void)cache;                                                                                                    \
    (void)grad;                                                                                                     \
    backward_t<S> BWD_ARGS;                                                                                         \
  }                                                                                                                 \
  void Class::r_forward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& v,                   \
                        const LayerPasses<S>::ConstMat& in, const LayerCache<S>& cache,                             \
                        const LayerPasses<S>::ConstMat& r_in, LayerPasses<S>::MutMat r_out) const {                 \
    (void)theta;                                                                                                    \
    (void)v;                                                                                                        \
    (void)in;                                                                                                       \
    (void)cache;                                                                                                    \
    r_forward_t<S> RFWD_ARGS;                                                                                       \
  }                                                                                                                 \
  void Class::r_backward(const LayerPasses<S>::ConstVec& theta, const LayerPasses<S>::ConstMat& v,                  \
                         const LayerPasses<S>::ConstMat& in, const LayerPasses<S>::ConstMat& delta_out,             \
                         const LayerCache<S>& cache, const LayerPasses<S>::ConstMat& r_in,                          \
                         const LayerPasses<S>::ConstMat& r_delta_out, LayerPasses<S>::MutMat r_delta_in,            \
                         LayerPasses<S>::MutMat hv, Curvature curvature) const {                                    \
    (void)theta;                                                                                                    \
    (void)v;                                                                                                        \
    (void)in;                                                                                                       \
    (void)delta_out;                                                                                                \
    (void)cache;                                                                                                    \
    (void)hv;                                                                                                       \
    r_backward_t<S> RBWD_ARGS;                                                                                      \
  }

namespace {

/// Samples and directions of a direction-major R-block (rows x N·b).
Index directions_of(Index r_cols, Index samples) { return samples == 0 ? 0 : r_cols / samples; }

}  // namespace

// ------------------------------------------------------------------ Linear

Linear::Linear(Index in, Index out) : in_(in), out_(out) {
  SEIGH_REQUIRE(in >= 1 && out >= 1) << "linear layer needs positive sizes, got in=" << in << " out=" << out;
}

std::string Linear::name() const { return "linear(" + std::to_string(in_) + "->" + std::to_string(out_) + ")"; }

void Linear::init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const {
  SEIGH_REQUIRE(theta_l.size() == parameter_count()) << name() << ": init block has " << theta_l.size()
                                                     << " entries, expected " << parameter_count();
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  for (Index k = 0; k < theta_l.size(); ++k) theta_l(k) = uniform_parameter(init_state, offset + k, bound);
}

double Linear::r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                            Curvature curvature) const {
  const double unit = 2.0 * static_cast<double>(in_) * static_cast<double>(out_) * static_cast<double>(samples) *
                      static_cast<double>(directions);
  const bool hessian = curvature == Curvature::hessian;
  double products = 0;
  products += has_r_in ? 1 : 0;                      // W R{Z}
  products += 1;                                     // V_j Z
  products += 1;                                     // Z R{Δ}_jᵀ
  products += (hessian && has_r_in) ? 1 : 0;         // R{Z}_j Δᵀ
  products += needs_r_delta_in ? 1 : 0;              // Wᵀ R{Δ}
  products += (needs_r_delta_in && hessian) ? 1 : 0;  // V_jᵀ Δ
  return products * unit;
}

double Linear::forward_backward_flops(Index samples, bool needs_delta_in) const {
  const double unit = 2.0 * static_cast<double>(in_) * static_cast<double>(out_) * static_cast<double>(samples);
  return unit * (needs_delta_in ? 3 : 2);
}

template <class S>
void Linear::forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,
                       typename LayerPasses<S>::MutMat out) const {
  const Eigen::Map<const Matrix<S>> wt(theta.data(), in_, out_);  // Wᵀ (in x out)
  const Eigen::Map<const Vector<S>> bias(theta.data() + in_ * out_, out_);
  out.noalias() = wt.transpose() * in;
  out.colwise() += bias;
}

template <class S>
void Linear::backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,
                        const typename LayerPasses<S>::ConstMat& delta_out, typename LayerPasses<S>::MutMat delta_in,
                        typename LayerPasses<S>::MutVec grad) const {
  Eigen::Map<Matrix<S>> gwt(grad.data(), in_, out_);  // (∂W)ᵀ
  gwt.noalias() = in * delta_out.transpose();
  grad.tail(out_) = delta_out.rowwise().sum();
  if (delta_in.size() != 0) {
    const Eigen::Map<const Matrix<S>> wt(theta.data(), in_, out_);
    delta_in.noalias() = wt * delta_out;
  }
}

template <class S>
void Linear::r_forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                         const typename LayerPasses<S>::ConstMat& in, const typename LayerPasses<S>::ConstMat& r_in,
                         typename LayerPasses<S>::MutMat r_out) const {
  const Index n = in.cols();
  const Index b = v.cols();
  const bool has_r_in = r_in.size() != 0;
  if (has_r_in) {
    const Eigen::Map<const Matrix<S>> wt(theta.data(), in_, out_);
    r_out.noalias() = wt.transpose() * r_in;  // one GEMM over all directions
  }
  for (Index j = 0; j < b; ++j) {
    const Eigen::Map<const Matrix<S>> vwt(v.col(j).data(), in_, out_);  // V_jᵀ
    const Eigen::Map<const Vector<S>> vb(v.col(j).data() + in_ * out_, out_);
    auto block = r_out.middleCols(j * n, n);
    if (has_r_in) {
      block.noalias() += vwt.transpose() * in;
    } else {
      block.noalias() = vwt.transpose() * in;
    }
    block.colwise() += vb;
  }
}

template <class S>
void Linear::r_backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                          const typename LayerPasses<S>::ConstMat& in,
                          const typename LayerPasses<S>::ConstMat& delta_out,
                          const typename LayerPasses<S>::ConstMat& r_in,
                          const typename LayerPasses<S>::ConstMat& r_delta_out,
                          typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat hv,
                          Curvature curvature) const {
  const Index n = in.cols();
  const Index b = v.cols();
  const bool hessian = curvature == Curvature::hessian;
  const bool has_r_in = r_in.size() != 0;
  for (Index j = 0; j < b; ++j) {
    Eigen::Map<Matrix<S>> hwt(hv.col(j).data(), in_, out_);  // (R{∂W}_j)ᵀ
    const auto rd = r_delta_out.middleCols(j * n, n);
    hwt.noalias() = in * rd.transpose();
    if (hessian && has_r_in) hwt.noalias() += r_in.middleCols(j * n, n) * delta_out.transpose();
    hv.col(j).tail(out_) = rd.rowwise().sum();
  }
  if (r_delta_in.size() != 0) {
    const Eigen::Map<const Matrix<S>> wt(theta.data(), in_, out_);
    r_delta_in.noalias() = wt * r_delta_out;  // one GEMM over all directions
    if (hessian) {
      for (Index j = 0; j < b; ++j) {
        const Eigen::Map<const Matrix<S>> vwt(v.col(j).data(), in_, out_);
        r_delta_in.middleCols(j * n, n).noalias() += vwt * delta_out;
      }
    }
  }
}

SEIGH_NN_DEFINE_PASSES(Linear, float, (theta, in, out), (theta, in, delta_out, delta_in, grad),
                       (theta, v, in, r_in, r_out),
                       (theta, v, in, delta_out, r_in, r_delta_out, r_delta_in, hv, curvature))
SEIGH_NN_DEFINE_PASSES(Linear, double, (theta, in, out), (theta, in, delta_out, delta_in, grad),
                       (theta, v, in, r_in, r_out),
                       (theta, v, in, delta_out, r_in, r_delta_out, r_delta_in, hv, curvature))

// --------------------------------------------------------- ActivationLayer

ActivationLayer::ActivationLayer(Activation activation, Shape shape) : activation_(activation), shape_(shape) {
  SEIGH_REQUIRE(shape.size() >= 1) << "activation layer needs a non-empty shape";
}

std::string ActivationLayer::name() const { return std::string(nn::name(activation_)); }

void ActivationLayer::init(const random::RngState&, Index, Eigen::Ref<VectorD> theta_l) const {
  SEIGH_REQUIRE(theta_l.size() == 0) << name() << " has no parameters";
}

double ActivationLayer::r_pass_flops(Index, Index, bool, bool, Curvature) const { return 0; }
double ActivationLayer::forward_backward_flops(Index, bool) const { return 0; }

template <class S>
void ActivationLayer::forward_t(const typename LayerPasses<S>::ConstMat& in, typename LayerPasses<S>::MutMat out,
                                LayerCache<S>& cache) const {
  // matrices[0] = σ'(a); matrices[1] holds σ''(a) until backward() turns it
  // into σ''(a)⊙δ_out (relu: none, σ'' = 0).
  const bool second = !is_piecewise_linear(activation_);
  cache.matrices.resize(second ? 2 : 1);
  cache.matrices[0].resize(in.rows(), in.cols());
  Matrix<S> none;
  if (second) cache.matrices[1].resize(in.rows(), in.cols());
  apply_activation<S>(activation_, in, out, cache.matrices[0], second ? cache.matrices[1] : none);
}

template <class S>
void ActivationLayer::backward_t(const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,
                                 typename LayerPasses<S>::MutMat delta_in) const {
  SEIGH_REQUIRE(!cache.matrices.empty()) << name() << ": backward before forward";
  if (delta_in.size() != 0) delta_in = cache.matrices[0].cwiseProduct(delta_out);
  if (cache.matrices.size() > 1) cache.matrices[1].array() *= delta_out.array();
}

template <class S>
void ActivationLayer::r_forward_t(const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,
                                  typename LayerPasses<S>::MutMat r_out) const {
  if (r_in.size() == 0) {
    r_out.setZero();
    return;
  }
  const Matrix<S>& d1 = cache.matrices[0];
  const Index n = d1.cols();
  const Index b = directions_of(r_in.cols(), n);
  for (Index j = 0; j < b; ++j) {
    r_out.middleCols(j * n, n) = d1.cwiseProduct(r_in.middleCols(j * n, n));
  }
}

template <class S>
void ActivationLayer::r_backward_t(const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,
                                   const typename LayerPasses<S>::ConstMat& r_delta_out,
                                   typename LayerPasses<S>::MutMat r_delta_in, Curvature curvature) const {
  if (r_delta_in.size() == 0) return;
  const Matrix<S>& d1 = cache.matrices[0];
  const Index n = d1.cols();
  const Index b = directions_of(r_delta_out.cols(), n);
  const bool second = curvature == Curvature::hessian && cache.matrices.size() > 1 && r_in.size() != 0;
  for (Index j = 0; j < b; ++j) {
    auto out = r_delta_in.middleCols(j * n, n);
    if (second) {
      out.array() = d1.array() * r_delta_out.middleCols(j * n, n).array() +
                    cache.matrices[1].array() * r_in.middleCols(j * n, n).array();
    } else {
      out = d1.cwiseProduct(r_delta_out.middleCols(j * n, n));
    }
  }
}

SEIGH_NN_DEFINE_PASSES(ActivationLayer, float, (in, out, cache), (delta_out, cache, delta_in), (cache, r_in, r_out),
                       (cache, r_in, r_delta_out, r_delta_in, curvature))
SEIGH_NN_DEFINE_PASSES(ActivationLayer, double, (in, out, cache), (delta_out, cache, delta_in),
                       (cache, r_in, r_out), (cache, r_in, r_delta_out, r_delta_in, curvature))

}  // namespace seigh::nn
