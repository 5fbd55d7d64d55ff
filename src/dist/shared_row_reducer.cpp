#include "seigh/dist/shared_row_reducer.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <utility>

#include "seigh/core/error.hpp"

namespace seigh::dist {

namespace {

/// SEIGH_SHARED_REDUCE=0 turns the shared window off (any other value, or
/// none, leaves ReduceTransport::automatic to decide).
bool shared_reduce_disabled_by_environment() {
  const char* value = std::getenv("SEIGH_SHARED_REDUCE");
  return value != nullptr && std::string(value) == "0";
}

/// Where Open MPI's osc/sm component puts a shared window's backing file.
std::string backing_directory() {
  const char* value = std::getenv("OMPI_MCA_osc_sm_backing_directory");
  return value != nullptr && *value != '\0' ? std::string(value) : std::string("/dev/shm");
}

/// Free bytes in the backing directory, or -1 if it cannot be read.
double free_backing_bytes() {
  struct statvfs info {};
  if (statvfs(backing_directory().c_str(), &info) != 0) return -1;
  return static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize);
}

}  // namespace

template <class Scalar>
SharedRowReducer<Scalar>::SharedRowReducer(const Comm& comm, const RowPartition& partition, ReduceTransport transport,
                                           std::size_t chunk_bytes)
    : comm_(&comm), partition_(partition), chunk_bytes_(chunk_bytes),
      uncaught_at_construction_(std::uncaught_exceptions()) {
  SEIGH_REQUIRE(partition.size() == comm.size() && partition.rank() == comm.rank())
      << "SharedRowReducer: row partition for rank " << partition.rank() << " of " << partition.size()
      << " used on rank " << comm.rank() << " of " << comm.size();
  if (transport == ReduceTransport::message_passing) return;
  if (transport == ReduceTransport::automatic && shared_reduce_disabled_by_environment()) return;
  // Key = rank: the node communicator orders its ranks as `comm` does.
  check_mpi(MPI_Comm_split_type(comm.raw(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node_comm_),
            "MPI_Comm_split_type");
  MPI_Comm_set_errhandler(node_comm_, MPI_ERRORS_RETURN);
  int node_size = 0;
  MPI_Comm_size(node_comm_, &node_size);
  // Every rank must see the same answer: a single node means node_size ==
  // size on every rank, and otherwise on none.
  shared_ = node_size == comm.size();
  if (!shared_) {
    MPI_Comm_free(&node_comm_);
    SEIGH_REQUIRE(transport != ReduceTransport::shared_memory)
        << "SharedRowReducer: the " << comm.size() << " ranks span more than one node; a shared window needs one";
  }
}

template <class Scalar>
SharedRowReducer<Scalar>::~SharedRowReducer() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  // Freeing the window is collective (Open MPI's waits for every rank).
  // While an exception unwinds this rank alone, the others may never come:
  // leave the window to MPI_Abort, which the application's error policy
  // calls next (apps/app_runtime.hpp), instead of hanging here.
  if (std::uncaught_exceptions() > uncaught_at_construction_) return;
  release_window();
  if (node_comm_ != MPI_COMM_NULL) MPI_Comm_free(&node_comm_);
}

template <class Scalar>
SharedRowReducer<Scalar>::SharedRowReducer(SharedRowReducer&& other) noexcept
    : comm_(other.comm_),
      partition_(other.partition_),
      shared_(other.shared_),
      node_comm_(std::exchange(other.node_comm_, MPI_COMM_NULL)),
      window_(std::exchange(other.window_, MPI_WIN_NULL)),
      chunk_bytes_(other.chunk_bytes_),
      round_rows_(std::exchange(other.round_rows_, 0)),
      window_bytes_(std::exchange(other.window_bytes_, 0)),
      cols_(std::exchange(other.cols_, 0)),
      windows_(std::move(other.windows_)),
      uncaught_at_construction_(other.uncaught_at_construction_),
      private_block_(std::move(other.private_block_)) {}

template <class Scalar>
void SharedRowReducer<Scalar>::release_window() noexcept {
  if (window_ == MPI_WIN_NULL) return;
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
  windows_.clear();
  window_bytes_ = 0;
}

template <class Scalar>
Eigen::Map<Matrix<Scalar>> SharedRowReducer<Scalar>::contribution(Index cols) {
  SEIGH_REQUIRE(cols >= 0) << "SharedRowReducer: negative block width " << cols;
  const Index n = partition_.global_rows();
  cols_ = cols;
  // Private memory, not the window: glibc gives this large block transparent
  // huge pages (cmake/mpi-env.sh), the shared window gets the 4 KiB pages of
  // /dev/shm, and the R-passes' GEMMs writing a D x 32 block through 4 KiB
  // pages ran 1.4x slower on this VM (7.3 vs 5.2 s, HVP.md (g)).
  if (private_block_.rows() != n || private_block_.cols() < cols) private_block_.resize(n, cols);
  return Eigen::Map<Matrix<Scalar>>(private_block_.data(), n, cols);
}

