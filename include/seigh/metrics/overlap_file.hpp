#pragma once
/// \file
/// The overlap-result file (DESIGN.md §4 "overlap result"), read by h5py.
///
/// One result (one eigenbasis, n_results = 1, `run` = false): every metric
/// is float64 [nk], entry j for k = /k[j]. A run (`run` = true, results
/// ordered by step, the last one the reference T): float64 [n_results, nk],
/// row t for the result of step /step[t].
///
///     /k                   int64   [nk]
///     /overlap             float64 ‖V_k[M_k, :]‖²_F / k, M_k the magnitude mask
///     /chance              float64 k / D
///     /best                float64 overlap of the best possible mask
///     /random_mean         float64 mean overlap of the random masks (NaN if none)
///     /random_std          float64 their sample standard deviation (NaN if < 2)
///     /geodesic /chordal /projection /fubini_study /binet_cauchy /iou
///                          float64 metrics of the principal angles (grassmann.hpp)
///   run only:
///     /step                int64   [n_results]
///     /mask_stability      float64 [n_results, nk]  |M_t ∩ M_T| / k
///     /eigenspace_overlap  float64 [n_results, nk]  ‖V_t,kᵀ V_T,k‖²_F / k
///     /eigenspace_geodesic … /eigenspace_iou        the same metrics, V_t vs V_T
///     attributes of /: format = "seigh-overlap-1", run (0/1), n_results, D,
///       random_masks, seed, stream, eig_files, params_files (the source
///       files, one per result, joined by newlines), seigh_version; for a
///       single result also step if known.
///
/// Written under PATH.partial and renamed when complete (io::OutputFile).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::metrics {

/// All numbers of an overlap result. Every metric is n_results x nk
/// (row t = result t, column j = k[j]), replicated.
struct OverlapTable {
  std::vector<Index> k;
  bool run = false;                 ///< [n_results, nk] layout with the run datasets
  std::vector<std::int64_t> step;   ///< n_results (run); for one result: empty or its step
  std::vector<std::string> eig_files;     ///< n_results
  std::vector<std::string> params_files;  ///< n_results
  Index D = 0;
  Index random_masks = 0;
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;

  MatrixD overlap, chance, best, random_mean, random_std;
  MatrixD geodesic, chordal, projection, fubini_study, binet_cauchy, iou;
  // run only
  MatrixD mask_stability, eigenspace_overlap;
  MatrixD eigenspace_geodesic, eigenspace_chordal, eigenspace_projection, eigenspace_fubini_study,
      eigenspace_binet_cauchy, eigenspace_iou;

  /// An all-NaN table of n_results x nk for every metric (the run ones
  /// only if `run`).
  static OverlapTable sized(std::vector<Index> ks, Index n_results, bool run);
  [[nodiscard]] Index results() const { return overlap.rows(); }

  /// (dataset name without '/', matrix) for every metric present: the
  /// common ones, then the run ones if `run`.
  [[nodiscard]] std::vector<std::pair<std::string, const MatrixD*>> metrics() const;
  [[nodiscard]] std::vector<std::pair<std::string, MatrixD*>> metrics();
};

/// Write `table` (rank 0's values) to PATH atomically. Collective.
/// Throws seigh::Error (collective) on inconsistent shapes or I/O errors.
void write_overlap_result(const dist::Comm& comm, const std::string& path, const OverlapTable& table);

/// Read PATH written by write_overlap_result, on every rank. Collective.
[[nodiscard]] OverlapTable read_overlap_result(const dist::Comm& comm, const std::string& path);

}  // namespace seigh::metrics
