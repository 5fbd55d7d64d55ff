// SEIGH at scale on a synthetic operator: per-phase seconds, peak memory
// against the O(D·o/P + D·b + s²) model, and the rate of the dense phases
// against the machine's own GEMM rate (measured here, in the same process).
//
//   mpirun -np P bench_seigh [--quick] [--dim D] [--k 100] [--outer 200]
//       [--inner 400] [--block 32] [--test-matrix gaussian|rademacher|sparse-sign]
//       [--zeta 8] [--precision float32|float64] [--reps 3] [--error-probes 10]
//       [--cache-bytes N] [--gemm-n 2000] [--budget 30] [--no-kernels]
//
// Defaults: D = 10^6, k = 100, o = 200, s = 400, b = 32, float32, sparse
// sign (--quick: D = 2·10^5). One configuration per process, so the peak
// RSS (getrusage, monotone over a process's life) belongs to that
// configuration: the solve runs first, the kernel measurements after it.
//
// What is measured:
//  1. One full sketched_eigh (the driver exactly as the app runs it), with
//     its per-phase timings, product counts, and the peak RSS of every rank
//     sampled after V = QU (before the error estimate) and at the end.
//  2. The machine's GEMM rate: Eigen n x n x n (float, double), and the
//     "D x o GEMM pass": this rank's (D/P x o) · (o x o) product in the
//     working precision, 2·(D/P)·o² flops — the yardstick for everything
//     that touches the D x o sketch once.
//  3. The driver's kernels in isolation, medians over --reps repetitions
//     (fewer when one repetition exceeds --budget seconds):
//     - orthonormalize(Y) on the real outer sketch Y = HΩ (D x o), rate
//       under the CholeskyQR2 flop model 4·(D/P)·o² per rank (two passes
//       of Gram (D o²) + triangular solve (D o²)), and gram(Y) alone;
//     - V = Q U (dist::multiply, U o x k double): 2·(D/P)·o·k flops;
//     - test-matrix generation as the driver does it: Ω and Ψ, full length
//       on every rank, in blocks of b columns;
//     - projections: Φ·(block of HΨᵀ) for every core block, and P = ΦQ,
//       R = ΨQ. For the dense families the flop count is 2·(D/P)·s·b per
//       block (plus regenerating this rank's rows of Φ when not cached).
//
// Machines are shared and noisy: read medians and ratios, not single runs.
// Nothing is asserted: this is a measuring program, not a test.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "seigh/core/memory.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/eig/projector.hpp"
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
  Index gemm_n = 2000;
  double budget = 30.0;  // seconds one kernel's repetitions may take before stopping early
  bool kernels = true;
  std::string spectrum = "poly,R=10,p=2";
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "bench_seigh: %s\n", message);
  std::fprintf(stderr,
               "usage: bench_seigh [--quick] [--dim D] [--k K] [--outer O] [--inner S] [--block B]\n"
               "       [--test-matrix gaussian|rademacher|sparse-sign] [--zeta Z] [--precision float32|float64]\n"
               "       [--reps N] [--error-probes N] [--cache-bytes N] [--gemm-n N] [--budget SECONDS]\n"
               "       [--spectrum 'poly,R=10,p=2'] [--no-kernels]\n");
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
    else if (a == "--help" || a == "-h") usage("help");
    else usage(("unknown option " + a).c_str());
  }
  return c;
}

