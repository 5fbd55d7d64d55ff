#include "seigh/io/read_ahead.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "seigh/dist/collective.hpp"
#include "seigh/io/internal.hpp"

namespace seigh::io {

ReadAhead::ReadAhead(const File& file, const std::string& name_in) : file_(file), name_(absolute_path(name_in)) {
  const std::string where = "dataset " + detail::in_file(file, name_);
  dist::collective(file.comm(), [&] {
    detail::require_usable(file, false, "read ahead in " + where);
    dataset_ = detail::open_dataset_local(file, name_);
    const DatasetInfo info = detail::dataset_info_local(dataset_.get());
    SEIGH_REQUIRE(info.shape.size() == 2) << "cannot read ahead in " << where << ": not a [K, D] dataset";
    vectors_ = info.shape[0];
    dim_ = info.shape[1];
    auto context = [&] { return "cannot query the layout of " + where; };
    auto dcpl = adopt<PropertyListHandle>(H5Dget_create_plist(dataset_.get()), context);
    if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
      hsize_t chunk[2] = {0, 0};
      check_status(H5Pget_chunk(dcpl.get(), 2, chunk), context);
      chunk_vectors_ = static_cast<Index>(chunk[0]);
      chunk_entries_ = static_cast<Index>(chunk[1]);
    }
    auto type = adopt<DatatypeHandle>(H5Dget_type(dataset_.get()), context);
    element_bytes_ = static_cast<Index>(H5Tget_size(type.get()));
    auto fcpl = adopt<PropertyListHandle>(H5Fget_create_plist(file.id()), context);
    hsize_t userblock = 0;
    check_status(H5Pget_userblock(fcpl.get(), &userblock), context);
    base_ = userblock;
    // A failed open only loses the hints, never the data: no error.
    fd_ = ::open(file.path().c_str(), O_RDONLY | O_CLOEXEC);
  });
}

ReadAhead::~ReadAhead() {
  wait_for_hints();
  if (fd_ >= 0) ::close(fd_);
}

void ReadAhead::wait_for_hints() {
  if (hints_.joinable()) hints_.join();
}

std::vector<FileRange> ReadAhead::advise(Index first_vector, Index count, Index entry_offset, Index entries) {
  const dist::Comm& comm = file_.comm();
  // Every rank's request, so that every rank makes the same chunk look-ups
  // and the same checks (an error on one rank only would leave the others
  // in a collective metadata read).
  const std::int64_t mine[4] = {first_vector, count, entry_offset, entries};
  std::vector<std::int64_t> all(4 * static_cast<std::size_t>(comm.size()));
  dist::check_mpi(MPI_Allgather(mine, 4, MPI_INT64_T, all.data(), 4, MPI_INT64_T, comm.raw()), "MPI_Allgather");
  wait_for_hints();
  std::vector<FileRange> ranges;  // this rank's chunks
  dist::collective(comm, [&] {
    const std::string where = detail::in_file(file_, name_);
    for (int r = 0; r < comm.size(); ++r) {
      const std::int64_t* q = &all[4 * static_cast<std::size_t>(r)];
      SEIGH_REQUIRE(q[0] == all[0] && q[1] == all[1])
          << "cannot read ahead in " << where << ": ranks passed different vectors";
      SEIGH_REQUIRE(q[0] >= 0 && q[1] >= 0 && q[0] + q[1] <= vectors_)
          << "cannot read ahead vectors [" << q[0] << ", " << q[0] + q[1] << ") of " << where << " (" << vectors_
          << " vectors)";
      SEIGH_REQUIRE(q[3] >= 0 && (q[3] == 0 || (q[2] >= 0 && q[2] + q[3] <= dim_)))
          << "cannot read ahead entries [" << q[2] << ", " << q[2] + q[3] << ") of " << where
          << " (vectors of length " << dim_ << ")";
    }
    if (chunk_vectors_ <= 0 || chunk_entries_ <= 0) return;
    for (int r = 0; r < comm.size(); ++r) {
      const Index begin = all[4 * r + 2], n = all[4 * r + 3];
      if (n == 0 || count == 0) continue;
      for (Index v = first_vector / chunk_vectors_ * chunk_vectors_; v < first_vector + count; v += chunk_vectors_) {
        for (Index e = begin / chunk_entries_ * chunk_entries_; e < begin + n; e += chunk_entries_) {
          const hsize_t offset[2] = {static_cast<hsize_t>(v), static_cast<hsize_t>(e)};
          unsigned filter_mask = 0;
          haddr_t address = HADDR_UNDEF;
          hsize_t bytes = 0;
          check_status(H5Dget_chunk_info_by_coord(dataset_.get(), offset, &filter_mask, &address, &bytes),
                       [&] { return "cannot look up a chunk of " + where; });
          if (r != comm.rank() || fd_ < 0 || address == HADDR_UNDEF || bytes == 0) continue;
          const auto at = static_cast<std::int64_t>(base_ + address);
          if (chunk_vectors_ == 1) {
            // One vector per chunk (the large-D case): only the bytes of the
            // span. A rank's row blocks need not be chunk-aligned (its
            // partition offset is not), so whole chunks would fetch the
            // neighbouring block's half as well.
            const Index lo = std::max(begin, e), hi = std::min({begin + n, e + chunk_entries_, dim_});
            ranges.push_back({at + (lo - e) * element_bytes_, (hi - lo) * element_bytes_});
          } else {
            ranges.push_back({at, static_cast<std::int64_t>(bytes)});
          }
        }
      }
    }
  });
  if (!ranges.empty()) {
    // Advice failures (e.g. a file system without a page cache) are
    // harmless: the read that follows fetches the data anyway.
    try {
      hints_ = std::thread([fd = fd_, ranges] {
        for (const FileRange& r : ranges) ::posix_fadvise(fd, r.offset, r.bytes, POSIX_FADV_WILLNEED);
      });
    } catch (const std::system_error&) {
      // No thread, no hints: the reads work without them.
    }
  }
  return ranges;
}

}  // namespace seigh::io
