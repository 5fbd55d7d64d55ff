#include "seigh/metrics/overlap_analysis.hpp"

#include <algorithm>

#include "seigh/core/error.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/metrics/eigenspace.hpp"
#include "seigh/metrics/row_norms.hpp"

namespace seigh::metrics {

std::vector<Mask> magnitude_masks(const dist::Comm& comm, const Eigen::Ref<const VectorF>& theta,
                                  const std::vector<Index>& ks) {
  std::vector<Mask> masks;
  // θ is replicated, so a non-finite entry fails every rank: agree on it.
  for (const Index k : ks) masks.push_back(dist::collective(comm, [&] { return magnitude_mask(theta, k); }));
  return masks;
}

std::vector<MaskAnalysis> analyse_mask_inputs(const dist::Comm& comm, Index D, const std::vector<MaskInputs>& inputs,
                                              const OverlapOptions& options) {
  std::vector<MaskAnalysis> analyses;
  analyses.reserve(inputs.size());
  for (const MaskInputs& in : inputs) {
    MaskAnalysis a;
    a.k = in.k;
    a.mask = in.mask;
    a.chance = chance_level(in.k, D);
    a.magnitude = compare_mask_rows(in.rows);
    a.best = best_mask(comm, in.norms);
    a.random = random_mask_control(comm, in.norms, options.random_masks, options.rng);
    analyses.push_back(std::move(a));
  }
  return analyses;
}

template <class Scalar>
std::vector<MaskAnalysis> analyse_masks(const dist::Comm& comm, const dist::BlockRowMatrix<Scalar>& V,
                                        const Eigen::Ref<const VectorF>& theta, const std::vector<Index>& ks,
                                        const OverlapOptions& options) {
  const Index D = V.global_rows();
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(theta.size() == D) << "θ has " << theta.size() << " entries but the eigenvectors have D = " << D;
    for (const Index k : ks) {
      SEIGH_REQUIRE(k >= 1 && k <= V.cols() && k <= D)
          << "k = " << k << " must lie in [1, " << std::min(V.cols(), D) << "] (" << V.cols()
          << " eigenvectors, D = " << D << ")";
    }
  });
  const std::vector<Mask> masks = magnitude_masks(comm, theta, ks);
  std::vector<MaskInputs> inputs;
  for (std::size_t j = 0; j < ks.size(); ++j)
    inputs.push_back({ks[j], masks[j], mask_rows(comm, V, masks[j]), row_norms(V, ks[j])});
  return analyse_mask_inputs(comm, D, inputs, options);
}

void fill_row(OverlapTable& table, Index t, const std::vector<MaskAnalysis>& analyses) {
  SEIGH_REQUIRE(analyses.size() == table.k.size())
      << "fill_row: " << analyses.size() << " analyses for " << table.k.size() << " k values";
  SEIGH_REQUIRE(t >= 0 && t < table.results()) << "fill_row: row " << t << " of " << table.results();
  for (std::size_t j = 0; j < analyses.size(); ++j) {
    const MaskAnalysis& a = analyses[j];
    const auto c = static_cast<Index>(j);
    SEIGH_REQUIRE(a.k == table.k[j]) << "fill_row: analysis for k = " << a.k << " in the column of k = " << table.k[j];
    const SubspaceMetrics& m = a.magnitude.metrics;
    table.overlap(t, c) = m.overlap;
    table.chance(t, c) = a.chance;
    table.best(t, c) = a.best.overlap;
    table.random_mean(t, c) = a.random.mean;
    table.random_std(t, c) = a.random.std;
    table.geodesic(t, c) = m.geodesic;
    table.chordal(t, c) = m.chordal;
    table.projection(t, c) = m.projection;
    table.fubini_study(t, c) = m.fubini_study;
    table.binet_cauchy(t, c) = m.binet_cauchy;
    table.iou(t, c) = m.iou;
  }
}

template <class Scalar>
void fill_run_row(const dist::Comm& comm, OverlapTable& table, Index t, const dist::BlockRowMatrix<Scalar>& V_t,
                  const std::vector<Mask>& masks_t, const dist::BlockRowMatrix<Scalar>& V_T,
                  const std::vector<Mask>& masks_T) {
  SEIGH_REQUIRE(table.run) << "fill_run_row: the table has no run layout";
  SEIGH_REQUIRE(masks_t.size() == table.k.size() && masks_T.size() == table.k.size())
      << "fill_run_row: masks do not match the " << table.k.size() << " k values";
  const Index k_max = *std::max_element(table.k.begin(), table.k.end());
  fill_run_row(table, t, leading_cross_gram(comm, V_t, V_T, k_max), masks_t, masks_T);
}

void fill_run_row(OverlapTable& table, Index t, const MatrixD& cross, const std::vector<Mask>& masks_t,
                  const std::vector<Mask>& masks_T) {
  SEIGH_REQUIRE(table.run) << "fill_run_row: the table has no run layout";
  SEIGH_REQUIRE(masks_t.size() == table.k.size() && masks_T.size() == table.k.size())
      << "fill_run_row: masks do not match the " << table.k.size() << " k values";
  for (std::size_t j = 0; j < table.k.size(); ++j) {
    const auto c = static_cast<Index>(j);
    table.mask_stability(t, c) = mask_stability(masks_t[j], masks_T[j]);
    const EigenspaceComparison e = compare_eigenspaces(cross, table.k[j]);
    table.eigenspace_overlap(t, c) = e.metrics.overlap;
    table.eigenspace_geodesic(t, c) = e.metrics.geodesic;
    table.eigenspace_chordal(t, c) = e.metrics.chordal;
    table.eigenspace_projection(t, c) = e.metrics.projection;
    table.eigenspace_fubini_study(t, c) = e.metrics.fubini_study;
    table.eigenspace_binet_cauchy(t, c) = e.metrics.binet_cauchy;
    table.eigenspace_iou(t, c) = e.metrics.iou;
  }
}

template std::vector<MaskAnalysis> analyse_masks(const dist::Comm&, const dist::BlockRowMatrix<float>&,
                                                 const Eigen::Ref<const VectorF>&, const std::vector<Index>&,
                                                 const OverlapOptions&);
template std::vector<MaskAnalysis> analyse_masks(const dist::Comm&, const dist::BlockRowMatrix<double>&,
                                                 const Eigen::Ref<const VectorF>&, const std::vector<Index>&,
                                                 const OverlapOptions&);
template void fill_run_row(const dist::Comm&, OverlapTable&, Index, const dist::BlockRowMatrix<float>&,
                           const std::vector<Mask>&, const dist::BlockRowMatrix<float>&, const std::vector<Mask>&);
template void fill_run_row(const dist::Comm&, OverlapTable&, Index, const dist::BlockRowMatrix<double>&,
                           const std::vector<Mask>&, const dist::BlockRowMatrix<double>&, const std::vector<Mask>&);

}  // namespace seigh::metrics
