#pragma once
/// \file
/// `Comm`: an RAII, move-only wrapper around a *duplicated* MPI communicator,
/// with typed collective helpers for Eigen blocks.
///
/// The library never calls MPI_Init; the application does. Every member
/// function marked *Collective* must be called by all ranks of the
/// communicator in the same order with consistent arguments.

#include <mpi.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "seigh/core/error.hpp"
#include "seigh/core/types.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::dist {

/// MPI datatype of a C++ scalar.
template <class T>
MPI_Datatype mpi_type() {
  if constexpr (std::is_same_v<T, double>) return MPI_DOUBLE;
  else if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
  else if constexpr (std::is_same_v<T, std::int64_t>) return MPI_INT64_T;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return MPI_UINT64_T;
  else if constexpr (std::is_same_v<T, int>) return MPI_INT;
  else if constexpr (std::is_same_v<T, unsigned>) return MPI_UNSIGNED;
  else if constexpr (std::is_same_v<T, char>) return MPI_CHAR;
  else static_assert(sizeof(T) == 0, "no MPI datatype for this scalar");
}

/// Throws seigh::Error naming `what` if an MPI call returned an error code.
void check_mpi(int code, const char* what);

class Comm {
 public:
  /// Duplicates `parent` (MPI_Comm_dup) so library traffic never matches
  /// messages of the caller. Collective over `parent`.
  explicit Comm(MPI_Comm parent = MPI_COMM_WORLD);
  ~Comm();
  Comm(const Comm&) = delete;
  Comm& operator=(const Comm&) = delete;
  Comm(Comm&& other) noexcept;
  Comm& operator=(Comm&& other) noexcept;

  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] int size() const { return size_; }
  [[nodiscard]] bool is_root() const { return rank_ == 0; }
  [[nodiscard]] MPI_Comm raw() const { return comm_; }

  /// The balanced partition of n rows over this communicator.
  [[nodiscard]] RowPartition partition(Index n) const { return RowPartition(n, rank_, size_); }

  /// Collective.
  void barrier() const;

  /// Sum of `value` over all ranks, returned on every rank. Collective.
  template <class T>
  [[nodiscard]] T sum(T value) const { return reduce_scalar(value, MPI_SUM); }
  /// Maximum over all ranks. Collective.
  template <class T>
  [[nodiscard]] T max(T value) const { return reduce_scalar(value, MPI_MAX); }
  /// Minimum over all ranks. Collective.
  template <class T>
  [[nodiscard]] T min(T value) const { return reduce_scalar(value, MPI_MIN); }
  /// True on every rank if `flag` is true on any rank. Collective.
  [[nodiscard]] bool any(bool flag) const { return max(static_cast<int>(flag)) != 0; }

  /// In-place elementwise sum of a dense block over all ranks (one
  /// MPI_Allreduce for the whole block, never one per column). The block
  /// must have the same shape on every rank. Collective.
  template <class Derived>
  void allreduce_sum(Eigen::DenseBase<Derived>& block) const;

  /// Broadcast a dense block from `root`; the shape must already agree on
  /// all ranks. Collective.
  template <class Derived>
  void broadcast(Eigen::DenseBase<Derived>& block, int root = 0) const;

  /// Broadcast a scalar from `root`. Collective.
  template <class T>
  [[nodiscard]] T broadcast_value(T value, int root = 0) const {
    check_mpi(MPI_Bcast(&value, 1, mpi_type<T>(), root, comm_), "MPI_Bcast");
    return value;
  }

  /// Broadcast a string of any length from `root`. Collective.
  [[nodiscard]] std::string broadcast_string(const std::string& value, int root = 0) const;

  /// Reduce-scatter by rows: `full` (n x b) is this rank's contribution,
  /// the same shape on every rank; on return `local` (local_rows x b) holds
  /// rows [row_offset, row_offset + local_rows) of the sum over ranks.
  /// This is the HVP assembly of DESIGN.md §3. Collective.
  ///
  /// The rows are reduced in rounds of at most `chunk_bytes` of send data
  /// (every rank takes the next `chunk rows` of each rank's range per
  /// round), so the extra memory is one chunk, never a second n x b block,
  /// and no MPI call moves more than a chunk: Open MPI's reduce-scatter of
  /// a 1.5 GB block ran at 0.06 GB/s on a 2-rank node, against ~1.6 GB/s
  /// for tens of MB (experiments/benchmarks/HVP.md).
  template <class Scalar>
  void reduce_scatter_rows(const Eigen::Ref<const Matrix<Scalar>>& full, const RowPartition& partition,
                           Eigen::Ref<Matrix<Scalar>> local, std::size_t chunk_bytes = kReduceChunkBytes) const;

  /// Default send volume per reduce-scatter round (32 MiB).
  static constexpr std::size_t kReduceChunkBytes = std::size_t{32} << 20;

  /// All-gather by rows: every rank contributes its `local` rows
  /// (local_rows x b) and receives the full (n x b) matrix. Collective.
  template <class Scalar>
  void allgather_rows(const Eigen::Ref<const Matrix<Scalar>>& local, const RowPartition& partition,
                      Eigen::Ref<Matrix<Scalar>> full) const;

  /// Gather by rows to `root`: `full` (n x b) is written on root only
  /// (its shape is ignored elsewhere, pass an empty matrix). Collective.
  template <class Scalar>
  void gather_rows(const Eigen::Ref<const Matrix<Scalar>>& local, const RowPartition& partition, Matrix<Scalar>& full,
                   int root = 0) const;

  /// Scatter by rows from `root`: root's `full` (n x b) is split so each
  /// rank receives its rows in `local` (local_rows x b). Collective; `b`
  /// is taken from `local.cols()`, which must agree on all ranks.
  template <class Scalar>
  void scatter_rows(const Matrix<Scalar>& full, const RowPartition& partition, Eigen::Ref<Matrix<Scalar>> local,
                    int root = 0) const;

 private:
  template <class T>
  T reduce_scalar(T value, MPI_Op op) const {
    T result{};
    check_mpi(MPI_Allreduce(&value, &result, 1, mpi_type<T>(), op, comm_), "MPI_Allreduce");
    return result;
  }
  void check_partition(const RowPartition& partition) const;
  /// MPI counts and displacements of b columns of every rank's rows, laid
  /// out rank after rank (the packed layout of the row collectives).
  struct RowCounts {
    std::vector<int> counts, displs;
    Index total = 0;
  };
  [[nodiscard]] RowCounts row_counts(const RowPartition& partition, Index b) const;

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// ---------------------------------------------------------------------------
// Template implementations.

