#pragma once
/// \file
/// Read-ahead for row spans of chunked [K, D] datasets: ask the operating
/// system to start reading, in the background, the file chunks that a later
/// read_row_span will need (posix_fadvise POSIX_FADV_WILLNEED on each chunk's
/// byte range).
///
/// Why: the out-of-core passes read row blocks of a D x o matrix stored as an
/// [o, D] dataset in chunks of 1 x 2^18 entries (Layout::chunked). One block
/// of n <= 2^18 rows is o chunks of n·4 bytes, each in a different part of
/// the file, and HDF5 reads them one after the other. A disk that serves one
/// 1 MiB request at a time reaches a fraction of its bandwidth that way (the
/// development VM: 0.23 GB/s of its 2.4 GB/s). Advised one block ahead, the
/// reads of block t+1 are queued together and run while block t computes.
///
/// posix_fadvise blocks while the disk's request queue is full, so the hints
/// are issued by a helper thread (it calls neither MPI nor HDF5); the next
/// advise() and the destructor wait for it.
///
/// The advice is only a hint: data are still read through HDF5, results do
/// not depend on it, and where posix_fadvise does nothing (some parallel
/// file systems) the passes are as before.

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/io/file.hpp"
#include "seigh/io/hdf5_handle.hpp"

namespace seigh::io {

/// Bytes [offset, offset + bytes) of a file.
struct FileRange {
  std::int64_t offset = 0;
  std::int64_t bytes = 0;
};

class ReadAhead {
 public:
  /// Opens dataset `name` ([K, D], chunked) of `file` and, on every rank,
  /// the file itself read-only for the hints. Collective.
  ReadAhead(const File& file, const std::string& name);
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  /// Advise the chunks holding entries [entry_offset, entry_offset + entries)
  /// of vectors [first_vector, first_vector + count); every rank passes its
  /// own entry span (entries may be 0), all the same vectors. Returns this
  /// rank's file byte ranges (the hints go out in the background): with one
  /// vector per chunk exactly the span's bytes of each chunk, else whole
  /// chunks.
  /// Collective: the file is opened with
  /// collective metadata reads, so every rank looks up the chunk addresses
  /// of every rank's span (the same calls everywhere) and advises its own.
  std::vector<FileRange> advise(Index first_vector, Index count, Index entry_offset, Index entries);

  /// Chunk shape of the dataset ([vectors, entries] per chunk; {0, 0} if
  /// the dataset is not chunked, and then advise does nothing).
  [[nodiscard]] Index chunk_vectors() const { return chunk_vectors_; }
  [[nodiscard]] Index chunk_entries() const { return chunk_entries_; }

 private:
  const File& file_;
  std::string name_;
  DatasetHandle dataset_;
  int fd_ = -1;
  Index chunk_vectors_ = 0, chunk_entries_ = 0;
  Index vectors_ = 0, dim_ = 0, element_bytes_ = 0;
  unsigned long long base_ = 0;  // user block size: chunk addresses are relative to it
  std::thread hints_;           // issues the posix_fadvise calls of the last advise()

  void wait_for_hints();
};

}  // namespace seigh::io
