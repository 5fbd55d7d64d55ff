#include "seigh/metrics/streamed_rows.hpp"

#include <algorithm>

#include "seigh/core/error.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/io/dataset.hpp"

namespace seigh::metrics {

Index default_overlap_row_block(Index D) {
  // io::chunk_length is a multiple of kPromoteChunk; below 2^18 one block
  // holds all of D anyway.
  return D >= io::kChunkElements ? io::chunk_length(D) : io::kChunkElements;
}

StreamedRows stream_rows(const dist::Comm& comm, const io::File& file, const std::string& name,
                         const dist::RowPartition& partition, const std::vector<Index>& ks,
                         const std::vector<Mask>& masks, const io::File* reference, Index row_block) {
  SEIGH_REQUIRE(row_block > 0 && row_block % dist::detail::kPromoteChunk == 0)
      << "overlap: the row block (" << row_block << ") must be a positive multiple of "
      << dist::detail::kPromoteChunk << " (the chunks of the in-memory Gram sums)";
  SEIGH_REQUIRE(!ks.empty() && masks.size() == ks.size()) << "overlap: one mask per k";
  const Index D = partition.global_rows();
  const Index local_rows = partition.local_rows(), offset = partition.row_offset();
  const Index m = *std::max_element(ks.begin(), ks.end());
  const bool self = reference == &file;

  StreamedRows out;
  for (std::size_t j = 0; j < ks.size(); ++j) {
    out.inputs.push_back({ks[j], masks[j], MatrixD::Zero(ks[j], ks[j]),
                          RowNorms{partition, ks[j], VectorD::Zero(local_rows)}});
  }
  MatrixD cross = MatrixD::Zero(m, m);

  Matrix<float> block, ref;
  const Index steps = comm.max((local_rows + row_block - 1) / row_block);
  for (Index t = 0; t < steps; ++t) {
    const Index begin = std::min(t * row_block, local_rows);
    const Index n = std::min(row_block, local_rows - begin);
    block.resize(n, m);
    io::read_row_span(file, name, D, offset + begin, block, 0);
    if (reference != nullptr && !self) {
      ref.resize(n, m);
      io::read_row_span(*reference, "/eigenvectors", D, offset + begin, ref, 0);
    }
    for (MaskInputs& in : out.inputs) {
      // As row_norms: column by column, so row i's sum runs over c in order.
      auto norms = in.norms.local.segment(begin, n).array();
      for (Index c = 0; c < in.k; ++c) norms += block.col(c).cast<double>().array().square();
      // As mask_rows: the mask entries in this block's global rows.
      const auto lo = std::lower_bound(in.mask.begin(), in.mask.end(), offset + begin);
      const auto hi = std::lower_bound(lo, in.mask.end(), offset + begin + n);
      for (auto it = lo; it != hi; ++it) {
        in.rows.row(it - in.mask.begin()) = block.row(*it - offset - begin).head(in.k).cast<double>();
      }
    }
    if (reference != nullptr) {
      // As leading_cross_gram: chunks of kPromoteChunk rows from the rank's
      // first row (row_block is a multiple of it).
      const Matrix<float>& other = self ? block : ref;
      for (Index r0 = 0; r0 < n; r0 += dist::detail::kPromoteChunk) {
        const Index rows = std::min(dist::detail::kPromoteChunk, n - r0);
        cross.noalias() += block.middleRows(r0, rows).cast<double>().transpose() *
                           other.middleRows(r0, rows).cast<double>();
      }
    }
  }
  for (MaskInputs& in : out.inputs) comm.allreduce_sum(in.rows);
  if (reference != nullptr) {
    comm.allreduce_sum(cross);
    out.cross = std::move(cross);
  }
  return out;
}

}  // namespace seigh::metrics
