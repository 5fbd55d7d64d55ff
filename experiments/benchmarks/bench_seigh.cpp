// SEIGH at scale on a synthetic operator: per-phase seconds, peak memory
// against the O(D·o/P + D·b + s²) model, and the rate of the dense phases
// against the machine's own GEMM rate (measured here, in the same process).
// Results and how to read them: experiments/benchmarks/RESULTS.md.
//
//   mpirun -np P bench_seigh [--quick] [--dim D] [--k 100] [--outer 200]
//       [--inner 400] [--block 32] [--test-matrix gaussian|rademacher|sparse-sign]
//       [--zeta 8] [--precision float32|float64] [--reps 3] [--error-probes 10]
//       [--cache-bytes N] [--gemm-n 1000] [--budget 30] [--spectrum SPEC] [--no-kernels]
//       [--out-of-core [--row-block N]] [--write DIR]
//
// Defaults: D = 10^6, k = 100, o = 200, s = 400, b = 32, float32, sparse
// sign, spectrum poly,R=10,p=2 (--quick: D = 2·10^5). One configuration
// per process, so the peak RSS (getrusage, monotone over a process's life)
// belongs to that configuration: the solve runs first, the kernel
// measurements after it.
//
// What is measured:
//  1. One full sketched_eigh (the driver exactly as the app runs it): its
//     per-phase timings, product counts, accuracy against the known
//     spectrum, and the peak RSS of every rank at the end of each phase the
//     driver reports (after V = QU, i.e. before the error estimate) and at
//     the end, next to an itemised memory model (bytes per phase).
//  2. The machine's GEMM rate: Eigen n x n x n (float, double), the first
//     touch rate of fresh memory, and the "D x o GEMM pass": this rank's
//     (D/P x o)·(o x o) product in the working precision, 2·(D/P)·o² flops —
//     the yardstick for everything that touches the D x o sketch once.
//  3. The driver's kernels in isolation, medians over --reps repetitions
//     (short ones repeat to ~1 s, long ones stop after --budget seconds),
//     each repetition against n x n GEMMs and a slice of the GEMM pass timed
//     right before it (the machine is shared, so rates drift):
//     - orthonormalize(Y) on the real outer sketch Y = HΩ (D x o), rate
//       under the CholeskyQR2 flop model 4·(D/P)·o² per rank (two passes
//       of Gram (D o²) + triangular solve (D o²)), and gram(Y) alone;
//     - V = Q U (U o x k double): 2·(D/P)·o·k flops, with dist::multiply
//       (a new D x k block, as the driver does) and dist::multiply_in_place;
//     - test-matrix generation as the driver does it: Ω and Ψ, full length
//       on every rank, in blocks of b columns;
//     - projections as the driver does them: Z = Φ(HΨᵀ) in batches of
//       b·ceil(o/b) columns, and P = ΦQ, R = ΨQ. Dense families: 2·(D/P)·s
//       flops per column, plus regenerating this rank's rows of Φ or Ψ per
//       call when not cached.
//
// --out-of-core runs the driver in its out-of-core mode (eig/out_of_core.hpp)
// with the sketch file and the result file in --write DIR (default $TMPDIR
// or /tmp), and reports the file sizes and the out-of-core memory model;
// the kernels (which hold Y in memory) are skipped. --write DIR without
// --out-of-core writes the in-memory result there too, so both modes are
// timed through the result file ("write" phase).
//
// Nothing is asserted: this is a measuring program, not a test.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "bench_util.hpp"
#include "seigh/core/memory.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/eig/out_of_core.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/linop/synthetic.hpp"
#include "seigh/random/test_matrix.hpp"

using seigh::Index;

