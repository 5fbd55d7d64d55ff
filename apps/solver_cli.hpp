#pragma once
/// \file
/// The eigensolver options and the solve-and-report step shared by the
/// commands that compute eigenpairs (`seigh eig` on any operator, `seigh
/// hessian` on a network's loss Hessian): the same flags, the same checks,
/// the same progress, summary and result file.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "cli.hpp"
#include "progress.hpp"
#include "seigh/core/memory.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/lanczos.hpp"
#include "seigh/eig/out_of_core.hpp"
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
  std::string stop_after_phase;
  double cache_mb = 0;
  bool out_of_core = false;
  double memory_limit_gb = 0;
  Index row_block = 0;
  Index core_batch = 0;
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
       "seigh, for testing resume: stop after this many newly stored blocks (out-of-core: row blocks too)")
      ("stop-after-phase", po::value(&c.stop_after_phase)->value_name("STAGE"),
       "seigh --out-of-core, for testing resume: stop once gram|orth|core|vectors|error is done")
      ("out-of-core", po::bool_switch(&c.out_of_core),
       "seigh: stream the D x o sketch through the sketch file (needs --out); memory O(row_block*o + D*b + s^2)")
      ("memory-limit", po::value(&c.memory_limit_gb)->default_value(-1, "auto")->value_name("GB"),
       "seigh: go out-of-core when the in-memory model exceeds this many GB per rank (0: no limit; auto: 80 % "
       "of the node's memory divided by its ranks)")
      ("row-block", po::value(&c.row_block)->default_value(0)->value_name("N"),
       "seigh --out-of-core: rows per streamed block (0: multiple of 4096 with N*o doubles <= 64 MiB)")
      ("core-batch", po::value(&c.core_batch)->default_value(0)->value_name("N"),
       "seigh --out-of-core: core-sketch columns projected together, a multiple of --block (0: from the memory "
       "budget); a dense Phi is redrawn once per batch")
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
                           "stop-after-blocks", "cache-test-matrices", "stop-after-phase", "memory-limit",
                           "row-block", "core-batch"})
    require_option(method == "seigh" || !given(name),
                   std::string("contradictory options: --") + name + " applies to --method seigh, not " + method);
  for (const char* name : {"recycle", "resume", "keep-sketch", "out-of-core"})
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
  require_option(c.memory_limit_gb >= 0 || c.memory_limit_gb == -1, "--memory-limit must be >= 0 (or auto)");
  require_option(c.row_block >= 0, "--row-block must be >= 0");
  require_option(c.core_batch >= 0, "--core-batch must be >= 0");
  require_option(!c.out_of_core || !c.out.empty(),
                 "--out-of-core writes the eigenvectors straight into the result file: give --out FILE.h5");
  const std::string& stop = c.stop_after_phase;
  require_option(stop.empty() || stop == "gram" || stop == "orth" || stop == "core" ||
                     stop == "vectors" || stop == "error",
                 "unknown --stop-after-phase '" + stop + "' (valid: gram, orth, core, vectors, error)");
  return ordering;
}

/// Fail now, not after an hour of products, if the result cannot be
/// written. An existing OUT.partial is left alone: a run could write there,
/// and an interrupted out-of-core run resumes from it (its eigenvectors).
/// Collective.
inline void check_output_writable(const dist::Comm& comm, const std::string& out) {
  if (out.empty()) return;
  const bool partial = comm.broadcast_value<int>(comm.is_root() ? std::filesystem::exists(out + ".partial") : 0) != 0;
  if (!partial) io::OutputFile probe(comm, out);
}

/// The storage mode of a SEIGH run and why (printed, and recorded).
struct StorageChoice {
  bool out_of_core = false;
  Index row_block = 0;
  Index core_batch = 0;  ///< out of core: SketchOptions::OutOfCore::core_batch (rounded as sketched.hpp does)
  eig::ooc::MemoryModel model;
  std::string reason;
};

/// Physical memory of this rank's node divided by the ranks on it, the
/// minimum over all ranks (bytes). Collective.
inline double node_memory_per_rank(const dist::Comm& comm) {
  MPI_Comm node = MPI_COMM_NULL;
  dist::check_mpi(MPI_Comm_split_type(comm.raw(), MPI_COMM_TYPE_SHARED, comm.rank(), MPI_INFO_NULL, &node),
                  "MPI_Comm_split_type");
  int ranks_on_node = 1;
  MPI_Comm_size(node, &ranks_on_node);
  MPI_Comm_free(&node);
  const double physical = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGE_SIZE));
  return comm.min(physical / ranks_on_node);
}

