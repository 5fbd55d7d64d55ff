// The exact path's dense eigensolver (src/eig/dense_eigen.cpp: LAPACK
// dsytrd + dsterf + dstemr + dormtr, top-k vectors only) against Eigen's
// SelfAdjointEigenSolver (all vectors), on random symmetric matrices, one
// process, next to the machine's float64 GEMM rate. Measures; never asserts.
//
//   build/experiments/bench_dense_eigen [--n 2000,7030] [--eigen-max 2000]
//
// "tridiag GFLOP/s" counts the 4/3 n³ flops of the tridiagonalisation only,
// the part that dominates; it shows how close the solve runs to GEMM speed.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Eigenvalues>

#include "bench_util.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/eig/dense_eigen.hpp"

namespace {

using seigh::Index;
using seigh::MatrixD;

std::vector<Index> parse_list(const std::string& text) {
  std::vector<Index> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoll(item));
  return out;
}

MatrixD random_symmetric(Index n) {
  std::mt19937_64 engine(1);
  std::normal_distribution<double> normal;
  MatrixD a(n, n);
  for (Index j = 0; j < n; ++j)
    for (Index i = j; i < n; ++i) a(i, j) = a(j, i) = normal(engine);
  return a;
}

int run(int argc, char** argv) {
  const seigh::dist::Comm self(MPI_COMM_SELF);
  std::vector<Index> sizes{2000, 7030};
  Index eigen_max = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--n") sizes = parse_list(argv[i + 1]);
    else if (flag == "--eigen-max") eigen_max = std::stoll(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_dense_eigen [--n N1,N2] [--eigen-max N]\n");
      return 2;
    }
  }
  const char* threads = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf("cpu: %s\nOPENBLAS_NUM_THREADS: %s\n", seigh::bench::cpu_model().c_str(), threads ? threads : "(unset: 1)");
  std::printf("float64 GEMM (Eigen, n = 2000): %.1f GFLOP/s\n\n",
              seigh::bench::square_gemm_gflops<double>(self, 2000, 3));
  std::printf("%7s %7s %-28s %10s %16s\n", "n", "k", "solver", "seconds", "tridiag GFLOP/s");
  for (const Index n : sizes) {
    const MatrixD a = random_symmetric(n);
    const double tridiag_flops = 4.0 / 3.0 * static_cast<double>(n) * n * n;
    for (const Index k : {n / 20, n / 5}) {
      MatrixD work = a;
      const auto t0 = std::chrono::steady_clock::now();
      const auto pairs = seigh::eig::dense_top_eigenpairs(work, k, seigh::eig::Ordering::magnitude);
      const double seconds = seigh::bench::now_since(t0);
      std::printf("%7lld %7lld %-28s %10.2f %16.2f\n", static_cast<long long>(n), static_cast<long long>(k),
                  "LAPACK top-k (seigh)", seconds, tridiag_flops / seconds / 1e9);
      std::fflush(stdout);
    }
    if (n <= eigen_max) {
      const auto t0 = std::chrono::steady_clock::now();
      const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(a);
      const double seconds = seigh::bench::now_since(t0);
      std::printf("%7lld %7lld %-28s %10.2f %16.2f\n", static_cast<long long>(n), static_cast<long long>(n),
                  "Eigen SelfAdjointEigenSolver", seconds, tridiag_flops / seconds / 1e9);
      std::fflush(stdout);
    }
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const int status = run(argc, argv);
  MPI_Finalize();
  return status;
}
