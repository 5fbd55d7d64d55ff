#include "seigh/dist/shared_row_reducer.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdlib>
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
SharedRowReducer<Scalar>::SharedRowReducer(const Comm& comm, const RowPartition& partition, ReduceTransport transport)
    : comm_(&comm), partition_(partition) {
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
      capacity_cols_(std::exchange(other.capacity_cols_, 0)),
      cols_(std::exchange(other.cols_, 0)),
      blocks_(std::move(other.blocks_)),
      private_block_(std::move(other.private_block_)) {}

template <class Scalar>
void SharedRowReducer<Scalar>::release_window() noexcept {
  if (window_ == MPI_WIN_NULL) return;
  MPI_Win_unlock_all(window_);
  MPI_Win_free(&window_);
  blocks_.clear();
  capacity_cols_ = 0;
}

template <class Scalar>
Eigen::Map<Matrix<Scalar>> SharedRowReducer<Scalar>::contribution(Index cols) {
  SEIGH_REQUIRE(cols >= 0) << "SharedRowReducer: negative block width " << cols;
  const Index n = partition_.global_rows();
  cols_ = cols;
  if (!shared_) {
    if (private_block_.rows() != n || private_block_.cols() < cols) private_block_.resize(n, cols);
    return Eigen::Map<Matrix<Scalar>>(private_block_.data(), n, cols);
  }
  if (cols > capacity_cols_) {
    // Growing is collective: every rank passes the same cols.
    release_window();
    const int size = comm_->size();
    const double bytes_per_rank = static_cast<double>(n) * static_cast<double>(cols) * sizeof(Scalar);
    // The node's first rank checks the backing directory for all blocks
    // (with 1 % to spare); a tmpfs that is too small would only fail later,
    // with SIGBUS on the first touch past its end.
    int room = 1;
    if (comm_->rank() == 0) {
      const double free = free_backing_bytes();
      room = free >= 1.01 * bytes_per_rank * size ? 1 : 0;
      if (!room) {
        std::cerr << "seigh: the shared-memory reduce needs " << bytes_per_rank * size / 1e9 << " GB in "
                  << backing_directory() << ", which has " << (free < 0 ? 0.0 : free / 1e9)
                  << " GB free; falling back to MPI_Reduce_scatter\n";
      }
    }
    room = comm_->broadcast_value(room);
    if (!room) {
      MPI_Comm_free(&node_comm_);
      shared_ = false;
      return contribution(cols);
    }
    MPI_Info info = MPI_INFO_NULL;
    MPI_Info_create(&info);
    // Each rank's block on its own pages (first touch by its owner), not one
    // contiguous segment: nothing reads across block boundaries.
    MPI_Info_set(info, "alloc_shared_noncontig", "true");
    Scalar* mine = nullptr;
    const int code = MPI_Win_allocate_shared(static_cast<MPI_Aint>(bytes_per_rank), static_cast<int>(sizeof(Scalar)),
                                             info, node_comm_, &mine, &window_);
    MPI_Info_free(&info);
    check_mpi(code, "MPI_Win_allocate_shared (set SEIGH_SHARED_REDUCE=0 to reduce by message passing)");
    MPI_Win_set_errhandler(window_, MPI_ERRORS_RETURN);
    check_mpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, window_), "MPI_Win_lock_all");
    blocks_.assign(static_cast<std::size_t>(size), nullptr);
    for (int r = 0; r < size; ++r) {
      MPI_Aint segment_bytes = 0;
      int unit = 0;
      void* base = nullptr;
      check_mpi(MPI_Win_shared_query(window_, r, &segment_bytes, &unit, &base), "MPI_Win_shared_query");
      blocks_[static_cast<std::size_t>(r)] = static_cast<Scalar*>(base);
    }
    capacity_cols_ = cols;
  }
  return Eigen::Map<Matrix<Scalar>>(blocks_[static_cast<std::size_t>(comm_->rank())], n, cols);
}

template <class Scalar>
void SharedRowReducer<Scalar>::reduce(Eigen::Ref<Matrix<Scalar>> local) {
  const Index n = partition_.global_rows();
  const RowRange mine = partition_.range_of(partition_.rank());
  SEIGH_REQUIRE(local.rows() == mine.size() && local.cols() == cols_)
      << "SharedRowReducer: local block is " << local.rows() << " x " << local.cols() << ", expected "
      << mine.size() << " x " << cols_;
  if (!shared_) {
    comm_->reduce_scatter_rows<Scalar>(Eigen::Map<const Matrix<Scalar>>(private_block_.data(), n, cols_), partition_,
                                       local);
    return;
  }
  if (cols_ == 0) return;
  // Passive-target synchronisation of a shared window (MPI-3.1 §11.7,
  // "win_sync + barrier"): this rank's stores become visible, every rank
  // has finished writing, and this rank sees their stores.
  check_mpi(MPI_Win_sync(window_), "MPI_Win_sync");
  check_mpi(MPI_Barrier(node_comm_), "MPI_Barrier");
  check_mpi(MPI_Win_sync(window_), "MPI_Win_sync");
  const int size = comm_->size();
  // In runs of kRows rows per column, so the partial sum stays in cache
  // while every rank's segment streams through once.
  constexpr Index kRows = 4096;
  for (Index j = 0; j < cols_; ++j) {
    const std::size_t column = static_cast<std::size_t>(j) * static_cast<std::size_t>(n);
    for (Index i = 0; i < mine.size(); i += kRows) {
      const Index rows = std::min(kRows, mine.size() - i);
      const std::size_t first = column + static_cast<std::size_t>(mine.begin + i);
      auto out = local.col(j).segment(i, rows);
      out = Eigen::Map<const Vector<Scalar>>(blocks_[0] + first, rows);
      for (int r = 1; r < size; ++r) out += Eigen::Map<const Vector<Scalar>>(blocks_[static_cast<std::size_t>(r)] + first, rows);
    }
  }
  // No rank may write its next contribution while another still reads it.
  check_mpi(MPI_Barrier(node_comm_), "MPI_Barrier");
}

template class SharedRowReducer<float>;
template class SharedRowReducer<double>;

}  // namespace seigh::dist
