// Row-block reads of a [K, D] dataset, as the out-of-core passes make them,
// with and without io::ReadAhead, from a cold page cache. Measures; never
// asserts.
//
//   mpirun -np 2 build/experiments/bench_row_read --file RESULT.eig.h5 \
//       [--dataset /eigenvectors] [--vectors K] [--row-block 262144] \
//       [--blocks 4] [--work 0]
//
// Every rank takes its block-row partition of D (dist::RowPartition) and
// reads its first --blocks row blocks of --row-block entries of vectors
// [0, K) with io::read_row_span, like a pass of eig/out_of_core.cpp. Before
// each mode every rank evicts the file from the page cache
// (POSIX_FADV_DONTNEED, clean pages only) so the reads come from the disk.
// --work S sleeps S seconds after each block, standing in for the pass's
// computation (with read-ahead the next block's reads run during it).
// Prints per mode the wall seconds (max over ranks) and the aggregate GB/s.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bench_util.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"
#include "seigh/io/read_ahead.hpp"

using namespace seigh;

namespace {

struct Config {
  std::string file, dataset = "/eigenvectors";
  Index vectors = 0, row_block = Index{1} << 18, blocks = 4;
  double work = 0;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_row_read: %s\nusage: bench_row_read --file F [--dataset /eigenvectors] [--vectors K] "
               "[--row-block N] [--blocks B] [--work SECONDS]\n",
               why.c_str());
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage("missing value after " + a);
    const std::string v = argv[++i];
    if (a == "--file") c.file = v;
    else if (a == "--dataset") c.dataset = v;
    else if (a == "--vectors") c.vectors = std::stoll(v);
    else if (a == "--row-block") c.row_block = std::stoll(v);
    else if (a == "--blocks") c.blocks = std::stoll(v);
    else if (a == "--work") c.work = std::stod(v);
    else usage("unknown option " + a);
  }
  if (c.file.empty()) usage("--file is required");
  return c;
}

/// Drop this file's clean pages from the page cache.
void evict(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    const dist::Comm comm;
    const Config c = parse(argc, argv);
    io::File file = io::File::open(comm, c.file);
    const io::DatasetInfo info = io::dataset_info(file, c.dataset);
    const Index K = c.vectors > 0 ? std::min(c.vectors, info.shape[0]) : info.shape[0];
    const Index D = info.shape[1];
    const dist::RowPartition partition(D, comm.rank(), comm.size());
    const Index local = partition.local_rows();
    const Index blocks = std::min(c.blocks, comm.max((local + c.row_block - 1) / c.row_block));
    if (comm.is_root()) {
      std::printf("# bench_row_read: %d rank(s), %s %s [%lld, %lld], vectors [0, %lld), row block %lld, %lld "
                  "block(s) per rank, work %.1f s per block\n",
                  comm.size(), c.file.c_str(), c.dataset.c_str(), static_cast<long long>(info.shape[0]),
                  static_cast<long long>(D), static_cast<long long>(K), static_cast<long long>(c.row_block),
                  static_cast<long long>(blocks), c.work);
    }
    Matrix<float> block;
    for (const bool ahead_on : {false, true, false, true}) {
      evict(c.file);
      comm.barrier();
      const auto t0 = std::chrono::steady_clock::now();
      double bytes = 0;
      {
        io::ReadAhead ahead(file, c.dataset);
        const auto range = [&](Index t) {
          const Index begin = std::min(t * c.row_block, local);
          return std::pair<Index, Index>{partition.row_offset() + begin, std::min(c.row_block, local - begin)};
        };
        if (ahead_on) ahead.advise(0, K, range(0).first, range(0).second);
        for (Index t = 0; t < blocks; ++t) {
          if (ahead_on && t + 1 < blocks) ahead.advise(0, K, range(t + 1).first, range(t + 1).second);
          const auto [begin, n] = range(t);
          block.resize(n, K);
          io::read_row_span(file, c.dataset, D, begin, block, 0);
          bytes += 4.0 * static_cast<double>(n) * static_cast<double>(K);
          if (c.work > 0) std::this_thread::sleep_for(std::chrono::duration<double>(c.work));
        }
      }
      comm.barrier();
      const double seconds = comm.max(bench::now_since(t0));
      const double total = comm.sum(bytes);
      if (comm.is_root()) {
        std::printf("%-14s %8.2f s  %6.3f GB read  %6.3f GB/s (%.2f s per block)\n",
                    ahead_on ? "read-ahead" : "no read-ahead", seconds, total / 1e9, total / 1e9 / seconds,
                    seconds / static_cast<double>(blocks));
      }
    }
  }
  MPI_Finalize();
  return 0;
}
