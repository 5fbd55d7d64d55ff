#pragma once
/// \file
/// The eigensolver options and the solve-and-report step shared by the
/// commands that compute eigenpairs (`seigh eig` on any operator, `seigh
/// hessian` on a network's loss Hessian): the same flags, the same checks,
/// the same progress, summary and result file.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli.hpp"
#include "progress.hpp"
#include "seigh/core/memory.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/lanczos.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/io/file.hpp"

namespace seigh::app {

/// The eigensolver part of a command's configuration (plain struct filled
/// from the command line).
struct SolverConfig {
  std::string method = "seigh";
  std::string precision = "float64";
  eig::SketchOptions sketch;
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  Index exact_max_dim = 30000;
  Index lanczos_ncv = 0;
  double lanczos_tolerance = 1e-10;
  Index lanczos_max_restarts = 1000;
  std::string out;
  std::string sketch_file;
  bool resume = false;
  bool keep_sketch = false;
  Index stop_after_blocks = 0;
  double cache_mb = 0;
  bool quiet = false;

  /// The measurement file: --sketch, else OUT.sketch.h5 with --out, else none.
  [[nodiscard]] std::string sketch_path() const {
    if (!sketch_file.empty()) return sketch_file;
    return out.empty() ? std::string() : out + ".sketch.h5";
  }
};

/// Add the solver flags (--method, --k, --outer, ..., --out, --resume) to
/// `options`.
inline void add_solver_options(po::options_description& options, SolverConfig& c) {
  auto& sk = c.sketch;
  options.add_options()
      ("method", po::value(&c.method)->default_value(c.method)->value_name("M"), "seigh | exact | lanczos")
      ("k", po::value(&sk.k)->default_value(sk.k), "eigenpairs to compute")
      ("outer", po::value(&sk.outer)->default_value(0), "seigh: outer sketch size o >= k (0: o = k)")
      ("inner", po::value(&sk.inner)->default_value(0), "seigh: inner sketch size s >= o (0: s = 2o)")
      ("test-matrix", po::value<std::string>()->default_value("gaussian"),
       "seigh: gaussian | rademacher | sparse-sign")
      ("zeta", po::value(&sk.zeta)->default_value(sk.zeta), "seigh: sparse-sign nonzeros per row")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the test matrices")
      ("stream", po::value(&c.stream)->default_value(c.stream), "user stream (independent repetitions)")
      ("block", po::value(&sk.block)->default_value(sk.block), "probe vectors per operator product")
      ("rcond", po::value(&sk.rcond)->default_value(sk.rcond), "seigh: relative cutoff of the core pseudo-inverses")
      ("recycle", po::bool_switch(&sk.recycle), "seigh: outer sketch = first o inner products (s products in all)")
      ("ordering", po::value<std::string>()->default_value("magnitude"), "magnitude (|lambda|) | algebraic")
      ("error-probes", po::value(&sk.error_probes)->default_value(sk.error_probes),
       "seigh: Gaussian probes of the a-posteriori error (0 disables)")
      ("precision", po::value(&c.precision)->default_value(c.precision), "operator scalar: float32 | float64")
      ("exact-max-dim", po::value(&c.exact_max_dim)->default_value(c.exact_max_dim),
       "exact: refuse operators larger than this")
      ("lanczos-ncv", po::value(&c.lanczos_ncv)->default_value(0), "lanczos: Krylov size (0: max(2k+1, 20))")
      ("lanczos-tol", po::value(&c.lanczos_tolerance)->default_value(c.lanczos_tolerance), "lanczos: tolerance")
      ("lanczos-max-restarts", po::value(&c.lanczos_max_restarts)->default_value(c.lanczos_max_restarts),
       "lanczos: restarts before giving up")
      ("out", po::value(&c.out)->value_name("FILE.h5"), "write the eigen-result file (h5py-readable)")
      ("sketch", po::value(&c.sketch_file)->value_name("FILE.h5"),
       "seigh: resumable measurement file (default with --out: OUT.sketch.h5); removed after success")
      ("resume", po::bool_switch(&c.resume), "seigh: continue the measurement in the sketch file")
      ("keep-sketch", po::bool_switch(&c.keep_sketch), "seigh: keep the sketch file after success")
      ("stop-after-blocks", po::value(&c.stop_after_blocks)->default_value(0),
       "seigh, for testing resume: stop after this many newly measured blocks")
      ("cache-test-matrices", po::value(&c.cache_mb)->default_value(0)->value_name("MB"),
       "seigh: cache this rank's rows of Phi and Psi up to MB megabytes each (default 0: regenerate)")
      ("quiet", po::bool_switch(&c.quiet), "no progress lines");
}

/// Options that only make sense for one method: giving them with another is
/// a contradiction, not something to ignore silently.
inline void check_method_options(const po::variables_map& vm, const std::string& method) {
  const auto given = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  require_option(method == "seigh" || method == "exact" || method == "lanczos",
                 "unknown --method '" + method + "' (valid: seigh, exact, lanczos)");
  for (const char* name : {"outer", "inner", "test-matrix", "zeta", "rcond", "error-probes", "sketch",
                           "stop-after-blocks", "cache-test-matrices"})
    require_option(method == "seigh" || !given(name),
                   std::string("contradictory options: --") + name + " applies to --method seigh, not " + method);
  for (const char* name : {"recycle", "resume", "keep-sketch"})
    require_option(method == "seigh" || !vm[name].as<bool>(),
                   std::string("contradictory options: --") + name + " applies to --method seigh, not " + method);
  for (const char* name : {"lanczos-ncv", "lanczos-tol", "lanczos-max-restarts"})
    require_option(method == "lanczos" || !given(name),
                   std::string("contradictory options: --") + name + " applies to --method lanczos, not " + method);
  require_option(method == "exact" || !given("exact-max-dim"),
                 "contradictory options: --exact-max-dim applies to --method exact, not " + method);
}

/// Check the solver flags of a parsed command line and return the
/// ordering. Throws UsageError (on every rank) for any mistake.
inline eig::Ordering check_solver_options(const po::variables_map& vm, SolverConfig& c) {
  check_method_options(vm, c.method);
  eig::Ordering ordering{};
  try {
    c.sketch.test_matrix = random::parse_test_matrix_kind(vm["test-matrix"].as<std::string>());
    ordering = eig::parse_ordering(vm["ordering"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  require_option(c.precision == "float32" || c.precision == "float64",
                 "unknown --precision '" + c.precision + "' (valid: float32, float64)");
  require_option(c.sketch.k >= 1, "--k must be >= 1");
  require_option(c.sketch.block >= 1, "--block must be >= 1");
  require_option(!c.resume || !c.sketch_path().empty(), "--resume needs --sketch FILE or --out FILE");
  return ordering;
}

/// Fail now, not after an hour of products, if the result cannot be
/// written. Collective.
inline void check_output_writable(const dist::Comm& comm, const std::string& out) {
  if (!out.empty()) io::OutputFile probe(comm, out);
}

/// What identifies the operator in a resumable sketch file: the
/// "operator" attribute the caller records.
inline std::string operator_id(const eig::AttributeList& attributes) {
  for (const auto& [name, value] : attributes)
    if (name == "operator") return std::get<std::string>(value);
  return {};
}

inline void print_result_table(const dist::Comm& comm, const VectorD& values, const VectorD* exact) {
  if (!comm.is_root()) return;
  const Index shown = std::min<Index>(values.size(), 20);
  std::printf("%6s  %22s", "i", "eigenvalue");
  if (exact != nullptr) std::printf("  %22s  %10s", "exact", "rel. error");
  std::printf("\n");
  for (Index i = 0; i < shown; ++i) {
    std::printf("%6lld  %22.14e", static_cast<long long>(i), values[i]);
    if (exact != nullptr) {
      const double truth = (*exact)[i];
      std::printf("  %22.14e  %10.2e", truth, std::abs(values[i] - truth) / std::max(std::abs(truth), 1e-300));
    }
    std::printf("\n");
  }
  if (shown < values.size()) std::printf("   ... (%lld more in the result file)\n", static_cast<long long>(values.size() - shown));
}

/// Run the configured solver on `op`, print the summary (products,
/// phases, error estimate, eigenvalues next to `known_spectrum` if given,
/// peak memory) and write the result file with `attributes` (which must
/// include "operator") and `extra` datasets. Returns the exit code.
/// Collective.
template <class Scalar, class Op>
int solve_and_report(const dist::Comm& comm, Op& op, const SolverConfig& c, eig::Ordering ordering,
                     const VectorD* known_spectrum, eig::AttributeList attributes, const std::string& command = "eig",
                     const eig::ExtraWriter& extra = {}) {
  ProgressPrinter progress(comm, !c.quiet);
  eig::EigenResult<Scalar> result;
  attributes.emplace_back("precision", c.precision);
  if (c.method == "seigh") {
    eig::SketchOptions options = c.sketch;
    options.ordering = ordering;
    options.progress = std::ref(progress);
    options.projection_cache_bytes = static_cast<std::size_t>(c.cache_mb * 1e6);
    if (!c.sketch_path().empty()) {
      options.checkpoint = eig::SketchOptions::Checkpoint{c.sketch_path(), c.resume, operator_id(attributes), c.stop_after_blocks};
    }
    const auto sizes = eig::resolve_sizes(options, op.dim());
    result = eig::sketched_eigh(comm, op, options, random::make_rng_state(c.seed, c.stream));
    attributes.insert(attributes.end(), {{"outer", static_cast<std::int64_t>(sizes.outer)},
                                         {"inner", static_cast<std::int64_t>(sizes.inner)},
                                         {"test_matrix", std::string(random::name(options.test_matrix))},
                                         {"seed", static_cast<std::int64_t>(c.seed)},
                                         {"stream", static_cast<std::int64_t>(c.stream)},
                                         {"block", static_cast<std::int64_t>(options.block)},
                                         {"recycle", static_cast<std::int64_t>(options.recycle)},
                                         {"rcond", options.rcond}});
  } else if (c.method == "exact") {
    eig::ExactOptions options;
    options.k = c.sketch.k;
    options.block = c.sketch.block;
    options.max_dim = c.exact_max_dim;
    options.ordering = ordering;
    options.progress = std::ref(progress);
    result = eig::exact_eigh(comm, op, options);
  } else {
    eig::LanczosOptions options;
    options.k = c.sketch.k;
    options.ncv = c.lanczos_ncv;
    options.tolerance = c.lanczos_tolerance;
    options.max_restarts = c.lanczos_max_restarts;
    options.ordering = ordering;
    result = eig::lanczos_eigh(comm, op, options);
  }

  if (comm.is_root()) {
    std::printf("seigh %s: method %s, D = %lld, k = %lld, %d rank(s)\n", command.c_str(), result.method.c_str(),
                static_cast<long long>(op.dim()), static_cast<long long>(result.eigenvalues.size()), comm.size());
    std::printf("operator products (HVPs): %lld in %lld blocks; %.3f s in the operator, %.3f s in all\n",
                static_cast<long long>(result.counts.products), static_cast<long long>(result.counts.blocks),
                result.counts.seconds, result.seconds);
    if (!result.timings.empty()) {
      std::printf("phases:");
      for (const auto& [phase, seconds] : result.timings) std::printf(" %s %.3f s;", phase.c_str(), seconds);
      std::printf("\n");
    }
    if (!result.note.empty()) std::printf("note: %s\n", result.note.c_str());
    if (result.error) {
      const auto [low, high] = result.error->relative_error_interval(0.025);
      std::printf("a-posteriori relative error ||H - V L V^T||_F / ||H||_F ~ %.3e (95%% interval [%.3e, %.3e], %lld probes)\n",
                  result.error->relative_error(), low, high, static_cast<long long>(result.error->probes));
    }
  }
  VectorD exact_head;
  if (known_spectrum != nullptr) {
    const auto order = eig::sorted_order(*known_spectrum, ordering);
    exact_head.resize(result.eigenvalues.size());
    for (Index i = 0; i < exact_head.size(); ++i) exact_head[i] = (*known_spectrum)[order[static_cast<std::size_t>(i)]];
  }
  print_result_table(comm, result.eigenvalues, known_spectrum ? &exact_head : nullptr);
  if (!c.out.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    eig::write_eigen_result(comm, c.out, result, ordering, attributes, extra);
    const double write_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (comm.is_root()) std::printf("wrote %s in %.3f s\n", c.out.c_str(), write_seconds);
    // The measurement is in the result now; the sketch file is only a
    // restart point (as large as the eigenvectors), so it goes unless kept.
    const std::string sketch = c.method == "seigh" ? c.sketch_path() : std::string();
    if (!sketch.empty() && !c.keep_sketch && comm.is_root()) std::filesystem::remove(sketch);
  }
  const double peak = static_cast<double>(comm.max(peak_rss_bytes()));
  if (comm.is_root()) std::printf("peak memory per rank (max over ranks): %.1f MB\n", peak / 1e6);
  std::fflush(stdout);
  if (!result.converged) {
    if (comm.is_root()) std::fprintf(stderr, "seigh: error: %s did not converge (%s)\n", result.method.c_str(), result.note.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace seigh::app