/// In memory unless --out-of-core, or the budget (--memory-limit, by default
/// 80 % of the node's memory per rank) is below the in-memory model of the
/// largest objects per rank (ooc::memory_model). Collective
/// only in its errors (identical on every rank).
inline StorageChoice choose_storage(const dist::Comm& comm, const SolverConfig& c, const eig::SketchSizes& sizes,
                                    Index dim, std::size_t scalar_bytes) {
  StorageChoice choice;
  choice.row_block = c.row_block > 0 ? c.row_block : eig::ooc::default_row_block(sizes.outer, dim);
  const auto probe_cache = [&](Index cols) {
    return random::ColumnBlocks::bytes_for(random::TestMatrix{c.sketch.test_matrix, dim, cols, {}, c.sketch.zeta},
                                           c.sketch.block);
  };
  const double probe_cache_bytes = std::max(probe_cache(sizes.outer), probe_cache(sizes.inner));
  choice.model = eig::ooc::memory_model(dim, comm.size(), sizes.outer, sizes.inner, c.sketch.k, c.sketch.block,
                                        choice.row_block, scalar_bytes, probe_cache_bytes);
  // The budget: --memory-limit, or by default 80 % of the node's memory per
  // rank on it (the smallest over all ranks, so every rank decides alike):
  // without it a sketch larger than the machine would run in memory until
  // the kernel killed it.
  const bool automatic = c.memory_limit_gb < 0;
  const double limit = automatic ? 0.8 * node_memory_per_rank(comm) : c.memory_limit_gb * 1e9;
  const std::string budget = automatic ? "80 % of the node's memory per rank, " : "--memory-limit ";
  char text[320];
  if (c.out_of_core) {
    choice.out_of_core = true;
    choice.reason = "--out-of-core";
  } else if (limit > 0 && choice.model.in_memory > limit) {
    choice.out_of_core = true;
    std::snprintf(text, sizeof text, "the in-memory model, %.3g GB per rank, exceeds %s%.3g GB",
                  choice.model.in_memory / 1e9, budget.c_str(), limit / 1e9);
    choice.reason = text;
    require_option(!c.out.empty(), std::string(text) + ": out-of-core SEIGH needs --out FILE.h5");
  } else if (limit > 0) {
    std::snprintf(text, sizeof text, "the in-memory model, %.3g GB per rank, fits %s%.3g GB",
                  choice.model.in_memory / 1e9, budget.c_str(), limit / 1e9);
    choice.reason = text;
  } else {
    choice.reason = "no --out-of-core or --memory-limit";
  }
  if (choice.out_of_core) {
    // The core batch: --core-batch, else what the budget leaves (the model
    // above counts one block of products).
    const Index b = c.sketch.block;
    const Index wanted = c.core_batch > 0 ? c.core_batch
                                          : eig::ooc::core_batch_for_budget(limit, choice.model.out_of_core, dim,
                                                                            comm.size(), sizes.inner, b, scalar_bytes);
    choice.core_batch = eig::ooc::core_batch_width(wanted, b, sizes.inner);
    choice.model = eig::ooc::memory_model(dim, comm.size(), sizes.outer, sizes.inner, c.sketch.k, b, choice.row_block,
                                          scalar_bytes, probe_cache_bytes, choice.core_batch);
  }
  return choice;
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
  std::optional<StorageChoice> storage;
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
    storage = choose_storage(comm, c, sizes, op.dim(), sizeof(Scalar));
    if (comm.is_root()) {
      std::printf("mode: %s (%s); memory model per rank: in memory %.1f MB, out of core %.1f MB (row block %lld, "
                  "core batch %lld)\n",
                  storage->out_of_core ? "out-of-core" : "in memory", storage->reason.c_str(),
                  storage->model.in_memory / 1e6, storage->model.out_of_core / 1e6,
                  static_cast<long long>(storage->row_block), static_cast<long long>(storage->core_batch));
      // Out of core the core sketch is projected one batch of core_batch
      // columns at a time, and a dense Φ not held in the cache is redrawn
      // for each batch.
      const double local_rows = std::ceil(static_cast<double>(op.dim()) / comm.size());
      const double batches = std::ceil(static_cast<double>(sizes.inner) /
                                       static_cast<double>(std::max<Index>(storage->core_batch, 1)));
      const double draws = batches * local_rows * static_cast<double>(sizes.inner);
      const bool phi_cached = static_cast<double>(options.projection_cache_bytes) >=
                              local_rows * static_cast<double>(sizes.inner) * sizeof(Scalar);
      if (storage->out_of_core && options.test_matrix != random::TestMatrixKind::sparse_sign && !phi_cached &&
          draws > 1e10) {
        std::printf("note: out of core with %s test matrices the core sketch redraws this rank's rows of Phi for "
                    "each of its %.0f batches of --core-batch columns: %.2g entries per rank (about %.0f s at 20 ns "
                    "each); a larger --memory-limit or --core-batch means fewer batches, and --test-matrix "
                    "sparse-sign draws %d per row instead\n",
                    std::string(random::name(options.test_matrix)).c_str(), batches, draws, draws * 20e-9,
                    c.sketch.zeta);
      }
      std::fflush(stdout);
    }
    require_option(storage->out_of_core || c.stop_after_phase.empty(),
                   "--stop-after-phase applies to the out-of-core mode (--out-of-core or --memory-limit)");
    if (storage->out_of_core) {
      options.checkpoint->stop_after_phase = c.stop_after_phase;
      options.out_of_core = eig::SketchOptions::OutOfCore{c.out, storage->row_block, storage->core_batch};
    }
    result = eig::sketched_eigh(comm, op, options, random::make_rng_state(c.seed, c.stream));
    attributes.insert(attributes.end(), {{"outer", static_cast<std::int64_t>(sizes.outer)},
                                         {"inner", static_cast<std::int64_t>(sizes.inner)},
                                         {"test_matrix", std::string(random::name(options.test_matrix))},
                                         {"seed", static_cast<std::int64_t>(c.seed)},
                                         {"stream", static_cast<std::int64_t>(c.stream)},
                                         {"block", static_cast<std::int64_t>(options.block)},
                                         {"recycle", static_cast<std::int64_t>(options.recycle)},
                                         {"rcond", options.rcond},
                                         {"out_of_core", static_cast<std::int64_t>(storage->out_of_core)}});
    if (storage->out_of_core) {
      attributes.emplace_back("row_block", static_cast<std::int64_t>(storage->row_block));
      attributes.emplace_back("core_batch", static_cast<std::int64_t>(storage->core_batch));
    }
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
    if (result.resumed_products > 0)
      std::printf("  (this run; the run(s) it resumed had measured %lld products more, %lld in all)\n",
                  static_cast<long long>(result.resumed_products),
                  static_cast<long long>(result.resumed_products + result.counts.products));
    if (!result.timings.empty()) {
      std::printf("phases:");
      for (const auto& [phase, seconds] : result.timings) std::printf(" %s %.3f s;", phase.c_str(), seconds);
      std::printf("\n");
    }
    if (!result.note.empty()) std::printf("note: %s\n", result.note.c_str());
    if (result.method == "seigh") {
      std::printf("orthonormalisation of Y: %s", result.cholqr_passes == 0 ? "TSQR"
                                                 : result.cholqr_passes == 1 ? "CholeskyQR, 1 pass"
                                                                             : "CholeskyQR2 (2 passes)");
      if (result.sketch_condition > 0) std::printf(" (kappa_2(Y) = %.3g)", result.sketch_condition);
      std::printf("\n");
    }
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
  if (comm.is_root()) {
    std::printf("peak memory per rank (max over ranks): %.1f MB", peak / 1e6);
    if (storage) {
      const std::string mode =
          storage->out_of_core ? "out-of-core, row block " + std::to_string(storage->row_block) : "in memory";
      std::printf("; model %.1f MB (%s, largest objects only)",
                  (storage->out_of_core ? storage->model.out_of_core : storage->model.in_memory) / 1e6, mode.c_str());
    }
    std::printf("\n");
  }
  std::fflush(stdout);
  if (!result.converged) {
    if (comm.is_root()) std::fprintf(stderr, "seigh: error: %s did not converge (%s)\n", result.method.c_str(), result.note.c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace seigh::app
