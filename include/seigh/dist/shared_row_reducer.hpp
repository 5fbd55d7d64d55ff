#pragma once
/// \file
/// `SharedRowReducer`: the reduce-scatter by rows of DESIGN.md §3 (every
/// rank contributes an n x b block, rank r keeps its rows of the sum),
/// staged through one node's shared memory when all ranks share a node.
///
/// ## Why
///
/// The Hessian product's assembly reduces a D x b block per rank. Through
/// Open MPI's MPI_Reduce_scatter over the shared-memory BTL (vader) the
/// block moves in small fragments, copied in and out, at ~1.4 GB/s: 1.07 s
/// of a 5.18 s apply for the 10⁷-parameter MLP at b = 32 on 2 ranks
/// (experiments/benchmarks/HVP.md (f)), which kept 1 → 2 ranks at 1.55×.
///
/// ## How
///
/// Each rank keeps its contribution in private memory (contribution()),
/// which gets transparent huge pages: the GEMMs of the R-passes write it,
/// and writing it straight into the shared window's 4 KiB pages made them
/// 1.4× slower on this VM (HVP.md (g)). reduce() then works in rounds of
/// about `chunk_bytes` per rank:
///
///     stage:  rank p copies its rows of rank q's next round_rows into
///             slot q of its window (every q ≠ p)
///     sync:   MPI_Win_sync + barrier + MPI_Win_sync
///     sum:    rank q adds, in rank order, its own rows and slot q of
///             every other rank's window into its local block
///     barrier (nobody restages a slot that is still being read)
///
/// A round's slots are small enough to stay in cache between the copy and
/// the sum; each rank moves (P−1)/P of its block once and reads its share
/// of the others' once: no fragments, no protocol. The sum is in rank order,
/// so it does not depend on timing.
///
/// ## When it falls back
///
/// The window is used only if every rank of the communicator is on one node
/// (MPI_Comm_split_type SHARED), the backing directory (Open MPI's
/// osc_sm_backing_directory, /dev/shm by default) has room (a tmpfs that is
/// too small would SIGBUS on first touch), and the environment does not say
/// `SEIGH_SHARED_REDUCE=0`. Otherwise reduce() calls
/// Comm::reduce_scatter_rows. Multi-node runs take that path today; a
/// two-level version (shared-memory sum per node, then a reduce-scatter
/// among node leaders) is not implemented.
///
/// ## Memory
///
/// The n x b block per rank (as before), plus a window of about
/// P/(P−1) · chunk_bytes per rank.

#include <mpi.h>

#include <Eigen/Core>
#include <cstddef>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::dist {

/// How SharedRowReducer moves the data.
enum class ReduceTransport {
  automatic,        ///< shared window when possible (see the file comment), else message passing
  shared_memory,    ///< shared window; throws a collective seigh::Error where the ranks span nodes
  message_passing,  ///< Comm::reduce_scatter_rows
};

template <class Scalar>
class SharedRowReducer {
 public:
  /// Collective over `comm`. `partition` is the row partition of the n rows
  /// (rank r keeps partition.range_of(r)); no memory is allocated until the
  /// first contribution(). `comm` must outlive the reducer.
  SharedRowReducer(const Comm& comm, const RowPartition& partition,
                   ReduceTransport transport = ReduceTransport::automatic,
                   std::size_t chunk_bytes = Comm::kReduceChunkBytes);
  ~SharedRowReducer();
  SharedRowReducer(const SharedRowReducer&) = delete;
  SharedRowReducer& operator=(const SharedRowReducer&) = delete;
  SharedRowReducer(SharedRowReducer&& other) noexcept;
  SharedRowReducer& operator=(SharedRowReducer&& other) = delete;

  /// This rank's contribution block, n x cols, column-major, in private
  /// memory kept at the widest block seen (a fresh block per product would
  /// pay its page faults each time). Its contents are unspecified: write
  /// every entry. Local; the map stays valid until the next call.
  [[nodiscard]] Eigen::Map<Matrix<Scalar>> contribution(Index cols);

  /// local (local_rows x cols) ← this rank's rows of Σ_p contribution_p,
  /// cols that of the last contribution() call (the same on every rank).
  /// Collective.
  void reduce(Eigen::Ref<Matrix<Scalar>> local);

  /// True while the reduction goes through a shared window: decided at
  /// construction, and turned off collectively if /dev/shm lacks room.
  [[nodiscard]] bool shared() const { return shared_; }

 private:
  void ensure_window(Index cols);  // collective
  void synchronize();              // collective
  void release_window() noexcept;

  const Comm* comm_;
  RowPartition partition_;
  bool shared_ = false;
  MPI_Comm node_comm_ = MPI_COMM_NULL;  // same group and order as comm when shared_
  MPI_Win window_ = MPI_WIN_NULL;
  std::size_t chunk_bytes_ = 0;
  Index round_rows_ = 0;    // rows per destination rank and round
  double window_bytes_ = 0;  // size of this rank's window (the same on every rank)
  Index cols_ = 0;          // width of the current contribution
  std::vector<Scalar*> windows_;  // every rank's window, in rank order
  int uncaught_at_construction_ = 0;  // std::uncaught_exceptions() then: is the destructor unwinding?
  Matrix<Scalar> private_block_;  // this rank's contribution
};

extern template class SharedRowReducer<float>;
extern template class SharedRowReducer<double>;

}  // namespace seigh::dist