namespace {

struct Config {
  Index dim = 1000000;
  Index k = 100;
  Index outer = 200;
  Index inner = 400;
  Index block = 32;
  seigh::random::TestMatrixKind kind = seigh::random::TestMatrixKind::sparse_sign;
  int zeta = 8;
  bool single = true;  // float32 operator
  int reps = 3;
  Index error_probes = 10;
  std::size_t cache_bytes = 0;
  Index gemm_n = 1000;
  double budget = 30.0;  // seconds one kernel's repetitions may take before stopping early
  bool kernels = true;
  std::string spectrum = "poly,R=10,p=2";
  bool out_of_core = false;
  Index row_block = 0;      // 0: the library's default
  std::string write_dir;    // result (and sketch) files; empty: none in memory, $TMPDIR in out-of-core
};

/// Every rank parses the same arguments, so every rank gets here: rank 0
/// prints, all finalize and exit.
[[noreturn]] void usage(const char* message) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) {
    std::fprintf(stderr, "bench_seigh: %s\n", message);
    std::fprintf(stderr,
                 "usage: bench_seigh [--quick] [--dim D] [--k K] [--outer O] [--inner S] [--block B]\n"
                 "       [--test-matrix gaussian|rademacher|sparse-sign] [--zeta Z] [--precision float32|float64]\n"
                 "       [--reps N] [--error-probes N] [--cache-bytes N] [--gemm-n N] [--budget SECONDS]\n"
                 "       [--spectrum 'poly,R=10,p=2'] [--no-kernels] [--out-of-core] [--row-block N]\n"
                 "       [--write DIR]\n");
  }
  MPI_Finalize();
  std::exit(2);
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    const auto count = [&]() -> Index {
      const std::string v = value();
      try {
        return static_cast<Index>(std::stod(v));  // accepts 1e6
      } catch (const std::exception&) {
        usage(("not a number: " + v).c_str());
      }
    };
    if (a == "--quick") c.dim = 200000;
    else if (a == "--dim") c.dim = count();
    else if (a == "--k") c.k = count();
    else if (a == "--outer") c.outer = count();
    else if (a == "--inner") c.inner = count();
    else if (a == "--block") c.block = count();
    else if (a == "--test-matrix") c.kind = seigh::random::parse_test_matrix_kind(value());
    else if (a == "--zeta") c.zeta = static_cast<int>(count());
    else if (a == "--precision") {
      const std::string p = value();
      if (p != "float32" && p != "float64") usage("--precision must be float32 or float64");
      c.single = p == "float32";
    } else if (a == "--reps") c.reps = static_cast<int>(std::max<Index>(1, count()));
    else if (a == "--error-probes") c.error_probes = count();
    else if (a == "--cache-bytes") c.cache_bytes = static_cast<std::size_t>(count());
    else if (a == "--gemm-n") c.gemm_n = count();
    else if (a == "--budget") c.budget = static_cast<double>(count());
    else if (a == "--spectrum") c.spectrum = value();
    else if (a == "--no-kernels") c.kernels = false;
    else if (a == "--out-of-core") c.out_of_core = true;
    else if (a == "--row-block") c.row_block = count();
    else if (a == "--write") c.write_dir = value();
    else if (a == "--help" || a == "-h") usage("help");
    else usage(("unknown option " + a).c_str());
  }
  if (c.out_of_core) {
    c.kernels = false;  // they hold the D x o sketch in memory
    if (c.write_dir.empty()) {
      const char* tmp = std::getenv("TMPDIR");
      c.write_dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
  }
  return c;
}

using seigh::bench::cpu_model;
using seigh::bench::first_touch_gbs;
using seigh::bench::median_seconds;
using seigh::bench::now_since;
using seigh::bench::square_gemm_gflops;
using seigh::bench::Timing;

/// The references timed next to every kernel repetition (the machine is
/// shared, so rates drift): square n x n GEMMs in float32 and float64 (the
/// machine's GEMM rate), and a slice of the D x o GEMM pass in the working
/// precision, (rows x o)(o x o) with rows = min(D/P, 65536), scaled to
/// this rank's D/P rows. Tall float64 runs in blocks of 512 rows: Eigen's
/// own blocking of a very tall float64 operand runs at half speed on this
/// machine (RESULTS.md), and a careful caller blocks it.
template <class Scalar>
struct Reference {
  Index n, local_rows, rows, o;
  seigh::MatrixF S32a, S32b, S32c;
  seigh::MatrixD S64a, S64b, S64c;
  seigh::Matrix<Scalar> A, B, C;
  Reference(Index n_, Index local_rows_, Index o_)
      : n(n_), local_rows(local_rows_), rows(std::max<Index>(1, std::min<Index>(local_rows_, 65536))), o(o_),
        S32a(seigh::MatrixF::Random(n, n)), S32b(seigh::MatrixF::Random(n, n)), S32c(n, n),
        S64a(seigh::MatrixD::Random(n, n)), S64b(seigh::MatrixD::Random(n, n)), S64c(n, n),
        A(seigh::Matrix<Scalar>::Random(rows, o)), B(seigh::Matrix<Scalar>::Random(o, o)), C(rows, o) {}
  [[nodiscard]] double square_flops() const { return 2.0 * static_cast<double>(n) * n * n; }
  [[nodiscard]] double slice_flops() const { return 2.0 * static_cast<double>(rows) * o * o; }
  [[nodiscard]] double scale() const { return static_cast<double>(local_rows) / static_cast<double>(rows); }
  void square32() { S32c.noalias() = S32a * S32b; }
  void square64() { S64c.noalias() = S64a * S64b; }
  void slice() {
    if constexpr (std::is_same_v<Scalar, float>) {
      C.noalias() = A * B;
    } else {
      for (Index r0 = 0; r0 < rows; r0 += 512) {
        const Index m = std::min<Index>(512, rows - r0);
        C.middleRows(r0, m).noalias() = A.middleRows(r0, m) * B;
      }
    }
  }
};

