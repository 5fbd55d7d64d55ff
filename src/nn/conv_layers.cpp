// Conv2d by im2col + GEMM (the math and layouts are in conv_layers.hpp).
#include "seigh/nn/conv_layers.hpp"

#include <algorithm>
#include <cmath>

#include "seigh/core/error.hpp"
#include "seigh/nn/init.hpp"

namespace seigh::nn {

Shape window_output_shape(const Shape& in, const Window2d& window, Index out_channels, const std::string& what) {
  SEIGH_REQUIRE(in.channels >= 1 && in.height >= 1 && in.width >= 1)
      << what << ": input shape " << to_string(in) << " is empty";
  SEIGH_REQUIRE(window.kernel >= 1 && window.stride >= 1 && window.padding >= 0)
      << what << ": kernel " << window.kernel << ", stride " << window.stride << ", padding " << window.padding
      << " (need kernel >= 1, stride >= 1, padding >= 0)";
  SEIGH_REQUIRE(in.height + 2 * window.padding >= window.kernel && in.width + 2 * window.padding >= window.kernel)
      << what << ": a " << window.kernel << "x" << window.kernel << " window with padding " << window.padding
      << " does not fit the " << in.height << "x" << in.width << " input";
  SEIGH_REQUIRE(out_channels >= 1) << what << ": needs at least one output channel, got " << out_channels;
  const auto extent = [&](Index n) { return (n + 2 * window.padding - window.kernel) / window.stride + 1; };
  return Shape{out_channels, extent(in.height), extent(in.width)};
}

namespace {

/// Output positions [begin, end) of one axis whose input coordinate
/// o·stride − padding + offset lies inside [0, in).
struct Span {
  Index begin;
  Index end;
};
Span valid_span(Index out, Index in, const Window2d& w, Index offset) {
  Index begin = 0;
  while (begin < out && begin * w.stride - w.padding + offset < 0) ++begin;
  Index end = out;
  while (end > begin && (end - 1) * w.stride - w.padding + offset >= in) --end;
  return {begin, end};
}

/// Col (P·S x K) = im2col of the S samples of x (C·H·W x S) (conv_layers.hpp),
/// or, with Adjoint, x (zeroed by the caller) += col2im(Col).
template <bool Adjoint, class S, class XRef, class ColRef>
void im2col_apply(const Shape& in, const Shape& out, const Window2d& w, XRef& x, ColRef& col) {
  const Index k = w.kernel, P = out.height * out.width, plane = in.height * in.width;
  const Index samples = x.cols();
  for (Index c = 0; c < in.channels; ++c) {
    for (Index i = 0; i < k; ++i) {
      for (Index j = 0; j < k; ++j) {
        const Index kappa = (c * k + i) * k + j;
        const Span cols = valid_span(out.width, in.width, w, j);
        for (Index t = 0; t < samples; ++t) {
          auto* dst = col.col(kappa).data() + P * t;
          auto* src = x.col(t).data() + c * plane;
          for (Index oh = 0; oh < out.height; ++oh) {
            auto* row = dst + oh * out.width;
            const Index ih = oh * w.stride - w.padding + i;
            if (ih < 0 || ih >= in.height) {
              if constexpr (!Adjoint) std::fill(row, row + out.width, S(0));
              continue;
            }
            auto* line = src + ih * in.width - w.padding + j;
            if constexpr (Adjoint) {
              for (Index ow = cols.begin; ow < cols.end; ++ow) line[ow * w.stride] += row[ow];
            } else {
              std::fill(row, row + cols.begin, S(0));
              for (Index ow = cols.begin; ow < cols.end; ++ow) row[ow] = line[ow * w.stride];
              std::fill(row + cols.end, row + out.width, S(0));
            }
          }
        }
      }
    }
  }
}

template <class S>
void im2col(const Shape& in, const Shape& out, const Window2d& w, const Eigen::Ref<const Matrix<S>>& x,
            Eigen::Ref<Matrix<S>> col) {
  im2col_apply<false, S>(in, out, w, x, col);
}

/// x = col2im(Col) (overwrites x).
template <class S>
void col2im(const Shape& in, const Shape& out, const Window2d& w, const Eigen::Ref<const Matrix<S>>& col,
            Eigen::Ref<Matrix<S>> x) {
  x.setZero();
  im2col_apply<true, S>(in, out, w, x, col);
}

/// G (P·S x O) [o][s][p] from a block of S samples (O·P x S) [s][o][p].
template <class S>
void to_gemm(Index positions, const Eigen::Ref<const Matrix<S>>& block, Eigen::Ref<Matrix<S>> g) {
  const Index channels = g.cols();
  for (Index o = 0; o < channels; ++o)
    for (Index t = 0; t < block.cols(); ++t)
      g.col(o).segment(positions * t, positions) = block.col(t).segment(o * positions, positions);
}

/// The block (O·P x S) from G (P·S x O), plus bias(o) on channel o.
template <class S>
void from_gemm(Index positions, const Eigen::Ref<const Matrix<S>>& g, const S* bias, Eigen::Ref<Matrix<S>> block) {
  const Index channels = g.cols();
  for (Index t = 0; t < block.cols(); ++t)
    for (Index o = 0; o < channels; ++o)
      block.col(t).segment(o * positions, positions).array() =
          g.col(o).segment(positions * t, positions).array() + bias[o];
}

/// Directions per group: the group's P·N·g x width scratch ≤ ~16 MiB (at least 1).
template <class S>
Index direction_group(Index rows_per_direction, Index width, Index directions) {
  constexpr double kBudgetBytes = 16.0 * (1 << 20);
  const double per = static_cast<double>(rows_per_direction) * static_cast<double>(width) * sizeof(S);
  const Index g = static_cast<Index>(kBudgetBytes / std::max(per, 1.0));
  return std::clamp<Index>(g, 1, std::max<Index>(directions, 1));
}

}  // namespace

// ------------------------------------------------------------------ Conv2d

Conv2d::Conv2d(Shape in, Index out_channels, Window2d window)
    : in_(in), out_(window_output_shape(in, window, out_channels, "conv")), window_(window) {}

std::string Conv2d::name() const {
  return "conv(" + std::to_string(in_.channels) + "->" + std::to_string(out_.channels) + "," +
         std::to_string(window_.kernel) + "," + std::to_string(window_.stride) + "," + std::to_string(window_.padding) +
         ")";
}

void Conv2d::init(const random::RngState& init_state, Index offset, Eigen::Ref<VectorD> theta_l) const {
  SEIGH_REQUIRE(theta_l.size() == parameter_count()) << name() << ": init block has " << theta_l.size()
                                                     << " entries, expected " << parameter_count();
  const double bound = 1.0 / std::sqrt(static_cast<double>(patch_size()));
  for (Index k = 0; k < theta_l.size(); ++k) theta_l(k) = uniform_parameter(init_state, offset + k, bound);
}

double Conv2d::r_pass_flops(Index samples, Index directions, bool has_r_in, bool needs_r_delta_in,
                            Curvature curvature) const {
  const double unit = 2.0 * static_cast<double>(out_.height * out_.width) * static_cast<double>(patch_size()) *
                      static_cast<double>(out_.channels) * static_cast<double>(samples) *
                      static_cast<double>(directions);
  const bool hessian = curvature == Curvature::hessian;
  double products = 2;                                 // Col V_j, Colᵀ R{Δ}_j
  products += has_r_in ? 1 : 0;                        // R{Col} Wᵀ
  products += (hessian && has_r_in) ? 1 : 0;           // R{Col}_jᵀ Δ
  products += needs_r_delta_in ? 1 : 0;                // R{Δ} W
  products += (needs_r_delta_in && hessian) ? 1 : 0;   // Δ V_jᵀ
  return products * unit;
}

double Conv2d::forward_backward_flops(Index samples, bool needs_delta_in) const {
  const double unit = 2.0 * static_cast<double>(out_.height * out_.width) * static_cast<double>(patch_size()) *
                      static_cast<double>(out_.channels) * static_cast<double>(samples);
  return unit * (needs_delta_in ? 3 : 2);  // Col Wᵀ, Colᵀ Δ, Δ W
}

template <class S>
void Conv2d::forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& in,
                       typename LayerPasses<S>::MutMat out, LayerCache<S>& cache) const {
  const Index n = in.cols(), P = out_.height * out_.width, K = patch_size(), O = out_.channels;
  const Eigen::Map<const Matrix<S>> wt(theta.data(), K, O);
  cache.matrices.resize(1);  // Δ (matrices[1]) belongs to the backward pass of this forward
  Matrix<S>& col = cache.matrices[0];
  col.resize(P * n, K);
  im2col<S>(in_, out_, window_, in, col);
  const Matrix<S> g = col * wt;
  from_gemm<S>(P, g, theta.data() + K * O, out);
}

