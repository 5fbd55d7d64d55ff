#pragma once
/// \file
/// Timing helpers shared by the benchmark programs: synchronised medians,
/// the machine's square-GEMM rate, the CPU name and the first-touch rate of
/// fresh memory. Benchmarks measure; they never assert.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::bench {

inline double now_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Median wall time of up to `reps` calls of f, all ranks synchronised per
/// call (the slowest rank's time). Stops after the first call that brings
/// the total over `budget` seconds (decided on the max over ranks, so every
/// rank stops together). `setup` runs untimed before every call.
struct Timing {
  double median = 0;
  int runs = 0;
};
inline Timing median_seconds(const dist::Comm& comm, int reps, double budget, const std::function<void()>& f,
                             const std::function<void()>& setup = {}) {
  std::vector<double> times;
  double total = 0;
  for (int r = 0; r < reps; ++r) {
    if (setup) setup();
    comm.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    comm.barrier();
    const double t = comm.max(now_since(t0));
    times.push_back(t);
    total += t;
    if (total > budget) break;
  }
  std::sort(times.begin(), times.end());
  return {times[times.size() / 2], static_cast<int>(times.size())};
}

/// GFLOP/s of Eigen's C = A·B, n x n, per rank with all ranks running it
/// concurrently (median over reps).
template <class Scalar>
double square_gemm_gflops(const dist::Comm& comm, Index n, int reps) {
  Matrix<Scalar> A = Matrix<Scalar>::Random(n, n), B = Matrix<Scalar>::Random(n, n), C(n, n);
  const Timing t = median_seconds(comm, reps, 1e9, [&] { C.noalias() = A * B; });
  return 2.0 * static_cast<double>(n) * n * n / t.median / 1e9;
}

/// "model name" of /proc/cpuinfo.
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "unknown";
}

/// First touch of fresh anonymous memory (page faults) in GB/s: what a new
/// large block costs before any arithmetic.
inline double first_touch_gbs(const dist::Comm& comm) {
  const Index n = Index{32} << 20;  // 32 Mi doubles = 256 MiB
  volatile double sink = 0;
  const Timing t = median_seconds(comm, 3, 1e9, [&] {
    VectorD v(n);
    v.setConstant(1.0);
    sink = sink + v[n / 2];
  });
  return static_cast<double>(n) * 8.0 / t.median / 1e9;
}

}  // namespace seigh::bench
