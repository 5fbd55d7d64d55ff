/// \file
/// `seigh eig`: top eigenpairs of any symmetric operator (synthetic with a
/// known spectrum, dense or factored from HDF5) by SEIGH, exact or Lanczos.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "progress.hpp"
#include "seigh/core/memory.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/lanczos.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/io/file.hpp"
#include "seigh/linop/hdf5_operators.hpp"
#include "seigh/linop/synthetic.hpp"

namespace seigh::app {

namespace {

/// Plain configuration filled from the command line.
struct EigConfig {
  std::string operator_spec;
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

OptionSpec eig_options(EigConfig& c) {
  OptionSpec spec{"eig", "mpirun -np P seigh eig --operator SPEC --k K [options]",
                  "Top-k eigenpairs of a symmetric operator.\n\n"
                  "Operators (--operator):\n"
                  "  synthetic:FAMILY[,key=value...]  H = V diag(lambda) V^T with a known spectrum;\n"
                  "      FAMILY lowrank|poly|exp|indefinite, keys D, R, noise, p|q, block, reflectors, seed\n"
                  "      e.g. synthetic:poly,D=100000,R=10,p=2\n"
                  "  FILE.h5:/DATASET                 dense symmetric [D, D] (float32 or float64)\n"
                  "  FILE.h5:lowrank                  H = U^T diag(lambda) U from /U [r, D], /lambda [r]",
                  {},
                  {}};
  auto& sk = c.sketch;
  spec.options.add_options()
      ("operator", po::value(&c.operator_spec)->required()->value_name("SPEC"), "the operator (see above)")
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
  return spec;
}

/// Options that only make sense for one method: giving them with another is
/// a contradiction, not something to ignore silently.
void check_method_options(const po::variables_map& vm, const std::string& method) {
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

void print_result_table(const dist::Comm& comm, const VectorD& values, const VectorD* exact) {
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

template <class Scalar, class Op>
int solve_and_report(const dist::Comm& comm, Op& op, const EigConfig& c, eig::Ordering ordering,
                     const VectorD* known_spectrum, const std::string& operator_text) {
  ProgressPrinter progress(comm, !c.quiet);
  eig::EigenResult<Scalar> result;
  eig::AttributeList attributes{{"operator", operator_text}, {"precision", c.precision}};
  if (c.method == "seigh") {
    eig::SketchOptions options = c.sketch;
    options.ordering = ordering;
    options.progress = std::ref(progress);
    options.projection_cache_bytes = static_cast<std::size_t>(c.cache_mb * 1e6);
    if (!c.sketch_path().empty()) {
      options.checkpoint = eig::SketchOptions::Checkpoint{c.sketch_path(), c.resume, operator_text, c.stop_after_blocks};
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
    std::printf("seigh eig: method %s, D = %lld, k = %lld, %d rank(s)\n", result.method.c_str(),
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
    eig::write_eigen_result(comm, c.out, result, ordering, attributes);
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

template <class Scalar>
int run_with_scalar(const dist::Comm& comm, const EigConfig& c, eig::Ordering ordering) {
  const std::string& spec = c.operator_spec;
  if (spec.rfind("synthetic:", 0) == 0) {
    const auto synthetic = linop::parse_synthetic_spec(spec.substr(10));
    linop::SyntheticOperator<Scalar> op(comm, synthetic);
    return solve_and_report<Scalar>(comm, op, c, ordering, &op.eigenvalues(), "synthetic:" + to_string(synthetic));
  }
  const auto [path, object] = linop::split_file_spec(spec);
  if (object == "lowrank") {
    // λ are the exact eigenvalues only if U has orthonormal rows, which is
    // not assumed: no reference column is printed.
    linop::FactoredOperator<Scalar> op(comm, path);
    return solve_and_report<Scalar>(comm, op, c, ordering, nullptr, spec);
  }
  linop::DenseOperator<Scalar> op(comm, path, object);
  return solve_and_report<Scalar>(comm, op, c, ordering, nullptr, spec);
}

int run_eig(const dist::Comm& comm, const std::vector<std::string>& args) {
  EigConfig c;
  OptionSpec spec = eig_options(c);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  check_method_options(*vm, c.method);
  eig::Ordering ordering{};
  try {
    c.sketch.test_matrix = random::parse_test_matrix_kind((*vm)["test-matrix"].as<std::string>());
    ordering = eig::parse_ordering((*vm)["ordering"].as<std::string>());
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  require_option(c.precision == "float32" || c.precision == "float64",
                 "unknown --precision '" + c.precision + "' (valid: float32, float64)");
  require_option(c.sketch.k >= 1, "--k must be >= 1");
  require_option(c.sketch.block >= 1, "--block must be >= 1");
  require_option(!c.resume || !c.sketch_path().empty(), "--resume needs --sketch FILE or --out FILE");
  if (!c.out.empty()) {
    // Fail now, not after an hour of products, if the result cannot be written.
    io::OutputFile probe(comm, c.out);
  }
  return c.precision == "float32" ? run_with_scalar<float>(comm, c, ordering)
                                  : run_with_scalar<double>(comm, c, ordering);
}

}  // namespace

Command eig_command() {
  return {"eig", "top eigenpairs of a symmetric operator (SEIGH, exact or Lanczos)", run_eig};
}

}  // namespace seigh::app