template <class S>
void Conv2d::backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat&,
                        const typename LayerPasses<S>::ConstMat& delta_out, LayerCache<S>& cache,
                        typename LayerPasses<S>::MutMat delta_in, typename LayerPasses<S>::MutVec grad) const {
  SEIGH_REQUIRE(cache.matrices.size() == 1) << name() << ": backward needs exactly one forward before it";
  const Index n = delta_out.cols(), P = out_.height * out_.width, K = patch_size(), O = out_.channels;
  cache.matrices.resize(2);
  const Matrix<S>& col = cache.matrices[0];
  Matrix<S>& delta = cache.matrices[1];
  delta.resize(P * n, O);
  to_gemm<S>(P, delta_out, delta);
  Eigen::Map<Matrix<S>> gwt(grad.data(), K, O);  // (∂W)ᵀ
  gwt.noalias() = col.transpose() * delta;
  grad.tail(O) = delta.colwise().sum().transpose();
  if (delta_in.size() != 0) {
    const Eigen::Map<const Matrix<S>> wt(theta.data(), K, O);
    const Matrix<S> dcol = delta * wt.transpose();
    col2im<S>(in_, out_, window_, dcol, delta_in);
  }
}

template <class S>
void Conv2d::r_forward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                         const typename LayerPasses<S>::ConstMat& in, const LayerCache<S>& cache,
                         const typename LayerPasses<S>::ConstMat& r_in, typename LayerPasses<S>::MutMat r_out) const {
  const Index n = in.cols(), b = v.cols(), P = out_.height * out_.width, K = patch_size(), O = out_.channels;
  const Index rows = P * n;  // G rows per direction
  const bool has_r_in = r_in.size() != 0;
  const Matrix<S>& col = cache.matrices.at(0);
  const Eigen::Map<const Matrix<S>> wt(theta.data(), K, O);
  const Index group = direction_group<S>(rows, std::max(K, O), b);
  Matrix<S> g(rows * std::min(group, b), O);
  Matrix<S> rcol(has_r_in ? rows * std::min(group, b) : 0, K);
  for (Index j0 = 0; j0 < b; j0 += group) {
    const Index gg = std::min(group, b - j0);
    auto gb = g.topRows(rows * gg);
    if (has_r_in) {
      auto rc = rcol.topRows(rows * gg);
      im2col<S>(in_, out_, window_, r_in.middleCols(j0 * n, gg * n), rc);
      gb.noalias() = rc * wt;  // W R{Z}: one GEMM over the group's directions
    }
    for (Index jj = 0; jj < gg; ++jj) {
      const Index j = j0 + jj;
      const Eigen::Map<const Matrix<S>> vwt(v.col(j).data(), K, O);  // V_j (K x O)
      auto gj = gb.middleRows(rows * jj, rows);
      if (has_r_in) {
        gj.noalias() += col * vwt;
      } else {
        gj.noalias() = col * vwt;
      }
      from_gemm<S>(P, gj, v.col(j).data() + K * O, r_out.middleCols(j * n, n));
    }
  }
}