namespace detail {
/// True if the block's entries are one contiguous column-major array.
template <class Derived>
bool is_contiguous(const Eigen::DenseBase<Derived>& block) {
  const auto& d = block.derived();
  if (d.size() <= 1) return true;
  return d.innerStride() == 1 && (d.cols() == 1 || d.outerStride() == d.rows());
}
}  // namespace detail

template <class Derived>
void Comm::allreduce_sum(Eigen::DenseBase<Derived>& block) const {
  using Scalar = typename Derived::Scalar;
  static_assert(!Derived::IsRowMajor || Derived::IsVectorAtCompileTime, "column-major blocks only");
  if (block.size() == 0) {
    // Still a collective: every rank must agree that there is nothing to do.
    check_mpi(MPI_Barrier(comm_), "MPI_Barrier");
    return;
  }
  const int count = static_cast<int>(block.size());
  SEIGH_REQUIRE(static_cast<Index>(count) == static_cast<Index>(block.size()))
      << "allreduce_sum: block of " << block.size() << " entries exceeds MPI's int count";
  if (detail::is_contiguous(block)) {
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, block.derived().data(), count, mpi_type<Scalar>(), MPI_SUM, comm_),
              "MPI_Allreduce");
  } else {
    Matrix<Scalar> packed = block;
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, packed.data(), count, mpi_type<Scalar>(), MPI_SUM, comm_),
              "MPI_Allreduce");
    block.derived() = packed;
  }
}