double now_since(std::chrono::steady_clock::time_point t0) {
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
Timing median_seconds(const seigh::dist::Comm& comm, int reps, double budget, const std::function<void()>& f,
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

template <class Scalar>
double square_gemm_gflops(const seigh::dist::Comm& comm, Index n, int reps) {
  seigh::Matrix<Scalar> A = seigh::Matrix<Scalar>::Random(n, n), B = seigh::Matrix<Scalar>::Random(n, n), C(n, n);
  const Timing t = median_seconds(comm, reps, 1e9, [&] { C.noalias() = A * B; });
  return 2.0 * static_cast<double>(n) * n * n / t.median / 1e9;
}

std::string cpu_model() {
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

/// Seconds per GB of first touch of fresh anonymous memory (page faults),
/// as GB/s: what a new D x k block costs before any arithmetic.
double first_touch_gbs(const seigh::dist::Comm& comm) {
  const Index n = Index{64} << 20;  // 64 Mi doubles = 512 MiB
  const Timing t = median_seconds(comm, 3, 1e9, [&] {
    seigh::VectorD v(n);
    v.setZero();
  });
  return static_cast<double>(n) * 8.0 / t.median / 1e9;
}

/// The reference GEMMs: (rows x o)(o x o), rows = min(local_rows, 65536),
/// in float32 and float64 (row blocks of 4096). scale() turns a slice time
/// into this rank's full D/P x o pass.
struct Reference {
  Index local_rows, rows, o;
  seigh::MatrixF A32, B32, C32;
  seigh::MatrixD A64, B64, C64;
  Reference(Index local_rows_, Index o_)
      : local_rows(local_rows_), rows(std::max<Index>(1, std::min<Index>(local_rows_, 65536))), o(o_),
        A32(seigh::MatrixF::Random(rows, o)), B32(seigh::MatrixF::Random(o, o)), C32(rows, o),
        A64(seigh::MatrixD::Random(rows, o)), B64(seigh::MatrixD::Random(o, o)), C64(rows, o) {}
  [[nodiscard]] double flops() const { return 2.0 * static_cast<double>(rows) * o * o; }
  [[nodiscard]] double scale() const { return static_cast<double>(local_rows) / static_cast<double>(rows); }
  template <class Scalar>
  void run() {
    if constexpr (std::is_same_v<Scalar, float>) {
      C32.noalias() = A32 * B32;
    } else {
      for (Index r0 = 0; r0 < rows; r0 += 4096) {
        const Index n = std::min<Index>(4096, rows - r0);
        C64.middleRows(r0, n).noalias() = A64.middleRows(r0, n) * B64;
      }
    }
  }
};

/// One kernel: median seconds and, per repetition against references timed
/// right before it (the machine is shared, so rates drift), the medians of
/// rate / float64 reference rate, rate / float32 reference rate, and
/// seconds / (D x o GEMM pass in the working precision).
struct Kernel {
  double seconds = 0, gflops = 0, of64 = 0, of32 = 0, passes = 0;
  int runs = 0;
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class Scalar>
Kernel measure_kernel(const seigh::dist::Comm& comm, int reps, double budget, Reference& ref, double flops,
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
  for (int r = 0; r < reps; ++r) {
    const double r32 = timed([&] { ref.run<float>(); });
    const double r64 = timed([&] { ref.run<double>(); });
    if (setup) setup();
    const double t = timed(f);
    seconds.push_back(t);
    of64.push_back((flops / t) / (ref.flops() / r64));
    of32.push_back((flops / t) / (ref.flops() / r32));
    passes.push_back(t / ((std::is_same_v<Scalar, float> ? r32 : r64) * ref.scale()));
    total += t;
    if (total > budget) break;
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
  options.progress = [&](const std::string& phase, Index, Index) {
    if (phase == "eigenvectors") rss_after_v = seigh::peak_rss_bytes();
  };
  const sr::RngState rng = sr::make_rng_state(3);
  comm.barrier();
  const auto t_solve = std::chrono::steady_clock::now();
  seigh::eig::EigenResult<Scalar> result = seigh::eig::sketched_eigh(comm, op, options, rng);
  const double solve_seconds = comm.max(now_since(t_solve));
  const std::int64_t rss_after_v_max = comm.max(rss_after_v);
  const std::int64_t rss_final_max = comm.max(seigh::peak_rss_bytes());
  const std::int64_t baseline_max = comm.max(baseline_rss);
  const double operator_seconds = comm.max(result.counts.seconds);

  // Phase timings (rank 0's clock; the phases end in collectives, so ranks agree closely).
  std::map<std::string, double> phases;
  for (const auto& [name, seconds] : result.timings) phases[name] = comm.max(seconds);
  const double total_listed = [&] {
    double t = 0;
    for (const auto& [name, seconds] : phases) t += seconds;
    return t;
  }();
  if (root) {
    std::printf("\n## solve (one run)\n");
    std::printf("operator build %.2f s (not part of the solve)\n", build_seconds);
    std::printf("sketched_eigh %.2f s, %lld products in %lld blocks, %.2f s inside the operator (max over ranks)\n",
                solve_seconds, static_cast<long long>(result.counts.products),
                static_cast<long long>(result.counts.blocks), operator_seconds);
    for (const auto& [name, seconds] : phases) std::printf("  phase %-24s %8.2f s\n", name.c_str(), seconds);
    std::printf("  phase %-24s %8.2f s  (V = QU and bookkeeping: total minus listed phases)\n", "(unlisted)",
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
  }

  // ---------------------------------------------------------------- memory model
  double model_total = 0;
  {
    const double rows = static_cast<double>(rows_max);
    const double y = rows * o * S;
    const double probe = static_cast<double>(D) * b * S;
    const double products = rows * b * S;
    const double small = (static_cast<double>(s) * s + 2.0 * s * o + static_cast<double>(s) * b + o * k) * 8.0;
    const double v = rows * k * S;
    const double chunk = (cfg.kind == sr::TestMatrixKind::sparse_sign) ? 0.0 : 2048.0 * s * S;
    const double solver = y + probe + products + small + v + chunk;
    const double op_storage = static_cast<double>(D) * (std::min(spec.block, D) + spec.reflectors) * 8.0 +
                              static_cast<double>(D) * (8.0 + 2 * 8.0);
    const double op_apply = static_cast<double>(D) * b * 8.0;
    const double model_v = solver + op_storage + op_apply;
    const double err = cfg.error_probes > 0
                           ? static_cast<double>(D) * std::min(b, cfg.error_probes) * S +
                                 rows * std::min(b, cfg.error_probes) * (S + 8.0) + rows * k * 8.0
                           : 0.0;
    model_total = model_v + err;
    if (root) {
      std::printf("\n## memory per rank (MiB; model for the most loaded rank, local_rows = %lld)\n",
                  static_cast<long long>(rows_max));
      std::printf("  model solver: Y D*o/P*%g = %.1f, probe block D*b*%g = %.1f, products (D/P)*b*%g = %.1f,\n"
                  "                V (D/P)*k*%g = %.1f, Z s^2 + P/R 2*s*o + Z block s*b + U o*k doubles = %.1f,\n"
                  "                projector chunk 2048*s*%g = %.1f  => %.1f\n",
                  S, mib(y), S, mib(probe), S, mib(products), S, mib(v), mib(small), S, mib(chunk), mib(solver));
      std::printf("  model operator (replicated, counted separately): storage D*(block %lld + reflectors %d) doubles "
                  "+ permutation D*8 + eigenvalues 2*D*8 = %.1f,\n"
                  "                apply workspace D*b doubles = %.1f\n",
                  static_cast<long long>(std::min(spec.block, D)), spec.reflectors, mib(op_storage), mib(op_apply));
      std::printf("  model error estimate transients (current code): probes D*b*%g + HG + V cast to double "
                  "(D/P)*k*8 = %.1f\n",
                  S, mib(err));
      std::printf("  measured peak RSS (max over ranks): at start %.1f, after operator build %.1f, after V = QU %.1f, "
                  "final %.1f\n",
                  mib(static_cast<double>(baseline_max)), mib(static_cast<double>(rss_operator)),
                  mib(static_cast<double>(rss_after_v_max)), mib(static_cast<double>(rss_final_max)));
      const double through_v = static_cast<double>(rss_after_v_max - baseline_max);
      std::printf("  through V = QU: measured - start = %.1f vs model solver + operator + apply = %.1f (ratio %.2f)\n",
                  mib(through_v), mib(model_v), through_v / model_v);
      std::printf("  whole run:      measured - start = %.1f vs model + error-estimate transients = %.1f "
                  "(ratio %.2f)\n",
                  mib(static_cast<double>(rss_final_max - baseline_max)), mib(model_v + err),
                  static_cast<double>(rss_final_max - baseline_max) / (model_v + err));
    }
  }
  if (!cfg.kernels) return;

  // ---------------------------------------------------------------- 2. GEMM rates
  const double g64 = square_gemm_gflops<double>(comm, cfg.gemm_n, cfg.reps);
  const double g32 = square_gemm_gflops<float>(comm, cfg.gemm_n, cfg.reps);
  const double first_touch = first_touch_gbs(comm);
  // The references timed next to every kernel repetition: a slice of the
  // D x o GEMM pass, (rows x o)(o x o), in float32 and in float64 (in
  // row blocks, the way a careful caller runs a tall float64 GEMM in Eigen;
  // see RESULTS.md), scaled to this rank's D/P rows for the pass.
  Reference ref(part.local_rows(), o);
  const Timing pass_work = median_seconds(comm, cfg.reps, cfg.budget, [&] { ref.run<Scalar>(); });
  const double pass_seconds = pass_work.median * ref.scale();
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
  // A core block: H Ψᵀ's first b columns (this rank's rows).
  seigh::Matrix<Scalar> products(part.local_rows(), b);
  sr::generate_block<Scalar>(psi, 0, 0, probes.leftCols(b));
  op.apply(probes.leftCols(b), products);
  probes.resize(0, 0);

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
  const Kernel k_zblock = measure(2.0 * rows_max_d * s * b, [&] { sink = phi_rows.project(products); });
  const Kernel k_pr = measure(2 * 2.0 * rows_max_d * s * o, [&] {
    sink = phi_rows.project(Q.local());
    sink = psi_rows.project(Q.local());
  });
  const Index z_blocks = (s + b - 1) / b;

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
    std::printf("  projection Phi*(core block of b): %.4f s [%d] x %lld blocks = %.3f s = %.2f GEMM passes",
                k_zblock.seconds, k_zblock.runs, static_cast<long long>(z_blocks),
                k_zblock.seconds * static_cast<double>(z_blocks), k_zblock.passes * static_cast<double>(z_blocks));
    if (dense)
      std::printf(" (%.1f GFLOP/s of 2*(D/P)*s*b incl. regeneration; rows cached: %s)", k_zblock.gflops,
                  phi_rows.cached() ? "yes" : "no");
    std::printf("\n  projection P = Phi Q and R = Psi Q: %.3f s [%d] = %.2f GEMM passes\n", k_pr.seconds, k_pr.runs,
                k_pr.passes);
    const double proj_passes = k_zblock.passes * static_cast<double>(z_blocks) + k_pr.passes;
    std::printf("  all projections %.2f GEMM passes; generation + projections %.2f GEMM passes\n", proj_passes,
                proj_passes + gen_passes);
    std::printf("\nSUMMARY P=%d %s %s D=%lld: solve %.1f s (operator %.1f s); orth %.0f%% of float64 GEMM (%.0f%% of "
                "float32); V=QU %.0f%% (in place %.0f%%) of %s GEMM; generation %.2f, projections %.2f GEMM passes; "
                "peak RSS %.0f MiB (model %.0f + start %.0f)\n",
                P, std::string(sr::name(cfg.kind)).c_str(), precision, static_cast<long long>(D), solve_seconds,
                operator_seconds, 100 * k_orth.of64, 100 * k_orth.of32, 100 * (cfg.single ? k_v.of32 : k_v.of64),
                100 * (cfg.single ? k_v_in_place.of32 : k_v_in_place.of64), precision, gen_passes, proj_passes,
                mib(static_cast<double>(rss_final_max)), mib(model_total), mib(static_cast<double>(baseline_max)));
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
