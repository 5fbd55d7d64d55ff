// Benchmarks of the foundation and of SEIGH on a synthetic operator.
//
//   mpirun -np P bench_foundation [--quick]
//
// Prints medians over repetitions, with the machine's own GEMM rate first so
// every other figure can be read against it (machines are shared and noisy:
// compare ratios, not absolute seconds). Nothing here is asserted: this is a
// measuring program, not a test.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <vector>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/linop/synthetic.hpp"
#include "seigh/random/test_matrix.hpp"

using seigh::Index;

namespace {

/// Median wall time of `reps` calls of f, all ranks synchronised per call.
double median_seconds(const seigh::dist::Comm& comm, int reps, const std::function<void()>& f) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    comm.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    f();
    comm.barrier();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

template <class Scalar>
double gemm_gflops(const seigh::dist::Comm& comm, Index n, int reps) {
  seigh::Matrix<Scalar> A = seigh::Matrix<Scalar>::Random(n, n), B = seigh::Matrix<Scalar>::Random(n, n), C(n, n);
  const double t = median_seconds(comm, reps, [&] { C.noalias() = A * B; });
  return 2.0 * n * n * n / t / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const seigh::dist::Comm comm;
    const bool root = comm.is_root();
    const int reps = quick ? 3 : 5;
    if (root) std::printf("# bench_foundation: %d rank(s), medians of %d repetitions\n", comm.size(), reps);

    // 1. The machine's GEMM rate (each rank runs its own GEMM concurrently).
    const double g64 = gemm_gflops<double>(comm, 1000, reps);
    const double g32 = gemm_gflops<float>(comm, 1000, reps);
    if (root) std::printf("gemm 1000^3 per rank: float64 %.1f GFLOP/s, float32 %.1f GFLOP/s\n", g64, g32);

    // 2. Test-matrix generation: one full D x 32 probe block per rank.
    const Index D = quick ? 200000 : 1000000;
    for (auto kind : {seigh::random::TestMatrixKind::gaussian, seigh::random::TestMatrixKind::rademacher,
                      seigh::random::TestMatrixKind::sparse_sign}) {
      const seigh::random::TestMatrix T{kind, D, 32, seigh::random::make_rng_state(1), 8};
      seigh::MatrixF block(D, 32);
      const double t = median_seconds(comm, reps, [&] { seigh::random::generate_block<float>(T, 0, 0, block); });
      if (root)
        std::printf("generate %-11s D=%lld x 32: %.3f s (%.1f M entries/s per rank)\n",
                    std::string(seigh::random::name(kind)).c_str(), static_cast<long long>(D), t,
                    static_cast<double>(D) * 32 / t / 1e6);
    }

    // 3. Orthonormalisation of a D x k block-row matrix.
    const Index k = quick ? 64 : 128;
    const Index Dq = quick ? 100000 : 400000;
    const seigh::random::TestMatrix source{seigh::random::TestMatrixKind::gaussian, Dq, k,
                                           seigh::random::make_rng_state(2), 8};
    const auto part = comm.partition(Dq);
    const seigh::MatrixD local = seigh::random::generate<double>(source, part.row_offset(), part.local_rows(), 0, k);
    for (bool tsqr : {false, true}) {
      seigh::dist::OrthOptions options;
      options.force_tsqr = tsqr;
      const double t = median_seconds(comm, reps, [&] {
        seigh::dist::BlockRowMatrix<double> Y(part, local);
        (void)seigh::dist::orthonormalize(comm, Y, options);
      });
      // CholeskyQR2 flops: 2 passes x (Gram D k^2 + triangular solve D k^2).
      if (root)
        std::printf("orthonormalize %s D=%lld k=%lld: %.3f s (%.1f GFLOP/s-equivalent of 4Dk^2)\n",
                    tsqr ? "tsqr        " : "cholesky_qr2", static_cast<long long>(Dq), static_cast<long long>(k), t,
                    4.0 * static_cast<double>(Dq) * k * k / t / 1e9);
    }

    // 4. Reduce-scatter of a D x 32 block (the HVP assembly).
    {
      seigh::MatrixF full = seigh::MatrixF::Ones(D, 32);
      const auto p = comm.partition(D);
      seigh::MatrixF mine(p.local_rows(), 32);
      const double t = median_seconds(comm, reps, [&] { comm.reduce_scatter_rows<float>(full, p, mine); });
      if (root)
        std::printf("reduce_scatter_rows D=%lld x 32 float: %.4f s (%.2f GB/s of input per rank)\n",
                    static_cast<long long>(D), t, static_cast<double>(D) * 32 * 4 / t / 1e9);
    }

    // 4b. Sparse-sign projection of a row block with many columns: the
    //     out-of-core gram pass projects each n x o block of Y onto Φ and Ψ
    //     (d = s rows each); the record run has o = 1500, s = 3000.
    {
      const Index n = quick ? 16384 : 131072, o = quick ? 500 : 1500, d = quick ? 1000 : 3000;
      const auto rows = comm.partition(n * comm.size());
      const seigh::random::TestMatrix phi{seigh::random::TestMatrixKind::sparse_sign, n * comm.size(), d,
                                         seigh::random::make_rng_state(4), 8};
      const seigh::eig::RowProjector<float> projector(phi, rows, 0);
      const seigh::MatrixF block = seigh::MatrixF::Random(n, o);
      seigh::MatrixD out = seigh::MatrixD::Zero(d, o);
      const double t = median_seconds(comm, reps, [&] { projector.project_rows(rows.row_offset(), block, out); });
      if (root)
        std::printf("project_rows sparse-sign (zeta 8) n=%lld x o=%lld onto d=%lld: %.3f s (%.2f GB/s of float data)\n",
                    static_cast<long long>(n), static_cast<long long>(o), static_cast<long long>(d), t,
                    static_cast<double>(n) * o * 4 / t / 1e9);
    }

    // 5. SEIGH end to end on a synthetic operator (cheap operator: this
    //    measures the solver's own overhead, not HVP cost).
    {
      const Index Ds = quick ? 100000 : 1000000;
      const auto spec = seigh::linop::parse_synthetic_spec("poly,D=" + std::to_string(Ds) + ",R=10,p=2");
      seigh::linop::SyntheticOperator<float> op(comm, spec);
      seigh::eig::SketchOptions options;
      options.k = quick ? 50 : 100;
      options.outer = 2 * options.k;
      options.error_probes = 10;
      seigh::eig::EigenResult<float> result;
      const double t = median_seconds(comm, 1, [&] {
        result = seigh::eig::sketched_eigh(comm, op, options, seigh::random::make_rng_state(3));
      });
      if (root) {
        std::printf("seigh synthetic D=%lld k=%lld o=%lld s=%lld: %.2f s total, %lld products, %.2f s in the operator\n",
                    static_cast<long long>(Ds), static_cast<long long>(options.k),
                    static_cast<long long>(options.outer), static_cast<long long>(2 * options.outer), t,
                    static_cast<long long>(result.counts.products), result.counts.seconds);
        for (const auto& [phase, seconds] : result.timings) std::printf("    %-24s %.3f s\n", phase.c_str(), seconds);
        std::printf("    top eigenvalue %.6f (exact 1), eigenvalue 10: %.6f (exact %.6f), relative error est. %.2e\n",
                    result.eigenvalues[0], result.eigenvalues[10], op.eigenvalues()[10],
                    result.error ? result.error->relative_error() : -1.0);
      }
    }
  }
  MPI_Finalize();
  return 0;
}