/// One kernel: median seconds and the medians, over repetitions, of
/// rate / float64 GEMM rate, rate / float32 GEMM rate (square references)
/// and seconds / D x o GEMM pass (slice reference), each repetition against
/// references timed right before it.
struct Kernel {
  double seconds = 0, gflops = 0, of64 = 0, of32 = 0, passes = 0;
  int runs = 0;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Scalar>
Kernel measure_kernel(const seigh::dist::Comm& comm, int reps, double budget, Reference<Scalar>& ref, double flops,
                      const std::function<void()>& f, const std::function<void()>& setup) {
  const auto timed = [&](const std::function<void()>& g) {
    comm.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    g();
    comm.barrier();
    return comm.max(now_since(t0));
  };
  std::vector<double> seconds, of64, of32, passes;
  double total = 0;
  for (int r = 0;; ++r) {
    const double r32 = timed([&] { ref.square32(); });
    const double r64 = timed([&] { ref.square64(); });
    const double pass = timed([&] { ref.slice(); }) * ref.scale();
    if (setup) setup();
    const double t = timed(f);
    seconds.push_back(t);
    of64.push_back((flops / t) / (ref.square_flops() / r64));
    of32.push_back((flops / t) / (ref.square_flops() / r32));
    passes.push_back(t / pass);
    total += t;
    // At least `reps` runs; short kernels run on until they have taken a
    // second (at most 4·reps runs), so a burst of other load on the shared
    // machine moves their median less. Stop early past the budget.
    if (total > budget || (r + 1 >= reps && (total >= 1.0 || r + 1 >= 4 * reps))) break;
  }
  Kernel k;
  k.seconds = median_of(seconds);
  k.gflops = flops / k.seconds / 1e9;
  k.of64 = median_of(of64);
  k.of32 = median_of(of32);
  k.passes = median_of(passes);
  k.runs = static_cast<int>(seconds.size());
  return k;
}

double mib(double bytes) { return bytes / (1024.0 * 1024.0); }

template <class Scalar>
void run(const seigh::dist::Comm& comm, const Config& cfg, std::int64_t baseline_rss) {
  namespace sr = seigh::random;
  const bool root = comm.is_root();
  const int P = comm.size();
  const Index D = cfg.dim, o = cfg.outer, s = cfg.inner, k = cfg.k, b = cfg.block;
  const auto part = comm.partition(D);
  const Index rows_max = comm.max(part.local_rows());  // the most loaded rank (balanced: ceil(D/P))
  const double S = sizeof(Scalar);
  // The driver projects the core sketch in batches of about o columns
  // (a multiple of b): sketched.hpp, "batch".
  const Index batch = std::min(s, b * ((o + b - 1) / b));
  const Index z_batches = (s + batch - 1) / batch;
  const char* precision = cfg.single ? "float32" : "float64";

  if (root) {
    std::printf("# bench_seigh: %d rank(s), %u hardware threads, CPU %s\n", P, std::thread::hardware_concurrency(),
                cpu_model().c_str());
    std::printf("# D=%lld k=%lld o=%lld s=%lld b=%lld test-matrix=%s zeta=%d precision=%s error-probes=%lld "
                "projection-cache=%zu bytes, reps=%d\n",
                static_cast<long long>(D), static_cast<long long>(k), static_cast<long long>(o),
                static_cast<long long>(s), static_cast<long long>(b), std::string(sr::name(cfg.kind)).c_str(),
                cfg.zeta, precision, static_cast<long long>(cfg.error_probes), cfg.cache_bytes, cfg.reps);
  }

  // ---------------------------------------------------------------- 1. the solve
  const auto spec = seigh::linop::parse_synthetic_spec(cfg.spectrum + ",D=" + std::to_string(D));
  auto t_build = std::chrono::steady_clock::now();
  seigh::linop::SyntheticOperator<Scalar> op(comm, spec);
  const double build_seconds = comm.max(now_since(t_build));
  const std::int64_t rss_operator = comm.max(seigh::peak_rss_bytes());

  seigh::eig::SketchOptions options;
  options.k = k;
  options.outer = o;
  options.inner = s;
  options.block = b;
  options.test_matrix = cfg.kind;
  options.zeta = cfg.zeta;
  options.error_probes = cfg.error_probes;
  options.projection_cache_bytes = cfg.cache_bytes;
  std::int64_t rss_after_v = 0;
  // Peak RSS at the end of each phase the driver reports (its progress
  // callback runs after every measured block and after V = QU).
  std::vector<std::pair<std::string, std::int64_t>> rss_by_phase;
  options.progress = [&](const std::string& phase, Index done, Index total) {
    if (done == total) rss_by_phase.emplace_back(phase, seigh::peak_rss_bytes());
    if (phase == "eigenvectors") rss_after_v = seigh::peak_rss_bytes();
  };
  const sr::RngState rng = sr::make_rng_state(3);
  const std::string out = cfg.write_dir.empty() ? std::string() : cfg.write_dir + "/bench_seigh_" + std::to_string(P) + ".h5";
  const std::string sketch_path = out + ".sketch.h5";
  Index row_block = 0;
  if (cfg.out_of_core) {
    row_block = cfg.row_block > 0 ? cfg.row_block : seigh::eig::ooc::default_row_block(o, D);
    if (root) std::filesystem::remove(sketch_path);
    comm.barrier();
    options.checkpoint = seigh::eig::SketchOptions::Checkpoint{sketch_path, false, "bench_seigh", 0, ""};
    options.out_of_core = seigh::eig::SketchOptions::OutOfCore{out, row_block};
  }
  comm.barrier();
  const auto t_solve = std::chrono::steady_clock::now();
  seigh::eig::EigenResult<Scalar> result = seigh::eig::sketched_eigh(comm, op, options, rng);
  double sketch_bytes = 0, result_bytes = 0;
  if (!out.empty()) {
    const auto t_write = std::chrono::steady_clock::now();
    seigh::eig::write_eigen_result(comm, out, result, seigh::eig::Ordering::magnitude, {});
    result.timings["write"] = now_since(t_write);
    if (root) {
      result_bytes = static_cast<double>(std::filesystem::file_size(out));
      if (cfg.out_of_core) sketch_bytes = static_cast<double>(std::filesystem::file_size(sketch_path));
      std::filesystem::remove(out);
      if (cfg.out_of_core) std::filesystem::remove(sketch_path);
    }
  }
  const double solve_seconds = comm.max(now_since(t_solve));
  const std::int64_t rss_after_v_max = comm.max(rss_after_v);
  const std::int64_t rss_final_max = comm.max(seigh::peak_rss_bytes());
  const std::int64_t baseline_max = comm.max(baseline_rss);
  const double operator_seconds = comm.max(result.counts.seconds);

  // Phase timings: the slowest rank's (the phases end in collectives, so ranks agree closely).
  std::map<std::string, double> phases;
  for (const auto& [name, seconds] : result.timings) phases[name] = comm.max(seconds);
  // Time outside the listed phases (V = QU, projector set-up), on rank 0's
  // own clock: a sum of per-phase maxima could exceed its total.
  const double total_listed = [&] {
    double t = 0;
    for (const auto& [name, seconds] : result.timings)
      if (name != "write") t += seconds;  // the write comes after the solve's own clock
    return t;
  }();
  if (root) {
    std::printf("\n## solve (one run)\n");
    std::printf("operator build %.2f s (not part of the solve)\n", build_seconds);
    std::printf("sketched_eigh %.2f s, %lld products in %lld blocks, %.2f s inside the operator (max over ranks)\n",
                solve_seconds, static_cast<long long>(result.counts.products),
                static_cast<long long>(result.counts.blocks), operator_seconds);
    for (const auto& [name, seconds] : phases) std::printf("  phase %-24s %8.2f s\n", name.c_str(), seconds);
    std::printf("  phase %-24s %8.2f s  (rank 0: total minus its listed phases; V = QU, projector set-up)\n",
                "(unlisted)",
                result.seconds - total_listed);
    const auto& exact = op.eigenvalues();
    double worst = 0;
    for (Index i = 0; i < std::min<Index>(k, 10); ++i)
      worst = std::max(worst, std::abs(result.eigenvalues[i] - exact[i]) / std::abs(exact[i]));
    std::printf("  accuracy: lambda_1 %.6f (exact %.6f), lambda_%lld %.4g (exact %.4g), max rel. error of top 10 "
                "%.2e",
                result.eigenvalues[0], exact[0], static_cast<long long>(k), result.eigenvalues[k - 1], exact[k - 1],
                worst);
    if (result.error) std::printf(", a-posteriori relative error %.3e", result.error->relative_error());
    std::printf(", sketch rank %lld\n", static_cast<long long>(result.sketch_rank));
    std::printf("  mode: %s", cfg.out_of_core ? "out-of-core" : "in memory");
    if (cfg.out_of_core) std::printf(" (row block %lld)", static_cast<long long>(row_block));
    if (!out.empty()) std::printf("; result file %.1f MiB", mib(result_bytes));
    if (cfg.out_of_core) std::printf(", sketch file %.1f MiB (state file at the end of the run)", mib(sketch_bytes));
    std::printf("\n");
    const auto model = seigh::eig::ooc::memory_model(D, P, o, s, k, b,
                                                     cfg.out_of_core ? row_block : seigh::eig::ooc::default_row_block(o, D),
                                                     sizeof(Scalar));
    std::printf("  library memory model (largest objects, ooc::memory_model): in memory %.1f MiB, out of core "
                "%.1f MiB\n",
                mib(model.in_memory), mib(model.out_of_core));
  }
  if (cfg.out_of_core) {
    // The itemised model below is the in-memory driver's.
    if (root)
      std::printf("\nSUMMARY P=%d %s %s D=%lld out-of-core: solve %.1f s (operator %.1f s); peak RSS %.0f MiB "
                  "(start %.0f); sketch file %.0f MiB\n",
                  P, std::string(sr::name(cfg.kind)).c_str(), precision, static_cast<long long>(D), solve_seconds,
                  operator_seconds, mib(static_cast<double>(rss_final_max)), mib(static_cast<double>(baseline_max)),
                  mib(sketch_bytes));
    return;
  }

  // ---------------------------------------------------------------- memory model
  // Bytes per rank for the most loaded rank (L = ceil(D/P) local rows),
  // phase by phase as the driver allocates and frees (sketched.hpp); the
  // model peak is the largest phase. The operator's replicated storage and
  // its per-call workspace are the operator's, not the solver's: counted
  // separately (a network Hessian has its own).
  double model_peak = 0;
  {
    const double L = static_cast<double>(rows_max), Dd = static_cast<double>(D);
    const double y = L * o * S;                                   // Y, later Q (D x o / P)
    const double probe = Dd * b * S;                              // full-length probe block
    const double products = L * batch * S;                        // a batch of this rank's rows of H Ψᵀ
    // Z, P and R, and one Z batch (doubles).
    const double small = (static_cast<double>(s) * s + 2.0 * s * o + static_cast<double>(s) * batch) * 8.0;
    const double v = L * k * S;                                   // V = QU, formed in Y's storage
    const bool dense = cfg.kind != sr::TestMatrixKind::sparse_sign;
    const double cache_each = L * s * S;
    const bool cached = dense && cache_each <= static_cast<double>(cfg.cache_bytes) && rows_max > 0;
    const double projector = dense ? (cached ? cache_each : 2048.0 * s * S)
                                   : (128.0 * batch + static_cast<double>(batch) * s) * 8.0;
    const double op_storage = Dd * (std::min(spec.block, D) + spec.reflectors) * 8.0 + Dd * (8.0 + 2 * 8.0);
    // SyntheticOperator::apply's float64 work block, kept from the first
    // product on: part of the operator's storage in every phase.
    const double op_apply = Dd * b * 8.0;
    const double gram_chunk = 4096.0 * o * 8.0;
    const Index bp = std::min(b, cfg.error_probes);
    // Error estimate: probes D x b', HG (L x b'), and float64 row spans of
    // 4096 rows of V, g and HG (error_estimate.hpp).
    const double err_extra =
        cfg.error_probes > 0 ? Dd * bp * S + L * bp * S + 4096.0 * (k + 3.0 * bp) * 8.0 : 0.0;
    const double measure = y + probe + products + small + projector;
    const double orth_phase = y + small + std::max(gram_chunk, 2.0 * projector);
    // V = QU in place: Y plus one 4096 x k block of rows.
    const double v_phase = y + 4096.0 * k * S + small + (cached ? 2 * cache_each : 0);
    const double err_phase = v + (cached ? 2 * cache_each : 0) + err_extra;
    const double solver_peak = std::max({measure, orth_phase, v_phase, err_phase});
    const double asymptotic = y + probe + static_cast<double>(s) * s * 8.0;
    model_peak = solver_peak + op_storage + op_apply;
    if (root) {
      std::printf("\n## memory per rank, MiB (model for the most loaded rank, L = D/P = %lld rows, %g-byte entries)\n",
                  static_cast<long long>(rows_max), S);
      std::printf("  O(D*o/P + D*b + s^2) terms: Y L*o*%g = %.1f, probe block D*b*%g = %.1f, Z s^2*8 = %.2f  => %.1f\n",
                  S, mib(y), S, mib(probe), mib(static_cast<double>(s) * s * 8.0), mib(asymptotic));
      std::printf("  other solver terms: products L*batch = %.1f, P/R 2*s*o*8 + Z batch s*batch*8 = %.2f, "
                  "V L*k = %.1f, "
                  "projector %s = %.1f\n",
                  mib(products), mib(small - static_cast<double>(s) * s * 8.0), mib(v),
                  dense ? (cached ? "cache L*s (each of Phi, Psi)" : "chunk 2048*s") : "chunk + accumulator",
                  mib(projector));
      std::printf("  operator (replicated on every rank, counted separately): V factor D*(block %lld + reflectors %d)"
                  " doubles + permutation D*8 + eigenvalues 2*D*8 = %.1f; apply workspace D*b doubles = %.1f\n",
                  static_cast<long long>(std::min(spec.block, D)), spec.reflectors, mib(op_storage), mib(op_apply));
      std::printf("  phases (solver): measure %.1f, orthonormalise+project %.1f, V = QU %.1f, "
                  "error estimate %.1f (of which its transients %.1f)\n",
                  mib(measure), mib(orth_phase), mib(v_phase), mib(err_phase), mib(err_extra));
      std::printf("  model peak = max phase + operator storage and workspace = %.1f (through V = QU: %.1f)\n",
                  mib(model_peak), mib(std::max({measure, orth_phase, v_phase}) + op_storage + op_apply));
      std::printf("  measured peak RSS (max over ranks): at start %.1f, after operator build %.1f, after V = QU %.1f, "
                  "final %.1f\n",
                  mib(static_cast<double>(baseline_max)), mib(static_cast<double>(rss_operator)),
                  mib(static_cast<double>(rss_after_v_max)), mib(static_cast<double>(rss_final_max)));
      const double through_v_model = std::max({measure, orth_phase, v_phase}) + op_storage + op_apply;
      std::printf("  measured peak RSS at the end of each reported phase (rank 0):");
      for (const auto& [phase, bytes] : rss_by_phase)
        std::printf(" %s %.1f;", phase.c_str(), mib(static_cast<double>(bytes)));
      std::printf("\n");
      std::printf("  measured - start: through V = QU %.1f (%.2f x model), whole run %.1f (%.2f x model)\n",
                  mib(static_cast<double>(rss_after_v_max - baseline_max)),
                  static_cast<double>(rss_after_v_max - baseline_max) / through_v_model,
                  mib(static_cast<double>(rss_final_max - baseline_max)),
                  static_cast<double>(rss_final_max - baseline_max) / model_peak);
    }
  }
  if (!cfg.kernels) return;

  // ---------------------------------------------------------------- 2. GEMM rates
  const double g64 = square_gemm_gflops<double>(comm, cfg.gemm_n, cfg.reps);
  const double g32 = square_gemm_gflops<float>(comm, cfg.gemm_n, cfg.reps);
  const double first_touch = first_touch_gbs(comm);
  Reference<Scalar> ref(cfg.gemm_n, part.local_rows(), o);
  const Timing slice = median_seconds(comm, cfg.reps, cfg.budget, [&] { ref.slice(); });
  const double pass_seconds = slice.median * ref.scale();
  const double pass_flops = comm.max(2.0 * static_cast<double>(part.local_rows()) * o * o);
  if (root) {
    std::printf("\n## GEMM rate of this machine (per rank, all ranks concurrently)\n");
    std::printf("  Eigen %lld^3: float64 %.1f GFLOP/s, float32 %.1f GFLOP/s\n", static_cast<long long>(cfg.gemm_n),
                g64, g32);
    std::printf("  one D x o GEMM pass := this rank's (D/P x o)*(o x o) in %s, 2*(D/P)*o^2 = %.3g flop: %.3f s "
                "(%.1f GFLOP/s; timed on %lld-row slices and scaled)\n",
                precision, pass_flops, pass_seconds, pass_flops / pass_seconds / 1e9,
                static_cast<long long>(ref.rows));
    std::printf("  first touch of fresh memory (page faults): %.2f GB/s\n", first_touch);
  }

  // ---------------------------------------------------------------- 3. kernels
  const sr::TestMatrix omega{cfg.kind, D, o, sr::derive(rng, sr::Stream::omega), cfg.zeta};
  const sr::TestMatrix psi{cfg.kind, D, s, sr::derive(rng, sr::Stream::psi), cfg.zeta};
  const sr::TestMatrix phi{cfg.kind, D, s, sr::derive(rng, sr::Stream::phi), cfg.zeta};
  const auto measure = [&](double flops, const std::function<void()>& f, const std::function<void()>& setup = {}) {
    return measure_kernel<Scalar>(comm, cfg.reps, cfg.budget, ref, flops, f, setup);
  };

  // Generation as the driver does it: full-length blocks of b columns.
  seigh::Matrix<Scalar> probes(D, b);
  probes.setZero();
  const auto generate_all = [&](const sr::TestMatrix& T) {
    for (Index c0 = 0; c0 < T.cols; c0 += b) {
      const Index w = std::min(b, T.cols - c0);
      sr::generate_block<Scalar>(T, 0, c0, probes.leftCols(w));
    }
  };
  const Kernel gen_omega = measure(0, [&] { generate_all(omega); });
  const Kernel gen_psi = measure(0, [&] { generate_all(psi); });

  // The real outer sketch Y = HΩ, as the driver measures it.
  seigh::dist::BlockRowMatrix<Scalar> Y0(part, o);
  for (Index c0 = 0; c0 < o; c0 += b) {
    const Index w = std::min(b, o - c0);
    sr::generate_block<Scalar>(omega, 0, c0, probes.leftCols(w));
    op.apply(probes.leftCols(w), Y0.local().middleCols(c0, w));
  }
  // The core sketch's products wait for projection in batches of `batch`
  // columns (sketched.hpp); the values do not change the cost of a
  // projection, so random ones stand in for H Ψᵀ.
  probes.resize(0, 0);
  seigh::Matrix<Scalar> products = seigh::Matrix<Scalar>::Random(part.local_rows(), batch);

  // (a) orthonormalisation of the real Y (a fresh copy every repetition,
  // made before the clock starts, so its pages are touched already).
  seigh::dist::OrthOptions orth_options;
  orth_options.allow_rank_deficient = true;
  seigh::dist::BlockRowMatrix<Scalar> Q(part, o);
  seigh::dist::OrthResult orth;
  const double rows_max_d = static_cast<double>(rows_max);
  const Kernel k_orth = measure(
      4.0 * rows_max_d * o * o, [&] { orth = seigh::dist::orthonormalize(comm, Q, orth_options); },
      [&] { Q.local() = Y0.local(); });
  const Kernel k_gram = measure(rows_max_d * o * o, [&] { (void)seigh::dist::gram(comm, Y0); });
  const double orth_error = (seigh::dist::gram(comm, Q) - seigh::MatrixD::Identity(o, o)).norm();

  // (b) V = Q U: the driver's call (a new D x k block) and the in-place form.
  const seigh::MatrixD U = seigh::MatrixD::Random(o, k);
  seigh::dist::BlockRowMatrix<Scalar> V;
  const Kernel k_v = measure(2.0 * rows_max_d * o * k, [&] { V = seigh::dist::multiply(Q, U); },
                             [&] { V = seigh::dist::BlockRowMatrix<Scalar>(); });
  seigh::dist::BlockRowMatrix<Scalar> W(part, o);
  const Kernel k_v_in_place = measure(2.0 * rows_max_d * o * k, [&] { seigh::dist::multiply_in_place(W, U); },
                                      [&] {
                                        W.local().resize(part.local_rows(), o);
                                        W.local() = Q.local();
                                      });
  const double v_difference = (V.local() - W.local()).cwiseAbs().maxCoeff();

  // (c) projections.
  const seigh::eig::RowProjector<Scalar> phi_rows(phi, part, cfg.cache_bytes);
  const seigh::eig::RowProjector<Scalar> psi_rows(psi, part, cfg.cache_bytes);
  seigh::MatrixD sink;
  // Z = Φ (H Ψᵀ) as the driver projects it: one call per batch.
  const auto project_core = [&](const seigh::eig::RowProjector<Scalar>& rows) {
    for (Index c0 = 0; c0 < s; c0 += batch) sink = rows.project(products.leftCols(std::min(batch, s - c0)));
  };
  const Kernel k_zblock = measure(2.0 * rows_max_d * s * s, [&] { project_core(phi_rows); });
  const Kernel k_pr = measure(2 * 2.0 * rows_max_d * s * o, [&] {
    sink = phi_rows.project(Q.local());
    sink = psi_rows.project(Q.local());
  });
  // With a cache, also the default (regenerating) projector, once: what
  // the cache saves.
  Kernel k_zblock_regen;
  if (phi_rows.cached()) {
    const seigh::eig::RowProjector<Scalar> phi_regen(phi, part, 0);
    k_zblock_regen = measure_kernel<Scalar>(comm, 1, 0.0, ref, 2.0 * rows_max_d * s * s,
                                            [&] { project_core(phi_regen); }, {});
  }

  if (root) {
    const bool dense = cfg.kind != sr::TestMatrixKind::sparse_sign;
    std::printf("\n## kernels (medians over [runs]; %% of GEMM = rate / the float64 or float32 reference GEMM "
                "timed next to each run)\n");
    std::printf("  orthonormalize Y (D x o): %s, %d CholQR passes, ||Q^T Q - I||_F = %.1e\n",
                std::string(seigh::dist::to_string(orth.method)).c_str(), orth.cholqr_passes, orth_error);
    std::printf("    %.3f s [%d], %.1f GFLOP/s of 4*(D/P)*o^2 = %.0f%% of float64 GEMM, %.0f%% of float32 GEMM, "
                "%.2f GEMM passes\n",
                k_orth.seconds, k_orth.runs, k_orth.gflops, 100 * k_orth.of64, 100 * k_orth.of32, k_orth.passes);
    std::printf("    gram(Y) alone: %.3f s [%d], %.1f GFLOP/s of (D/P)*o^2 = %.0f%% of float64 GEMM\n", k_gram.seconds,
                k_gram.runs, k_gram.gflops, 100 * k_gram.of64);
    std::printf("  V = Q U (D x o)(o x k), dist::multiply (new block): %.3f s [%d], %.1f GFLOP/s of 2*(D/P)*o*k = "
                "%.0f%% of %s GEMM\n",
                k_v.seconds, k_v.runs, k_v.gflops, 100 * (cfg.single ? k_v.of32 : k_v.of64), precision);
    std::printf("  V = Q U, dist::multiply_in_place:                 %.3f s [%d], %.1f GFLOP/s = %.0f%% of %s GEMM "
                "(max |difference| %.1e)\n",
                k_v_in_place.seconds, k_v_in_place.runs, k_v_in_place.gflops,
                100 * (cfg.single ? k_v_in_place.of32 : k_v_in_place.of64), precision, v_difference);
    const double gen = gen_omega.seconds + gen_psi.seconds;
    const double gen_passes = gen_omega.passes + gen_psi.passes;
    std::printf("  generation (full length on every rank, blocks of b): Omega %.3f s [%d], Psi %.3f s [%d]: "
                "%.3f s = %.2f GEMM passes\n",
                gen_omega.seconds, gen_omega.runs, gen_psi.seconds, gen_psi.runs, gen, gen_passes);
    std::printf("  projection Z = Phi (H Psi^T), %lld batch(es) of <= %lld columns: %.3f s [%d] = %.2f GEMM passes",
                static_cast<long long>(z_batches), static_cast<long long>(batch), k_zblock.seconds, k_zblock.runs,
                k_zblock.passes);
    if (dense)
      std::printf(" (%.1f GFLOP/s of 2*(D/P)*s^2 incl. regeneration; rows cached: %s)", k_zblock.gflops,
                  phi_rows.cached() ? "yes" : "no");
    if (phi_rows.cached())
      std::printf("\n    without the cache (rows regenerated): %.3f s [1] = %.2f GEMM passes", k_zblock_regen.seconds,
                  k_zblock_regen.passes);
    std::printf("\n  projection P = Phi Q and R = Psi Q: %.3f s [%d] = %.2f GEMM passes\n", k_pr.seconds, k_pr.runs,
                k_pr.passes);
    const double proj_passes = k_zblock.passes + k_pr.passes;
    std::printf("  all projections %.2f GEMM passes; generation + projections %.2f GEMM passes\n", proj_passes,
                proj_passes + gen_passes);
    std::printf("\nSUMMARY P=%d %s %s D=%lld: solve %.1f s (operator %.1f s); orth %.0f%% of float64 GEMM (%.0f%% of "
                "float32); V=QU %.0f%% (in place %.0f%%) of %s GEMM; generation %.2f, projections %.2f GEMM passes; "
                "peak RSS %.0f MiB (model %.0f + start %.0f)\n",
                P, std::string(sr::name(cfg.kind)).c_str(), precision, static_cast<long long>(D), solve_seconds,
                operator_seconds, 100 * k_orth.of64, 100 * k_orth.of32, 100 * (cfg.single ? k_v.of32 : k_v.of64),
                100 * (cfg.single ? k_v_in_place.of32 : k_v_in_place.of64), precision, gen_passes, proj_passes,
                mib(static_cast<double>(rss_final_max)), mib(model_peak), mib(static_cast<double>(baseline_max)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const std::int64_t baseline = seigh::peak_rss_bytes();
  int status = 0;
  try {
    const Config cfg = parse(argc, argv);
    const seigh::dist::Comm comm;
    if (cfg.single) run<float>(comm, cfg, baseline);
    else run<double>(comm, cfg, baseline);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_seigh: error: %s\n", e.what());
    status = 1;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return status;
}
