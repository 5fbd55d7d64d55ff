// io::ReadAhead: the file byte ranges it advises must be exactly the chunks
// holding each rank's span, checked against the bytes in the file (pread), and
// its errors must be collective.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <algorithm>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "expect_error.hpp"
#include "scratch_dir.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/read_ahead.hpp"

using Catch::Matchers::Contains;
using seigh::Index;
using seigh::Matrix;
using seigh::io::DType;
using seigh::io::File;
using seigh::io::FileRange;
using seigh::io::ReadAhead;
using seigh::test::expect_error;
using seigh::test::scratch;
using seigh::test::world;
namespace io = seigh::io;

namespace {

/// Entry e of vector v: distinct and exact in float32 for v < 16, e < 10^6.
float value(Index v, Index e) { return static_cast<float>(v * 1000000 + e); }

/// Create [K, D] float32 dataset /T (Layout::chunked) holding value(v, e),
/// each rank writing an equal share of the entries.
void write_known(File& file, Index K, Index D) {
  const auto& comm = world();
  io::create_dataset(file, "/T", {K, D}, DType::float32, io::Layout::chunked);
  const Index share = (D + comm.size() - 1) / comm.size();
  const Index begin = std::min(D, comm.rank() * share);
  const Index n = std::min(D, begin + share) - begin;
  Matrix<float> block(n, K);
  for (Index v = 0; v < K; ++v)
    for (Index i = 0; i < n; ++i) block(i, v) = value(v, begin + i);
  io::write_row_span(file, "/T", D, begin, block, 0);
  file.flush();
}

/// The (vector, first entry, entries) that the file bytes of `range` hold,
/// found by reading them (pread) and decoding the first value; checks that
/// every following value is the next entry of the same vector.
std::tuple<Index, Index, Index> decode_range(int fd, const FileRange& range) {
  std::vector<float> data(static_cast<std::size_t>(range.bytes) / sizeof(float));
  REQUIRE(!data.empty());
  REQUIRE(::pread(fd, data.data(), static_cast<std::size_t>(range.bytes), range.offset) == range.bytes);
  const auto first = static_cast<Index>(data[0]);
  const Index v = first / 1000000, e0 = first % 1000000;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] != value(v, e0 + static_cast<Index>(i))) {
      FAIL_CHECK("range at byte " << range.offset << ": entry " << i << " is " << data[i] << ", expected "
                                  << value(v, e0 + static_cast<Index>(i)));
      break;
    }
  }
  return {v, e0, static_cast<Index>(data.size())};
}

}  // namespace

TEST_CASE("ReadAhead advises exactly the chunks of every rank's span", "[io][read_ahead]") {
  const auto& comm = world();
  // Three full chunks of 2^18 entries per vector and a partial fourth.
  const Index C = io::kChunkElements, D = 3 * C + 1000, K = 4;
  const std::string path = scratch("read-ahead.h5");
  File file = File::create(comm, path);
  write_known(file, K, D);

  ReadAhead ahead(file, "/T");
  CHECK(ahead.chunk_vectors() == 1);
  CHECK(ahead.chunk_entries() == C);
  // Rank r: entries [1000 + r·200000, + 300000), crossing a chunk boundary.
  const Index begin = 1000 + comm.rank() * 200000, n = 300000;
  const std::vector<FileRange> ranges = ahead.advise(1, 2, begin, n);

  // Per vector and chunk touched: exactly the span's part of the chunk.
  std::set<std::tuple<Index, Index, Index>> expected;
  for (Index v = 1; v < 3; ++v) {
    for (Index c = begin / C; c <= (begin + n - 1) / C; ++c) {
      const Index lo = std::max(begin, c * C), hi = std::min(begin + n, (c + 1) * C);
      expected.insert({v, lo, hi - lo});
    }
  }
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  std::set<std::tuple<Index, Index, Index>> found;
  for (const FileRange& range : ranges) found.insert(decode_range(fd, range));
  CHECK(ranges.size() == expected.size());
  CHECK(found == expected);

  // The last chunk (partial), from every rank, and an empty span.
  const std::vector<FileRange> tail = ahead.advise(0, 1, D - 10, 10);
  REQUIRE(tail.size() == 1);
  CHECK(decode_range(fd, tail[0]) == std::tuple<Index, Index, Index>{0, D - 10, 10});
  ::close(fd);
  const std::vector<FileRange> none = ahead.advise(0, 1, 0, 0);
  CHECK(none.empty());
}

TEST_CASE("ReadAhead on a dataset of several vectors per chunk and on a contiguous one", "[io][read_ahead]") {
  const auto& comm = world();
  const std::string path = scratch("read-ahead-small.h5");
  File file = File::create(comm, path);
  // [7, 1000]: one chunk {7, 1000} holds all vectors.
  write_known(file, 7, 1000);
  {
    ReadAhead ahead(file, "/T");
    CHECK(ahead.chunk_vectors() == 7);
    CHECK(ahead.chunk_entries() == 1000);
    const std::vector<FileRange> ranges = ahead.advise(2, 3, 10 * comm.rank(), 5);
    REQUIRE(ranges.size() == 1);
    CHECK(ranges[0].bytes == 7 * 1000 * static_cast<Index>(sizeof(float)));
  }
  io::create_dataset(file, "/flat", {3, 100}, DType::float32, io::Layout::contiguous);
  ReadAhead flat(file, "/flat");
  CHECK(flat.chunk_vectors() == 0);
  CHECK(flat.advise(0, 3, 0, 100).empty());
}

TEST_CASE("ReadAhead errors are collective", "[io][read_ahead]") {
  const auto& comm = world();
  const std::string path = scratch("read-ahead-errors.h5");
  File file = File::create(comm, path);
  write_known(file, 3, 5000);
  ReadAhead ahead(file, "/T");
  const auto too_many = expect_error([&] { ahead.advise(1, 3, 0, 10); });
  CHECK_THAT(too_many.what(), Contains("cannot read ahead vectors [1, 4)"));
  CHECK(too_many.collective());
  // Only the last rank asks past the end: every rank fails with its message.
  const bool last = comm.rank() == comm.size() - 1;
  const auto past_end = expect_error([&] { ahead.advise(0, 3, last ? 4990 : 0, 20); });
  CHECK_THAT(past_end.what(), Contains("cannot read ahead entries [4990, 5010)"));
  CHECK(past_end.collective());
  // The object stays usable after a refused request.
  CHECK(ahead.advise(0, 3, 0, 10).size() == 1);
  expect_error([&] { ReadAhead missing(file, "/nope"); });
}