template <class Derived>
void Comm::broadcast(Eigen::DenseBase<Derived>& block, int root) const {
  using Scalar = typename Derived::Scalar;
  if (block.size() == 0) return;
  const int count = static_cast<int>(block.size());
  if (detail::is_contiguous(block)) {
    check_mpi(MPI_Bcast(block.derived().data(), count, mpi_type<Scalar>(), root, comm_), "MPI_Bcast");
  } else {
    Matrix<Scalar> packed = block;
    check_mpi(MPI_Bcast(packed.data(), count, mpi_type<Scalar>(), root, comm_), "MPI_Bcast");
    block.derived() = packed;
  }
}

template <class Scalar>
void Comm::reduce_scatter_rows(const Eigen::Ref<const Matrix<Scalar>>& full, const RowPartition& partition,
                               Eigen::Ref<Matrix<Scalar>> local, std::size_t chunk_bytes) const {
  check_partition(partition);
  const Index n = partition.global_rows();
  const Index b = full.cols();
  SEIGH_REQUIRE(full.rows() == n) << "reduce_scatter_rows: full block has " << full.rows() << " rows, partition has "
                                  << n;
  SEIGH_REQUIRE(local.rows() == partition.local_rows() && local.cols() == b)
      << "reduce_scatter_rows: local block is " << local.rows() << " x " << local.cols() << ", expected "
      << partition.local_rows() << " x " << b;
  if (b == 0) return;
  // Rows per rank and round: a round sends ≤ chunk_bytes in all (at least
  // one row per rank). Every rank computes the same number of rounds from
  // the partition, so the collective calls match.
  const Index row_bytes = b * static_cast<Index>(sizeof(Scalar)) * size_;
  const Index chunk_rows = std::max<Index>(1, static_cast<Index>(chunk_bytes) / std::max<Index>(row_bytes, 1));
  Index max_rows = 0;
  for (int r = 0; r < size_; ++r) max_rows = std::max(max_rows, partition.range_of(r).size());
  const Index rounds = (max_rows + chunk_rows - 1) / chunk_rows;

  std::vector<Scalar> send;
  std::vector<Scalar> received;
  std::vector<int> counts(static_cast<std::size_t>(size_));
  for (Index round = 0; round < rounds; ++round) {
    // Pack rank by rank: rank r's rows of this round, all b columns, form one
    // contiguous (rows x b) column-major segment, which is what
    // MPI_Reduce_scatter delivers to rank r.
    Index total = 0;
    for (int r = 0; r < size_; ++r) {
      const RowRange range = partition.range_of(r);
      const Index rows = std::clamp<Index>(range.size() - round * chunk_rows, 0, chunk_rows);
      SEIGH_REQUIRE(rows * b <= std::numeric_limits<int>::max())
          << "reduce_scatter_rows: a round of " << rows * b << " entries exceeds MPI's int count";
      counts[static_cast<std::size_t>(r)] = static_cast<int>(rows * b);
      total += rows * b;
    }
    send.resize(static_cast<std::size_t>(total));
    Index offset = 0;
    for (int r = 0; r < size_; ++r) {
      const Index rows = counts[static_cast<std::size_t>(r)] / b;
      const Index first = partition.range_of(r).begin + round * chunk_rows;
      if (rows > 0) Eigen::Map<Matrix<Scalar>>(send.data() + offset, rows, b) = full.middleRows(first, rows);
      offset += rows * b;
    }
    const Index mine = counts[static_cast<std::size_t>(rank_)] / b;
    received.resize(static_cast<std::size_t>(std::max<Index>(mine * b, 1)));
    check_mpi(MPI_Reduce_scatter(send.data(), received.data(), counts.data(), mpi_type<Scalar>(), MPI_SUM, comm_),
              "MPI_Reduce_scatter");
    if (mine > 0) local.middleRows(round * chunk_rows, mine) = Eigen::Map<const Matrix<Scalar>>(received.data(), mine, b);
  }
}

