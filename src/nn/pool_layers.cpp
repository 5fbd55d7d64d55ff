// MaxPool2d, AvgPool2d and Flatten (the math is in conv_layers.hpp).
#include <algorithm>
#include <cmath>
#include <limits>

#include "seigh/core/error.hpp"
#include "seigh/nn/conv_layers.hpp"

namespace seigh::nn {

Shape pool_output_shape(const Shape& in, const Window2d& w, const std::string& what) {
  SEIGH_REQUIRE(w.padding <= w.kernel / 2)
      << what << ": padding " << w.padding << " exceeds half the kernel " << w.kernel
      << " (PyTorch's rule: every window must hold an input)";
  return window_output_shape(in, w, in.channels, what);
}

namespace {

/// The part of window (oh, ow) inside the H x W plane: rows [h0, h1), columns [w0, w1).
struct Clip {
  Index h0, h1, w0, w1;
};
Clip clip(const Shape& in, const Window2d& w, Index oh, Index ow) {
  const Index hs = oh * w.stride - w.padding, ws = ow * w.stride - w.padding;
  return {std::max<Index>(hs, 0), std::min(hs + w.kernel, in.height), std::max<Index>(ws, 0),
          std::min(ws + w.kernel, in.width)};
}

/// Samples per column block of an R-matrix (layer.hpp: direction-major).
Index sample_count(const std::vector<Index>& argmax, Index out_size) {
  return out_size == 0 ? 0 : static_cast<Index>(argmax.size()) / out_size;
}

}  // namespace

// --------------------------------------------------------------- MaxPool2d

template <class S>
void MaxPool2d::forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat& in,
                          typename LayerPasses<S>::MutMat out, LayerCache<S>& cache) const {
  const Index n = in.cols(), plane = in_.height * in_.width, positions = out_.height * out_.width;
  const Index out_size = out_.size();
  cache.indices.resize(static_cast<std::size_t>(out_size * n));
  for (Index t = 0; t < n; ++t) {
    const S* x = in.col(t).data();
    S* y = out.col(t).data();
    Index* arg = cache.indices.data() + out_size * t;
    for (Index c = 0; c < in_.channels; ++c) {
      for (Index oh = 0; oh < out_.height; ++oh) {
        for (Index ow = 0; ow < out_.width; ++ow) {
          const Clip w = clip(in_, window_, oh, ow);
          // PyTorch's CPU kernel: start at −∞ with the first position of the
          // window, take strictly larger values (first maximum wins) or NaN.
          S best = -std::numeric_limits<S>::infinity();
          Index best_at = c * plane + w.h0 * in_.width + w.w0;
          for (Index h = w.h0; h < w.h1; ++h) {
            for (Index q = w.w0; q < w.w1; ++q) {
              const Index at = c * plane + h * in_.width + q;
              if (x[at] > best || std::isnan(x[at])) {
                best = x[at];
                best_at = at;
              }
            }
          }
          const Index o = c * positions + oh * out_.width + ow;
          y[o] = best;
          arg[o] = best_at;
        }
      }
    }
  }
}

template <class S>
void MaxPool2d::backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                           const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,
                           typename LayerPasses<S>::MutMat delta_in, typename LayerPasses<S>::MutVec) const {
  if (delta_in.size() == 0) return;
  const Index out_size = out_.size();
  delta_in.setZero();
  for (Index t = 0; t < delta_out.cols(); ++t) {
    const Index* arg = cache.indices.data() + out_size * t;
    for (Index o = 0; o < out_size; ++o) delta_in(arg[o], t) += delta_out(o, t);
  }
}

template <class S>
void MaxPool2d::r_forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                            const typename LayerPasses<S>::ConstMat&, const LayerCache<S>& cache,
                            const typename LayerPasses<S>::ConstMat& r_in, typename LayerPasses<S>::MutMat r_out) const {
  if (r_in.size() == 0) {
    r_out.setZero();
    return;
  }
  const Index out_size = out_.size();
  const Index n = sample_count(cache.indices, out_size);
  for (Index s = 0; s < r_in.cols(); ++s) {
    const Index* arg = cache.indices.data() + out_size * (s % n);
    for (Index o = 0; o < out_size; ++o) r_out(o, s) = r_in(arg[o], s);
  }
}

template <class S>
void MaxPool2d::r_backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                             const typename LayerPasses<S>::ConstMat&, const typename LayerPasses<S>::ConstMat&,
                             const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat&,
                             const typename LayerPasses<S>::ConstMat& r_delta_out,
                             typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat,
                             Curvature) const {
  // Piecewise linear in its input: no second-order term, Hessian = GGN here.
  if (r_delta_in.size() == 0) return;
  const Index out_size = out_.size();
  const Index n = sample_count(cache.indices, out_size);
  r_delta_in.setZero();
  for (Index s = 0; s < r_delta_out.cols(); ++s) {
    const Index* arg = cache.indices.data() + out_size * (s % n);
    for (Index o = 0; o < out_size; ++o) r_delta_in(arg[o], s) += r_delta_out(o, s);
  }
}

