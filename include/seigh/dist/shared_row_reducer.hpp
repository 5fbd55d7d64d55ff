#pragma once
/// \file
/// `SharedRowReducer`: the reduce-scatter by rows of DESIGN.md §3 (every
/// rank contributes an n x b block, rank r keeps its rows of the sum),
/// done through one node's shared memory when all ranks share a node.
///
/// ## Why
///
/// The Hessian product's assembly reduces a D x b block per rank. Through
/// Open MPI's shared-memory transport (MPI_Reduce_scatter over the vader
/// BTL) that block is copied into and out of fragments and summed at
/// ~1.4 GB/s: 1.07 s of a 5.18 s apply for the 10⁷-parameter MLP at b = 32
/// on 2 ranks (experiments/benchmarks/HVP.md (f)), the reason 1 → 2 ranks
/// scaled 1.55×, not 1.8×. With the contributions in an MPI-3 shared
/// window, rank r reads rows [begin_r, end_r) of every rank's block in
/// place and writes its sum once: P·(n/P)·b reads and (n/P)·b writes per
/// rank, no copies, no fragments, no extra buffer.
///
/// ## Protocol
///
///     buffer = reducer.contribution(b);   // this rank's n x b block (collective: may grow the window)
///     ... write this rank's contribution into buffer ...
///     reducer.reduce(local);              // collective: local (local_rows x b) = rows of Σ_p buffer_p
///
/// reduce() synchronises twice: before reading (every contribution is
/// complete) and after (no rank overwrites its block while another still
/// reads it). The sum runs over ranks in rank order, so it does not depend
/// on timing.
///
/// ## When it falls back
///
/// The shared window is used only if every rank of the communicator is on
/// one node (MPI_Comm_split_type SHARED), the backing directory (Open MPI's
/// osc_sm_backing_directory, /dev/shm by default) has room for all blocks
/// (tmpfs would otherwise SIGBUS on a touch past its size), and the
/// environment does not say `SEIGH_SHARED_REDUCE=0`. Otherwise the blocks
/// are private and reduce() calls Comm::reduce_scatter_rows. Multi-node runs
/// take that path today; a two-level version (shared-memory sum per node,
/// then a reduce-scatter among node leaders) is not implemented.
///
/// ## Memory
///
/// The same n x b block per rank as before, now in the shared window. Note
/// for RSS readings: a rank's resident set also counts the pages of the
/// other ranks' blocks it read (its rows of them), which are not extra
/// memory; the proportional set size (PSS) is the honest per-rank figure.

#include <mpi.h>

#include <Eigen/Core>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::dist {

/// How SharedRowReducer moves the data.
enum class ReduceTransport {
  automatic,        ///< shared window when possible (see the file comment), else message passing
  shared_memory,    ///< shared window; throws a collective seigh::Error where impossible
  message_passing,  ///< private blocks and Comm::reduce_scatter_rows
};

template <class Scalar>
class SharedRowReducer {
 public:
  /// Collective over `comm`. `partition` is the row partition of the n rows
  /// (rank r keeps partition.range_of(r)); no memory is allocated until the
  /// first contribution(). `comm` must outlive the reducer.
  SharedRowReducer(const Comm& comm, const RowPartition& partition,
                   ReduceTransport transport = ReduceTransport::automatic);
  ~SharedRowReducer();
  SharedRowReducer(const SharedRowReducer&) = delete;
  SharedRowReducer& operator=(const SharedRowReducer&) = delete;
  SharedRowReducer(SharedRowReducer&& other) noexcept;
  SharedRowReducer& operator=(SharedRowReducer&& other) = delete;

  /// This rank's contribution block, n x cols, column-major. Its contents
  /// are unspecified (the previous product's, or zero on first use): write
  /// every entry. Collective with the same `cols` on every rank: the window
  /// is reallocated when cols exceeds every earlier call's, and kept at the
  /// widest otherwise (a fresh block per product would pay its page faults
  /// each time). The map stays valid until the next contribution() call.
  [[nodiscard]] Eigen::Map<Matrix<Scalar>> contribution(Index cols);

  /// local (local_rows x cols) ← this rank's rows of Σ_p contribution_p,
  /// cols that of the last contribution() call. Collective.
  void reduce(Eigen::Ref<Matrix<Scalar>> local);

  /// True when the blocks live in a shared window (decided at construction).
  [[nodiscard]] bool shared() const { return shared_; }

 private:
  void release_window() noexcept;

  const Comm* comm_;
  RowPartition partition_;
  bool shared_ = false;
  MPI_Comm node_comm_ = MPI_COMM_NULL;  // equal to comm's group when shared_
  MPI_Win window_ = MPI_WIN_NULL;
  Index capacity_cols_ = 0;
  Index cols_ = 0;
  std::vector<Scalar*> blocks_;  // every rank's block in the window (shared_), in rank order
  Matrix<Scalar> private_block_;  // the block when !shared_
};

extern template class SharedRowReducer<float>;
extern template class SharedRowReducer<double>;

}  // namespace seigh::dist