template <class Scalar>
void Comm::allgather_rows(const Eigen::Ref<const Matrix<Scalar>>& local, const RowPartition& partition,
                          Eigen::Ref<Matrix<Scalar>> full) const {
  check_partition(partition);
  const Index n = partition.global_rows();
  const Index b = local.cols();
  SEIGH_REQUIRE(local.rows() == partition.local_rows())
      << "allgather_rows: local block has " << local.rows() << " rows, expected " << partition.local_rows();
  SEIGH_REQUIRE(full.rows() == n && full.cols() == b)
      << "allgather_rows: full block is " << full.rows() << " x " << full.cols() << ", expected " << n << " x " << b;
  const RowCounts layout = row_counts(partition, b);
  const auto& displs = layout.displs;
  Matrix<Scalar> mine = local;  // contiguous copy
  std::vector<Scalar> gathered(static_cast<std::size_t>(n * b));
  check_mpi(MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), mpi_type<Scalar>(), gathered.data(),
                           layout.counts.data(), displs.data(), mpi_type<Scalar>(), comm_),
            "MPI_Allgatherv");
  for (int r = 0; r < size_; ++r) {
    const RowRange range = partition.range_of(r);
    Eigen::Map<const Matrix<Scalar>> segment(gathered.data() + displs[static_cast<std::size_t>(r)], range.size(), b);
    full.middleRows(range.begin, range.size()) = segment;
  }
}

template <class Scalar>
void Comm::gather_rows(const Eigen::Ref<const Matrix<Scalar>>& local, const RowPartition& partition,
                       Matrix<Scalar>& full, int root) const {
  check_partition(partition);
  const Index n = partition.global_rows();
  const Index b = local.cols();
  SEIGH_REQUIRE(local.rows() == partition.local_rows())
      << "gather_rows: local block has " << local.rows() << " rows, expected " << partition.local_rows();
  const RowCounts layout = row_counts(partition, b);
  const auto& displs = layout.displs;
  Matrix<Scalar> mine = local;
  std::vector<Scalar> gathered(rank_ == root ? static_cast<std::size_t>(n * b) : 0);
  check_mpi(MPI_Gatherv(mine.data(), static_cast<int>(mine.size()), mpi_type<Scalar>(), gathered.data(),
                        layout.counts.data(), displs.data(), mpi_type<Scalar>(), root, comm_),
            "MPI_Gatherv");
  if (rank_ != root) return;
  full.resize(n, b);
  for (int r = 0; r < size_; ++r) {
    const RowRange range = partition.range_of(r);
    full.middleRows(range.begin, range.size()) =
        Eigen::Map<const Matrix<Scalar>>(gathered.data() + displs[static_cast<std::size_t>(r)], range.size(), b);
  }
}

template <class Scalar>
void Comm::scatter_rows(const Matrix<Scalar>& full, const RowPartition& partition, Eigen::Ref<Matrix<Scalar>> local,
                        int root) const {
  check_partition(partition);
  const Index n = partition.global_rows();
  const Index b = local.cols();
  SEIGH_REQUIRE(local.rows() == partition.local_rows())
      << "scatter_rows: local block has " << local.rows() << " rows, expected " << partition.local_rows();
  const RowCounts layout = row_counts(partition, b);
  std::vector<Scalar> packed;
  if (rank_ == root) {
    SEIGH_REQUIRE(full.rows() == n && full.cols() == b)
        << "scatter_rows: root matrix is " << full.rows() << " x " << full.cols() << ", expected " << n << " x " << b;
    packed.resize(static_cast<std::size_t>(n * b));
    for (int r = 0; r < size_; ++r) {
      const RowRange range = partition.range_of(r);
      Eigen::Map<Matrix<Scalar>>(packed.data() + layout.displs[static_cast<std::size_t>(r)], range.size(), b) =
          full.middleRows(range.begin, range.size());
    }
  }
  Matrix<Scalar> mine(partition.local_rows(), b);
  check_mpi(MPI_Scatterv(packed.data(), layout.counts.data(), layout.displs.data(), mpi_type<Scalar>(), mine.data(),
                         static_cast<int>(mine.size()), mpi_type<Scalar>(), root, comm_),
            "MPI_Scatterv");
  local = mine;
}

}  // namespace seigh::dist
