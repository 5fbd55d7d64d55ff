#pragma once
/// \file
/// Balanced block-row partition of n rows over `size` ranks.
///
/// Rank r owns the half-open range [begin, end). The first n % size ranks
/// own one row more than the others, so sizes differ by at most one; when
/// n < size the trailing ranks own zero rows (allowed everywhere in seigh).
/// Pure functions: testable without MPI.

#include "seigh/core/types.hpp"

namespace seigh::dist {

/// Half-open row range [begin, end) owned by one rank.
struct RowRange {
  Index begin = 0;
  Index end = 0;
  [[nodiscard]] Index size() const { return end - begin; }
  [[nodiscard]] bool contains(Index i) const { return begin <= i && i < end; }
  friend bool operator==(const RowRange&, const RowRange&) = default;
};

/// Rows owned by `rank` when `n` rows are split over `size` ranks.
/// Requires n >= 0, size >= 1, 0 <= rank < size.
RowRange local_range(int rank, Index n, int size);

/// The rank that owns global row i (0 <= i < n).
int owner(Index i, Index n, int size);

/// A partition seen from one rank: the Elemental/dolfinx vocabulary
/// global_rows / local_rows / row_offset / owner.
class RowPartition {
 public:
  RowPartition() = default;
  RowPartition(Index global_rows, int rank, int size);

  [[nodiscard]] Index global_rows() const { return n_; }
  [[nodiscard]] Index local_rows() const { return range_.size(); }
  [[nodiscard]] Index row_offset() const { return range_.begin; }
  [[nodiscard]] RowRange local() const { return range_; }
  [[nodiscard]] RowRange range_of(int rank) const { return local_range(rank, n_, size_); }
  [[nodiscard]] int owner(Index global_row) const { return dist::owner(global_row, n_, size_); }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] Index to_local(Index global_row) const { return global_row - range_.begin; }
  [[nodiscard]] Index to_global(Index local_row) const { return local_row + range_.begin; }

  friend bool operator==(const RowPartition&, const RowPartition&) = default;

 private:
  Index n_ = 0;
  int rank_ = 0;
  int size_ = 1;
  RowRange range_{};
};

}  // namespace seigh::dist
