#include "seigh/dist/comm.hpp"

#include <utility>

namespace seigh::dist {

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  SEIGH_FAIL() << what << " failed: " << std::string(text, static_cast<std::size_t>(length));
}

Comm::Comm(MPI_Comm parent) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  SEIGH_REQUIRE(initialized) << "Comm: MPI is not initialised (the application must call MPI_Init)";
  check_mpi(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup");
  // Report MPI errors as return codes so they become seigh::Error.
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

Comm::~Comm() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
}

Comm::Comm(Comm&& other) noexcept
    : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), rank_(other.rank_), size_(other.size_) {}

Comm& Comm::operator=(Comm&& other) noexcept {
  if (this != &other) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (comm_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&comm_);
    comm_ = std::exchange(other.comm_, MPI_COMM_NULL);
    rank_ = other.rank_;
    size_ = other.size_;
  }
  return *this;
}

void Comm::barrier() const { check_mpi(MPI_Barrier(comm_), "MPI_Barrier"); }

std::string Comm::broadcast_string(const std::string& value, int root) const {
  auto length = broadcast_value<std::int64_t>(static_cast<std::int64_t>(value.size()), root);
  std::string result = rank_ == root ? value : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) {
    check_mpi(MPI_Bcast(result.data(), static_cast<int>(length), MPI_CHAR, root, comm_), "MPI_Bcast");
  }
  return result;
}

void Comm::check_partition(const RowPartition& partition) const {
  SEIGH_REQUIRE(partition.size() == size_ && partition.rank() == rank_)
      << "row partition for rank " << partition.rank() << " of " << partition.size() << " used on rank " << rank_
      << " of " << size_;
}

Comm::RowCounts Comm::row_counts(const RowPartition& partition, Index b) const {
  RowCounts layout;
  layout.counts.resize(static_cast<std::size_t>(size_));
  layout.displs.resize(static_cast<std::size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    const Index entries = partition.range_of(r).size() * b;
    layout.counts[static_cast<std::size_t>(r)] = static_cast<int>(entries);
    layout.displs[static_cast<std::size_t>(r)] = static_cast<int>(layout.total);
    layout.total += entries;
  }
  // MPI counts and displacements are ints: refuse rather than overflow.
  SEIGH_REQUIRE(layout.total < (Index{1} << 31))
      << "row collective of " << layout.total << " entries exceeds MPI's int counts; use smaller blocks";
  return layout;
}

}  // namespace seigh::dist
