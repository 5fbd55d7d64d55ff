#pragma once
/// \file
/// The overlap analysis's view of an eigen-result, gathered in one pass
/// over its rows on disk, so that D x k never has to fit in memory (the
/// record run's V is 11.4 M x 1500 float32, 34 GB per rank at P = 2).
///
/// /eigenvectors is a [K, D] dataset (vector j = row j). Each rank reads
/// its rows [r0, r1) of the partition in blocks of `row_block` rows, the
/// first m = max k vectors at once (an n x m block), and keeps only
///
///   norms[j]   n_i = Σ_{c < k_j} V_ic² for its rows (row_norms.hpp),
///   rows[j]    V[M_j, :k_j] (k_j x k_j) for the mask M_j, allreduced,
///   cross      V[:, :m]ᵀ W[:, :m] (m x m) with a reference result W on
///              the same D, allreduced (only when a reference is given),
///
/// i.e. memory O(row_block·m + D/P·|ks| + m²) per rank. Every sum adds
/// the same terms in the same order as the in-memory functions (row norms
/// column by column per row; the cross Gram in chunks of
/// dist::detail::kPromoteChunk rows from the rank's first row, which is
/// why row_block must be a multiple of it), so the two paths give bit for
/// bit equal results.

#include <optional>
#include <string>
#include <vector>

#include "seigh/dist/comm.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/io/file.hpp"
#include "seigh/metrics/mask.hpp"
#include "seigh/metrics/overlap_analysis.hpp"

namespace seigh::metrics {

/// One result's inputs to the analysis: per k (ks order) a MaskInputs, and
/// the cross Gram with the reference if one was given.
struct StreamedRows {
  std::vector<MaskInputs> inputs;
  std::optional<MatrixD> cross;
};

/// Rows per block for m vectors of length D: one chunk length of the [K, D]
/// datasets (io::chunk_length(D) ≤ 2^18, so transfers are whole chunks on
/// rank 0), or 2^18 when D < 2^18. That costs at most 2^18·m·4 bytes per
/// buffer (1.5 GB for m = 1500).
[[nodiscard]] Index default_overlap_row_block(Index D);

/// One pass over `name` [K, D] of `file` (and, with `reference`, the same
/// rows of /eigenvectors of that file, in the same pass), for the masks
/// `masks` (sorted, |M_j| = ks[j]). Needs K ≥ max ks (and the same of the
/// reference). Collective. Throws seigh::Error unless row_block is a
/// positive multiple of dist::detail::kPromoteChunk.
[[nodiscard]] StreamedRows stream_rows(const dist::Comm& comm, const io::File& file, const std::string& name,
                                       const dist::RowPartition& partition, const std::vector<Index>& ks,
                                       const std::vector<Mask>& masks, const io::File* reference, Index row_block);

}  // namespace seigh::metrics