template <class S>
void Conv2d::r_backward_t(const typename LayerPasses<S>::ConstVec& theta, const typename LayerPasses<S>::ConstMat& v,
                          const typename LayerPasses<S>::ConstMat& in, const typename LayerPasses<S>::ConstMat&,
                          const LayerCache<S>& cache, const typename LayerPasses<S>::ConstMat& r_in,
                          const typename LayerPasses<S>::ConstMat& r_delta_out,
                          typename LayerPasses<S>::MutMat r_delta_in, typename LayerPasses<S>::MutMat hv,
                          Curvature curvature) const {
  SEIGH_REQUIRE(cache.matrices.size() == 2) << name() << ": R-backward before backward";
  const Index n = in.cols(), b = v.cols(), P = out_.height * out_.width, K = patch_size(), O = out_.channels;
  const Index rows = P * n;
  const bool hessian = curvature == Curvature::hessian;
  const bool need_rcol = hessian && r_in.size() != 0;
  const bool need_in = r_delta_in.size() != 0;
  const Matrix<S>& col = cache.matrices[0];
  const Matrix<S>& delta = cache.matrices[1];
  const Eigen::Map<const Matrix<S>> wt(theta.data(), K, O);
  const Index group = direction_group<S>(rows, std::max(K, O), b);
  const Index cap = rows * std::min(group, b);
  Matrix<S> rd(cap, O);
  Matrix<S> rcol(need_rcol ? cap : 0, K);
  Matrix<S> dcol(need_in ? cap : 0, K);
  for (Index j0 = 0; j0 < b; j0 += group) {
    const Index gg = std::min(group, b - j0);
    auto rdb = rd.topRows(rows * gg);
    to_gemm<S>(P, r_delta_out.middleCols(j0 * n, gg * n), rdb);
    if (need_rcol) im2col<S>(in_, out_, window_, r_in.middleCols(j0 * n, gg * n), rcol.topRows(rows * gg));
    for (Index jj = 0; jj < gg; ++jj) {
      const Index j = j0 + jj;
      const auto rdj = rdb.middleRows(rows * jj, rows);
      Eigen::Map<Matrix<S>> hwt(hv.col(j).data(), K, O);  // (R{∂W}_j)ᵀ
      hwt.noalias() = col.transpose() * rdj;
      if (need_rcol) hwt.noalias() += rcol.middleRows(rows * jj, rows).transpose() * delta;
      hv.col(j).tail(O) = rdj.colwise().sum().transpose();
    }
    if (need_in) {
      auto dc = dcol.topRows(rows * gg);
      dc.noalias() = rdb * wt.transpose();  // R{Δ} W: one GEMM over the group's directions
      if (hessian) {
        for (Index jj = 0; jj < gg; ++jj) {
          const Eigen::Map<const Matrix<S>> vwt(v.col(j0 + jj).data(), K, O);
          dc.middleRows(rows * jj, rows).noalias() += delta * vwt.transpose();
        }
      }
      col2im<S>(in_, out_, window_, dc, r_delta_in.middleCols(j0 * n, gg * n));
    }
  }
}

SEIGH_NN_INSTANTIATE_PASSES(Conv2d, float)
SEIGH_NN_INSTANTIATE_PASSES(Conv2d, double)

}  // namespace seigh::nn
