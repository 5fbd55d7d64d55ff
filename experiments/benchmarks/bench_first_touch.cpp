// How fast this machine hands out fresh memory: the first write to newly
// mapped anonymous memory (page faults, zeroing, and on a VM the host
// backing the guest's pages) against a second write to the same memory.
// HVP.md (g)/(h) found the first touch, not the arithmetic, to limit a whole
// SEIGH run's 1 -> 2 rank scaling on the development VM.
//
//   build/experiments/bench_first_touch [--gb 1.46] [--reps 3]
//
// For each page policy (transparent huge pages asked for with MADV_HUGEPAGE,
// or refused with MADV_NOHUGEPAGE) it maps --gb GB, writes it twice and
// unmaps it, --reps times: the first repetition takes memory from the
// system, later ones mostly the pages the previous one just gave back.
// Run two copies at once to see whether first touch scales with processes.
#include <sys/mman.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void measure(std::size_t bytes, int advice, const char* name, int reps) {
  for (int rep = 0; rep < reps; ++rep) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    madvise(p, bytes, advice);  // advice only: failure leaves the default policy
    auto t0 = std::chrono::steady_clock::now();
    std::memset(p, 1, bytes);
    const double first = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    std::memset(p, 2, bytes);
    const double second = seconds_since(t0);
    const double gb = static_cast<double>(bytes) / 1e9;
    std::printf("%-12s rep %d: first touch %6.2f GB/s (%.2f s), rewrite %6.2f GB/s\n", name, rep, gb / first, first,
                gb / second);
    munmap(p, bytes);
  }
}

}  // namespace

int main(int argc, char** argv) {
  double gb = 1.46;  // one D x 32 float block of the 10^7-parameter MLP
  int reps = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--gb") gb = std::stod(argv[i + 1]);
    else if (flag == "--reps") reps = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_first_touch [--gb GB] [--reps N]\n");
      return 2;
    }
  }
  const auto bytes = static_cast<std::size_t>(gb * 1e9);
  measure(bytes, MADV_HUGEPAGE, "huge pages", reps);
  measure(bytes, MADV_NOHUGEPAGE, "4 KiB pages", reps);
  return 0;
}
