#pragma once
/// \file
/// LayerImpl<Derived>: the eight virtual passes of Layer (four passes in
/// float and double) defined once, by forwarding to the derived class's
/// member templates with the full argument lists:
///
///     template <class S> void forward_t(theta, in, out, cache) const;
///     template <class S> void backward_t(theta, in, delta_out, cache, delta_in, grad) const;
///     template <class S> void r_forward_t(theta, v, in, cache, r_in, r_out) const;
///     template <class S> void r_backward_t(theta, v, in, delta_out, cache, r_in, r_delta_out,
///                                          r_delta_in, hv, curvature) const;
///
/// (arguments typed as in LayerPasses<S>). A layer derives from
/// LayerImpl<itself>, declares LayerImpl<itself> a friend if the templates
/// are private, and instantiates them for float and double in its .cpp.

#include "seigh/nn/layer.hpp"

namespace seigh::nn {

template <class Derived>
class LayerImpl : public Layer {
  template <class S>
  using CV = typename LayerPasses<S>::ConstVec;
  template <class S>
  using CM = typename LayerPasses<S>::ConstMat;
  template <class S>
  using MM = typename LayerPasses<S>::MutMat;
  template <class S>
  using MV = typename LayerPasses<S>::MutVec;

  [[nodiscard]] const Derived& self() const { return static_cast<const Derived&>(*this); }

 public:
  void forward(const CV<float>& theta, const CM<float>& in, MM<float> out, LayerCache<float>& cache) const override {
    self().template forward_t<float>(theta, in, out, cache);
  }
  void forward(const CV<double>& theta, const CM<double>& in, MM<double> out,
               LayerCache<double>& cache) const override {
    self().template forward_t<double>(theta, in, out, cache);
  }

  void backward(const CV<float>& theta, const CM<float>& in, const CM<float>& delta_out, LayerCache<float>& cache,
                MM<float> delta_in, MV<float> grad) const override {
    self().template backward_t<float>(theta, in, delta_out, cache, delta_in, grad);
  }
  void backward(const CV<double>& theta, const CM<double>& in, const CM<double>& delta_out,
                LayerCache<double>& cache, MM<double> delta_in, MV<double> grad) const override {
    self().template backward_t<double>(theta, in, delta_out, cache, delta_in, grad);
  }

  void r_forward(const CV<float>& theta, const CM<float>& v, const CM<float>& in, const LayerCache<float>& cache,
                 const CM<float>& r_in, MM<float> r_out) const override {
    self().template r_forward_t<float>(theta, v, in, cache, r_in, r_out);
  }
  void r_forward(const CV<double>& theta, const CM<double>& v, const CM<double>& in,
                 const LayerCache<double>& cache, const CM<double>& r_in, MM<double> r_out) const override {
    self().template r_forward_t<double>(theta, v, in, cache, r_in, r_out);
  }

  void r_backward(const CV<float>& theta, const CM<float>& v, const CM<float>& in, const CM<float>& delta_out,
                  const LayerCache<float>& cache, const CM<float>& r_in, const CM<float>& r_delta_out,
                  MM<float> r_delta_in, MM<float> hv, Curvature curvature) const override {
    self().template r_backward_t<float>(theta, v, in, delta_out, cache, r_in, r_delta_out, r_delta_in, hv,
                                        curvature);
  }
  void r_backward(const CV<double>& theta, const CM<double>& v, const CM<double>& in, const CM<double>& delta_out,
                  const LayerCache<double>& cache, const CM<double>& r_in, const CM<double>& r_delta_out,
                  MM<double> r_delta_in, MM<double> hv, Curvature curvature) const override {
    self().template r_backward_t<double>(theta, v, in, delta_out, cache, r_in, r_delta_out, r_delta_in, hv,
                                         curvature);
  }
};

}  // namespace seigh::nn

/// Declares the four member templates LayerImpl forwards to (inside a
/// layer class; define them in the .cpp and instantiate for float, double).
#define SEIGH_NN_PASS_TEMPLATES                                                                                     \
  template <class S>                                                                                                \
  void forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,      \
                 typename LayerPasses<S>::MutMat out, LayerCache<S>& cache) const;                                 \
  template <class S>                                                                                                \
  void backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,     \
                  const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,                        \
                  typename LayerPasses<S>::MutMat delta_in, typename LayerPasses<S>::MutVec grad) const;           \
  template <class S>                                                                                                \
  void r_forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,     \
                   const typename LayerPasses<S>::ConstMat& in, const LayerCache<S>& cache,                        \
                   const typename LayerPasses<S>::ConstMat& r_in, typename LayerPasses<S>::MutMat r_out) const;    \
  template <class S>                                                                                                \
  void r_backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,    \
                    const typename LayerPasses<S>::ConstMat& in, const typename LayerPasses<S>::ConstMat& delta_out, \
                    const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,                     \
                    const typename LayerPasses<S>::ConstMat& r_delta_out, typename LayerPasses<S>::MutMat r_delta_in, \
                    typename LayerPasses<S>::MutMat hv, Curvature curvature) const;

/// Explicit instantiations of those templates for precision S (in the .cpp).
#define SEIGH_NN_INSTANTIATE_PASSES(Class, S)                                                                      \
  template void Class::forward_t<S>(const LayerPasses<S>::ConstVec&, const LayerPasses<S>::ConstMat&,              \
                                    LayerPasses<S>::MutMat, LayerCache<S>&) const;                                 \
  template void Class::backward_t<S>(const LayerPasses<S>::ConstVec&, const LayerPasses<S>::ConstMat&,             \
                                     const LayerPasses<S>::ConstMat&, LayerCache<S>&, LayerPasses<S>::MutMat,      \
                                     LayerPasses<S>::MutVec) const;                                                \
  template void Class::r_forward_t<S>(const LayerPasses<S>::ConstVec&, const LayerPasses<S>::ConstMat&,            \
                                      const LayerPasses<S>::ConstMat&, const LayerCache<S>&,                       \
                                      const LayerPasses<S>::ConstMat&, LayerPasses<S>::MutMat) const;              \
  template void Class::r_backward_t<S>(const LayerPasses<S>::ConstVec&, const LayerPasses<S>::ConstMat&,           \
                                       const LayerPasses<S>::ConstMat&, const LayerPasses<S>::ConstMat&,           \
                                       const LayerCache<S>&, const LayerPasses<S>::ConstMat&,                      \
                                       const LayerPasses<S>::ConstMat&, LayerPasses<S>::MutMat,                    \
                                       LayerPasses<S>::MutMat, Curvature) const;