SEIGH_NN_INSTANTIATE_PASSES(MaxPool2d, float)
SEIGH_NN_INSTANTIATE_PASSES(MaxPool2d, double)

// --------------------------------------------------------------- AvgPool2d

namespace {

/// y = A x (Adjoint: x = Aᵀ y, x overwritten) column by column, A the
/// count_include_pad average of every window.
template <bool Adjoint, class S, class XRef, class YRef>
void average(const Shape& in, const Shape& out, const Window2d& w, XRef& x, YRef& y) {
  const Index plane = in.height * in.width, positions = out.height * out.width;
  const S scale = S(1) / static_cast<S>(w.kernel * w.kernel);
  if constexpr (Adjoint) x.setZero();
  for (Index t = 0; t < x.cols(); ++t) {
    auto* xt = x.col(t).data();
    auto* yt = y.col(t).data();
    for (Index c = 0; c < in.channels; ++c) {
      for (Index oh = 0; oh < out.height; ++oh) {
        for (Index ow = 0; ow < out.width; ++ow) {
          const Clip cw = clip(in, w, oh, ow);
          const Index o = c * positions + oh * out.width + ow;
          if constexpr (Adjoint) {
            const S g = yt[o] * scale;
            for (Index h = cw.h0; h < cw.h1; ++h)
              for (Index q = cw.w0; q < cw.w1; ++q) xt[c * plane + h * in.width + q] += g;
          } else {
            S sum = 0;
            for (Index h = cw.h0; h < cw.h1; ++h)
              for (Index q = cw.w0; q < cw.w1; ++q) sum += xt[c * plane + h * in.width + q];
            yt[o] = sum * scale;
          }
        }
      }
    }
  }
}

}  // namespace

template <class S>
void AvgPool2d::forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat& in,
                          typename LayerPasses<S>::MutMat out, LayerCache<S>&) const {
  average<false, S>(in_, out_, window_, in, out);
}

template <class S>
void AvgPool2d::backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                           const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>&,
                           typename LayerPasses<S>::MutMat delta_in, typename LayerPasses<S>::MutVec) const {
  if (delta_in.size() != 0) average<true, S>(in_, out_, window_, delta_in, delta_out);
}

template <class S>
void AvgPool2d::r_forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                            const typename LayerPasses<S>::ConstMat&, const LayerCache<S>&,
                            const typename LayerPasses<S>::ConstMat& r_in, typename LayerPasses<S>::MutMat r_out) const {
  if (r_in.size() == 0) {
    r_out.setZero();
  } else {
    average<false, S>(in_, out_, window_, r_in, r_out);
  }
}

template <class S>
void AvgPool2d::r_backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                             const typename LayerPasses<S>::ConstMat&, const typename LayerPasses<S>::ConstMat&,
                             const LayerCache<S>&, const typename LayerPasses<S>::ConstMat&,
                             const typename LayerPasses<S>::ConstMat& r_delta_out,
                             typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat,
                             Curvature) const {
  if (r_delta_in.size() != 0) average<true, S>(in_, out_, window_, r_delta_in, r_delta_out);
}

SEIGH_NN_INSTANTIATE_PASSES(AvgPool2d, float)
SEIGH_NN_INSTANTIATE_PASSES(AvgPool2d, double)

// ----------------------------------------------------------------- Flatten

Flatten::Flatten(Shape in) : in_(in) { SEIGH_REQUIRE(in.size() >= 1) << "flatten needs a non-empty shape"; }

void Flatten::init(const random::RngState&, Index, Eigen::Ref<VectorD> theta_l) const {
  SEIGH_REQUIRE(theta_l.size() == 0) << name() << " has no parameters";
}

template <class S>
void Flatten::forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat& in,
                        typename LayerPasses<S>::MutMat out, LayerCache<S>&) const {
  out = in;
}

template <class S>
void Flatten::backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                         const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>&,
                         typename LayerPasses<S>::MutMat delta_in, typename LayerPasses<S>::MutVec) const {
  if (delta_in.size() != 0) delta_in = delta_out;
}

template <class S>
void Flatten::r_forward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                          const typename LayerPasses<S>::ConstMat&, const LayerCache<S>&,
                          const typename LayerPasses<S>::ConstMat& r_in, typename LayerPasses<S>::MutMat r_out) const {
  if (r_in.size() == 0) {
    r_out.setZero();
  } else {
    r_out = r_in;
  }
}

template <class S>
void Flatten::r_backward_t(const typename LayerPasses<S>::ConstVec&, const typename LayerPasses<S>::ConstMat&,
                           const typename LayerPasses<S>::ConstMat&, const typename LayerPasses<S>::ConstMat&,
                           const LayerCache<S>&, const typename LayerPasses<S>::ConstMat&,
                           const typename LayerPasses<S>::ConstMat& r_delta_out,
                           typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat,
                           Curvature) const {
  if (r_delta_in.size() != 0) r_delta_in = r_delta_out;
}

SEIGH_NN_INSTANTIATE_PASSES(Flatten, float)
SEIGH_NN_INSTANTIATE_PASSES(Flatten, double)

}  // namespace seigh::nn