template <class Scalar>
void SharedRowReducer<Scalar>::ensure_window(Index cols) {
  const int size = comm_->size();
  // Rows per destination rank and round: the slots of one round fill about
  // chunk_bytes_, so the staged rows are still in cache when their owner
  // sums them.
  const Index row_bytes = std::max<Index>(cols, 1) * static_cast<Index>(sizeof(Scalar));
  const Index rows = std::max<Index>(1, static_cast<Index>(chunk_bytes_) / (row_bytes * std::max(size - 1, 1)));
  // Slot q of rank p's window holds p's contribution to rank q's rows of
  // the round (rows x cols, column-major); p's own slot stays unused.
  const double bytes = static_cast<double>(size) * static_cast<double>(rows) * static_cast<double>(row_bytes);
  round_rows_ = rows;
  if (window_ != MPI_WIN_NULL && bytes <= window_bytes_) return;  // the same on every rank
  release_window();
  int room = 1;
  if (comm_->rank() == 0) {
    const double free_bytes = free_backing_bytes();
    room = free_bytes >= 1.01 * bytes * size ? 1 : 0;
    if (!room) {
      std::cerr << "seigh: the shared-memory reduce needs " << bytes * size / 1e6 << " MB in " << backing_directory()
                << ", which has " << (free_bytes < 0 ? 0.0 : free_bytes / 1e6)
                << " MB free; falling back to MPI_Reduce_scatter\n";
    }
  }
  room = comm_->broadcast_value(room);
  if (!room) {
    MPI_Comm_free(&node_comm_);
    shared_ = false;
    return;
  }
  MPI_Info info = MPI_INFO_NULL;
  MPI_Info_create(&info);
  // Each rank's window on its own pages (first touch by its owner).
  MPI_Info_set(info, "alloc_shared_noncontig", "true");
  Scalar* mine = nullptr;
  const int code = MPI_Win_allocate_shared(static_cast<MPI_Aint>(bytes), static_cast<int>(sizeof(Scalar)), info,
                                           node_comm_, &mine, &window_);
  MPI_Info_free(&info);
  check_mpi(code, "MPI_Win_allocate_shared (set SEIGH_SHARED_REDUCE=0 to reduce by message passing)");
  MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN);
  check_mpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all");
  windows_.assign(static_cast<std::size_t>(size), nullptr);
  for (int r = 0; r < size; ++r) {
    MPI_Aint segment_bytes = 0;
    int unit = 0;
    void* base = nullptr;
    check_mpi(MPI_Win_shared_query(window_, r, &segment_bytes, &unit, &base), "MPI_Win_shared_query");
    windows_[static_cast<std::size_t>(r)] = static_cast<Scalar*>(base);
  }
  window_bytes_ = bytes;
}

template <class Scalar>
void SharedRowReducer<Scalar>::synchronize() {
  // Passive-target synchronisation of a shared window (MPI-3.1 §11.7,
  // "win_sync + barrier"): this rank's stores become visible, every rank
  // has reached this point, and this rank sees their stores.
  check_mpi(MPI_Win_sync(window_), "MPI_Win_sync");
  check_mpi(MPI_Barrier(node_comm_), "MPI_Barrier");
  check_mpi(MPI_Win_sync(window_), "MPI_Win_sync");
}

template <class Scalar>
void SharedRowReducer<Scalar>::reduce(Eigen::Ref<Matrix<Scalar>> local) {
  const Index n = partition_.global_rows();
  const int size = comm_->size();
  const int rank = comm_->rank();
  const RowRange mine = partition_.range_of(rank);
  SEIGH_REQUIRE(local.rows() == mine.size() && local.cols() == cols_)
      << "SharedRowReducer: local block is " << local.rows() << " x " << local.cols() << ", expected "
      << mine.size() << " x " << cols_;
  if (shared_ && cols_ > 0) ensure_window(cols_);  // collective; may fall back
  const Eigen::Map<const Matrix<Scalar>> block(private_block_.data(), n, cols_);
  if (!shared_) {
    comm_->reduce_scatter_rows<Scalar>(block, partition_, local);
    return;
  }
  if (cols_ == 0) return;
  Index max_rows = 0;
  for (int q = 0; q < size; ++q) max_rows = std::max(max_rows, partition_.range_of(q).size());
  const Index rounds = (max_rows + round_rows_ - 1) / round_rows_;
  const Index slot = round_rows_ * cols_;
  auto rows_in_round = [&](int q, Index round) {
    return std::clamp<Index>(partition_.range_of(q).size() - round * round_rows_, 0, round_rows_);
  };
  for (Index round = 0; round < rounds; ++round) {
    // Stage: this rank's contribution to every other rank's rows of the round.
    for (int q = 0; q < size; ++q) {
      const Index rows = rows_in_round(q, round);
      if (q == rank || rows == 0) continue;
      Eigen::Map<Matrix<Scalar>>(windows_[static_cast<std::size_t>(rank)] + q * slot, rows, cols_) =
          block.middleRows(partition_.range_of(q).begin + round * round_rows_, rows);
    }
    synchronize();
    // Sum this rank's rows of the round over all ranks, in rank order (the
    // result does not depend on timing), own contribution from its block.
    const Index rows = rows_in_round(rank, round);
    if (rows > 0) {
      auto out = local.middleRows(round * round_rows_, rows);
      auto term = [&](int p) -> Eigen::Map<const Matrix<Scalar>, 0, Eigen::OuterStride<>> {
        if (p == rank)
          return {block.data() + mine.begin + round * round_rows_, rows, cols_, Eigen::OuterStride<>(n)};
        return {windows_[static_cast<std::size_t>(p)] + rank * slot, rows, cols_, Eigen::OuterStride<>(rows)};
      };
      out = term(0);
      for (int p = 1; p < size; ++p) out += term(p);
    }
    // No rank may stage the next round while another still reads this one.
    check_mpi(MPI_Barrier(node_comm_), "MPI_Barrier");
  }
}

template class SharedRowReducer<float>;
template class SharedRowReducer<double>;

}  // namespace seigh::dist
