#pragma once
/// \file
/// SEIGH: sketched symmetric eigendecomposition from block products only
/// (DESIGN.md §2; Tropp, Yurtsever, Udell, Cevher 2019, "Streaming low-rank
/// matrix approximation with an application to scientific simulation",
/// SISC 41(4), Alg. 4 with the symmetric core of §5.4; the paper's SEIGH is
/// this sketch applied to a loss Hessian through HVPs).
///
///  1. Test matrices Ω (D x o), Φ, Ψ (s x D) from independent streams of one
///     seed (regenerated block by block, never stored whole).
///  2. Y = H Ω (o products) and Z = Φ H Ψᵀ (s products; batches of about
///     o columns of HΨᵀ are projected by Φ at once; HΨᵀ never exists). With `recycle`, Y is the
///     first o columns of HΨᵀ (s products in all, as the paper's code).
///  3. Q = orth(Y) (D x o), P = ΦQ, R = ΨQ (s x o),
///     C = P⁺ Z (R⁺)ᵀ symmetrised, C = U Λ Uᵀ ordered (rank 0).
///  4. V = Q U[:, :k], Λ[:k];  H ≈ V Λ Vᵀ.
///  5. Optional a-posteriori error estimate with n_t Gaussian probes.
///
/// Distributed shape (DESIGN.md §3): probe blocks are full-length on every
/// rank, products arrive as each rank's rows; Y, Q, V are BlockRowMatrix;
/// Z, P, R are summed with one reduction each; memory per rank
/// O(D·o/P + D·b + s²) plus the optional projection cache.

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/eig/core_solve.hpp"
#include "seigh/eig/error_estimate.hpp"
#include "seigh/eig/out_of_core.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/eig/sketch_file.hpp"
#include "seigh/linop/counting.hpp"
#include "seigh/random/column_blocks.hpp"
#include "seigh/random/rng.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::eig {

/// Progress of a long computation: phase name, units done, units total.
/// Called on every rank (collectively, at the same points).
using ProgressFn = std::function<void(const std::string& phase, Index done, Index total)>;

struct SketchOptions {
  Index k = 10;            ///< eigenpairs returned
  Index outer = 0;         ///< o ≥ k; 0 means o = k
  Index inner = 0;         ///< s ≥ o; 0 means s = 2·o
  random::TestMatrixKind test_matrix = random::TestMatrixKind::gaussian;
  int zeta = 8;            ///< sparse sign nonzeros per row
  Index block = 32;        ///< probe vectors per operator product
  double rcond = 1e-10;    ///< relative cutoff of the pseudo-inverses in the core
  bool recycle = false;    ///< outer sketch = first o inner products (s products in all)
  Ordering ordering = Ordering::magnitude;
  Index error_probes = 10; ///< n_t of the a-posteriori estimate; 0 disables
  ProgressFn progress;     ///< optional
  /// Cache this rank's rows of Φ and Ψ (D·s/P entries each) when they fit
  /// in this many bytes; 0 (default) regenerates them block by block, so
  /// no test matrix is ever stored (memory O(D·o/P + D·b + s²)).
  std::size_t projection_cache_bytes = 0;
  /// Optional resumable measurement file (see sketch_file.hpp).
  struct Checkpoint {
    std::string path;
    bool resume = false;
    std::string operator_id;    ///< identifies the operator in the file
    /// Testing: stop (with an error) after this many newly stored units —
    /// measured blocks, and in the out-of-core mode row-block steps too.
    Index stop_after_blocks = 0;
    /// Testing, out-of-core: stop (with an error) once this stage ("gram",
    /// "orth", "core", "vectors", "error") is complete.
    std::string stop_after_phase;
    /// Testing, out-of-core: if the unit at which stop_after_blocks stops
    /// is a step of the in-place pass (vectors of a float32 operator), stop
    /// inside it, after its block was overwritten on disk
    /// and before it is counted (the window the journal covers).
    bool stop_inside_step = false;
  };
  std::optional<Checkpoint> checkpoint;
  /// Out-of-core mode (out_of_core.hpp): the checkpoint file (required)
  /// holds the measurement state, and Y (read twice for R₁, R₂, P and R)
  /// is streamed in row blocks. For a float32 operator that D x o matrix is
  /// /tall of RESULT.partial from the start and becomes its /eigenvectors
  /// (V = QU in place); for float64 it is /Y of the checkpoint file and V is
  /// written into a new /eigenvectors of RESULT.partial. Either way
  /// write_eigen_result(RESULT) completes that file (the returned
  /// eigenvectors are D x 0, eigenvectors_file = RESULT).
  struct OutOfCore {
    std::string result_path;
    Index row_block = 0;  ///< rows per block; 0: ooc::default_row_block(o, D)
    /// Columns of the core sketch whose products are kept (local_rows x
    /// core_batch) and projected by Φ together, rounded up to a multiple
    /// of `block` and capped at s; 0: `block`. A dense Φ that is not cached
    /// is redrawn once per batch, so wider batches cut that cost by
    /// core_batch / block (ooc::core_batch_for_budget sizes it from the
    /// memory budget). The result does not depend on it.
    Index core_batch = 0;
  };
  std::optional<OutOfCore> out_of_core;
};

/// The effective (o, s) after defaults; throws seigh::Error for k < 1,
/// o < k, s < o, o > D, s > D, block < 1, recycle with s < o.
struct SketchSizes {
  Index outer;
  Index inner;
};
SketchSizes resolve_sizes(const SketchOptions& options, Index dim);

/// The core solve of step 3 on rank 0 (Z, P = PR.topRows(s), R =
/// PR.bottomRows(s)), its leading k eigenpairs broadcast: (λ (k), U (o x k)).
/// Shared by the in-memory and out-of-core paths. Collective.
struct CoreEigenpairs {
  VectorD lambda;
  MatrixD U;
};
CoreEigenpairs solve_core_everywhere(const dist::Comm& comm, const MatrixD& PR, const MatrixD& Z, Index k,
                                     double rcond, Ordering ordering);

/// The note a result carries when the outer sketch is rank deficient.
std::string rank_note(Index rank, Index outer);

namespace detail {

/// Steps 3-5 of the out-of-core mode, from the stage the sketch file
/// records (out_of_core.hpp): streamed orthonormalisation and projections,
/// the shared core solve (its (Λ, U) stored), V = QU into the result file,
/// the streamed error estimate. Fills `result` (eigenvectors D x 0,
/// eigenvectors_file = the result path). Collective.
template <class Op, class Report, class AfterUnit, class InsideUnit>
void finish_out_of_core(const dist::Comm& comm, Op& op, const SketchOptions& options, const SketchSizes& sizes,
                        const random::RngState& rng, SketchFile& store, const MatrixD& Z,
                        const RowProjector<typename Op::scalar_type>& phi_rows, const random::TestMatrix& psi,
                        const Report& report, const AfterUnit& after_unit, const InsideUnit& inside_unit,
                        EigenResult<typename Op::scalar_type>& result) {
  using Scalar = typename Op::scalar_type;
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  const auto& settings = *options.out_of_core;
  const Index o = sizes.outer, k = options.k;
  const dist::RowPartition partition = op.partition();
  const Index row_block = settings.row_block > 0 ? settings.row_block : ooc::default_row_block(o, op.dim());
  const ooc::RowBlocks blocks = ooc::RowBlocks::make(comm, partition, row_block);
  const std::string stop_phase = options.checkpoint->stop_after_phase;
  ooc::Hooks hooks;
  hooks.after_step = after_unit;
  if (options.checkpoint->stop_inside_step) hooks.inside_step = inside_unit;
  hooks.after_phase = [&](const std::string& done) {
    if (done == stop_phase) {
      throw Error("stopped after the " + done + " stage (--stop-after-phase); continue with --resume",
                  /*collective=*/true);
    }
  };
  hooks.progress = report;

  auto t0 = Clock::now();
  const RowProjector<Scalar> psi_rows(psi, partition, options.projection_cache_bytes);
  const ooc::Orthonormalized orth =
      ooc::orthonormalize_and_project<Scalar>(comm, store, blocks, phi_rows, psi_rows, sizes.inner, hooks);
  result.sketch_rank = orth.orth.numerical_rank;
  result.note = rank_note(orth.orth.numerical_rank, o);
  result.cholqr_passes = orth.orth.cholqr_passes;
  result.sketch_condition = orth.condition;
  result.timings["orthonormalize_project"] = seconds_since(t0);

  t0 = Clock::now();
  CoreEigenpairs core;
  if (store.phase() == "core") {
    core = solve_core_everywhere(comm, orth.PR, Z, k, options.rcond, options.ordering);
    store.write_matrix("/core_lambda", core.lambda);
    store.write_matrix("/core_U", core.U);
    store.set_phase("vectors", 0);
    hooks.after_phase("core");
  } else {
    core.lambda = store.read_matrix("/core_lambda").col(0);
    core.U = store.read_matrix("/core_U");
  }
  result.timings["core_solve"] = seconds_since(t0);

  // The stages after "vectors" read V from RESULT.partial. With V in place
  // there, SketchFile::resume has refused a run without it; with a separate
  // V (Q still in the sketch file) the stages start again from V.
  const std::string& out = settings.result_path;
  if (!store.tall_in_result()) {
    const bool partial_exists =
        comm.broadcast_value<int>(comm.is_root() ? std::filesystem::exists(out + ".partial") : 0) != 0;
    if ((store.phase() == "error" || store.phase() == "done") && !partial_exists) store.set_phase("vectors", 0);
  }
  t0 = Clock::now();
  if (store.phase() == "vectors") ooc::write_eigenvectors<Scalar>(comm, store, blocks, core.U, out, hooks);
  result.timings["eigenvectors"] = seconds_since(t0);
  result.eigenvalues = core.lambda;
  result.eigenvectors = dist::BlockRowMatrix<Scalar>(partition, 0);
  result.eigenvectors_file = out;

  if (options.error_probes > 0) {
    t0 = Clock::now();
    if (store.phase() == "error") {
      std::optional<io::File> separate;  // RESULT.partial, unless the store holds it open
      if (!store.tall_in_result()) separate.emplace(io::File::open(comm, out + ".partial"));
      result.error = ooc::estimate_error_streamed(comm, op, store, blocks, core.lambda, options.error_probes,
                                                  random::derive(rng, random::Stream::error_probe), options.block,
                                                  separate ? *separate : store.tall_file(), hooks);
    } else {
      ErrorEstimate estimate;
      estimate.probes = options.error_probes;
      estimate.residual_frobenius2 = io::read_attribute<double>(store.file(), "/", "error_residual2") /
                                     static_cast<double>(options.error_probes);
      estimate.operator_frobenius2 = io::read_attribute<double>(store.file(), "/", "error_operator2") /
                                     static_cast<double>(options.error_probes);
      result.error = estimate;
    }
    result.timings["error_estimate"] = seconds_since(t0);
  } else if (store.phase() == "error") {
    store.set_phase("done", 0);
  }
  store.close();
}

}  // namespace detail

/// Run SEIGH on `op` (a linop::DistributedOperator). Collective.
/// `rng` is a user state: Ω, Ψ, Φ and the error probes use derive(rng, role).
template <class Op>
EigenResult<typename Op::scalar_type> sketched_eigh(const dist::Comm& comm, Op& op, const SketchOptions& options,
                                                     const random::RngState& rng) {
  using Scalar = typename Op::scalar_type;
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto seconds_since = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  const auto report = [&](const std::string& phase, Index done, Index total) {
    if (options.progress) options.progress(phase, done, total);
  };

  const Index D = op.dim();
  const SketchSizes sizes = resolve_sizes(options, D);
  const Index o = sizes.outer, s = sizes.inner, k = options.k, b = options.block;
  const dist::RowPartition partition = op.partition();
  SEIGH_REQUIRE(partition == comm.partition(D)) << "sketched_eigh: operator partition does not match the communicator";

  linop::Counting<Op> counted(op);
  EigenResult<Scalar> result;
  result.method = "seigh";

  const random::TestMatrix omega{options.test_matrix, D, o, random::derive(rng, random::Stream::omega), options.zeta};
  const random::TestMatrix psi{options.test_matrix, D, s, random::derive(rng, random::Stream::psi), options.zeta};
  const random::TestMatrix phi{options.test_matrix, D, s, random::derive(rng, random::Stream::phi), options.zeta};
  const RowProjector<Scalar> phi_rows(phi, partition, options.projection_cache_bytes);

  // ---- Step 2: measure the sketches (resumable block by block).
  // new_blocks counts the units stored in this run (for the test hook).
  std::optional<SketchFile> store;
  Index new_blocks = 0;
  if (options.checkpoint) {
    const auto& cp = *options.checkpoint;
    const SketchIdentity identity{cp.operator_id, D, o, s, b, std::string(random::name(options.test_matrix)),
                                  options.zeta, rng.seed, rng.stream, options.recycle,
                                  std::is_same_v<Scalar, float> ? "float32" : "float64"};
    // Out-of-core with a float32 operator: the D x o sketch lives in the
    // result file from the start (sketch_file.hpp, "result" layout).
    const std::string result_path = options.out_of_core ? options.out_of_core->result_path : std::string();
    const bool tall_in_result = options.out_of_core && std::is_same_v<Scalar, float>;
    store.emplace(cp.resume ? SketchFile::resume(comm, cp.path, identity, result_path)
                            : SketchFile::create(comm, cp.path, identity, tall_in_result ? result_path : ""));
  }
  // Called after each newly stored unit (a Y block, a Z batch): the test
  // hook that simulates a kill there (the same on every rank: collective).
  const auto after_unit = [&] {
    ++new_blocks;
    if (options.checkpoint && options.checkpoint->stop_after_blocks > 0 &&
        new_blocks >= options.checkpoint->stop_after_blocks) {
      throw Error("stopped after " + std::to_string(new_blocks) +
                      " measured blocks (--stop-after-blocks); continue with --resume",
                  /*collective=*/true);
    }
  };
  // Called inside an in-place step, before it is counted (test hook).
  const auto inside_unit = [&] {
    if (options.checkpoint->stop_after_blocks > 0 && new_blocks + 1 >= options.checkpoint->stop_after_blocks) {
      throw Error("stopped inside row-block step " + std::to_string(new_blocks + 1) +
                      " before counting it (--stop-after-blocks, inside); continue with --resume",
                  /*collective=*/true);
    }
  };
  // Out-of-core: Y is never whole in memory; each block of products goes
  // from `window` (local_rows x b) to the file.
  const bool ooc = options.out_of_core.has_value();
  SEIGH_REQUIRE(!ooc || store) << "out-of-core SEIGH needs a sketch file (--sketch or --out) to hold Y";
  SEIGH_REQUIRE(ooc || store == std::nullopt || store->phase() == "measure")
      << "sketch file '" << store->path() << "' was taken past the measurement by an out-of-core run (phase "
      << store->phase() << "; /Y no longer holds Y): resume it with --out-of-core";
  // Where the measurement's time goes besides the operator (printed and
  // stored as measure.probes / .store / .project; operator_seconds is
  // counted by the operator): generating the D x b probe block (every rank
  // makes all of it), writing sketch columns to the files, projecting the
  // core products by Φ (with its allreduce).
  double probes_seconds = 0, store_seconds = 0, project_seconds = 0;
  const auto timed = [&](double& total, auto&& work) {
    const auto begin = Clock::now();
    work();
    total += seconds_since(begin);
  };
  auto t0 = Clock::now();
  dist::BlockRowMatrix<Scalar> Y(partition, ooc ? 0 : o);
  Matrix<Scalar> window(ooc ? partition.local_rows() : 0, ooc ? b : 0);
  Matrix<Scalar> probes(D, b);
  const Index y_resumed = store ? std::min(store->y_columns_done(), o) : 0;
  if (store && !ooc) store->read_y(Y, y_resumed);
  if (!options.recycle && y_resumed < o) {
    // Sparse sign Ω held by columns while it is used (column_blocks.hpp).
    std::optional<random::ColumnBlocks> omega_blocks;
    timed(probes_seconds, [&] { omega_blocks.emplace(omega, b); });
    for (Index c0 = y_resumed; c0 < o; c0 += b) {
      const Index width = std::min(b, o - c0);
      timed(probes_seconds, [&] { omega_blocks->generate<Scalar>(c0, probes.leftCols(width)); });
      if (ooc) {
        counted.apply(probes.leftCols(width), window.leftCols(width));
        timed(store_seconds, [&] { store->store_y_columns<Scalar>(partition, window.leftCols(width), c0); });
      } else {
        counted.apply(probes.leftCols(width), Y.local().middleCols(c0, width));
        if (store) timed(store_seconds, [&] { store->store_y(Y, c0, width); });
      }
      report("outer sketch Y = H Omega", c0 + width, o);
      after_unit();
    }
  }
  window.resize(0, 0);
  result.timings["measure_outer"] = seconds_since(t0);

  // The core sketch is measured in batches of `batch` columns (a multiple
  // of b; in memory about o): the products of a batch wait in `products`
  // (local_rows x batch, in memory the size of Y's local block) and are
  // projected by Φ at once, so this rank's rows of Φ are regenerated once
  // per batch — in memory about 2s·D/P entries in all instead of
  // s²·D/(P·b) — and never stored. One reduction per batch. The
  // projection multiplies b columns at a time (RowProjector's
  // column_group), so a Z column's bits never depend on the batch width: in
  // memory and out of core, and a run resumed with another budget, give the
  // same Z.
  t0 = Clock::now();
  // Out-of-core: options.out_of_core->core_batch columns (default one
  // block), sized by the memory budget, so no D/P x o buffer is needed.
  const Index batch = ooc::core_batch_width(ooc ? options.out_of_core->core_batch : o, b, s);
  Matrix<Scalar> products(partition.local_rows(), batch);
  MatrixD Z = MatrixD::Zero(s, s);
  const Index z_resumed = store ? std::min(store->z_columns_done(), s) : 0;
  result.resumed_products = y_resumed + z_resumed;
  if (store) store->read_z(Z, z_resumed);
  std::optional<random::ColumnBlocks> psi_blocks;
  if (z_resumed < s) timed(probes_seconds, [&] { psi_blocks.emplace(psi, b); });
  for (Index c0 = z_resumed; c0 < s; c0 += batch) {
    const Index width = std::min(batch, s - c0);
    for (Index j0 = 0; j0 < width; j0 += b) {
      const Index w = std::min(b, width - j0);
      timed(probes_seconds, [&] { psi_blocks->generate<Scalar>(c0 + j0, probes.leftCols(w)); });
      counted.apply(probes.leftCols(w), products.middleCols(j0, w));
      report("core sketch Z = Phi H Psi^T", c0 + j0 + w, s);
    }
    timed(project_seconds, [&] {
      MatrixD columns = phi_rows.project(products.leftCols(width), b);
      comm.allreduce_sum(columns);
      Z.middleCols(c0, width) = columns;
    });
    timed(store_seconds, [&] {
      if (options.recycle && c0 < o) {
        const Index keep = std::min(width, o - c0);
        if (ooc) {
          store->store_y_columns<Scalar>(partition, products.leftCols(keep), c0);
        } else {
          Y.local().middleCols(c0, keep) = products.leftCols(keep);
          if (store) store->store_y(Y, c0, keep);
        }
      }
      if (store) store->store_z(Z, c0, width);
    });
    after_unit();
  }
  result.timings["measure_core"] = seconds_since(t0);
  result.timings["measure.probes"] = probes_seconds;
  result.timings["measure.store"] = store_seconds;
  result.timings["measure.project"] = project_seconds;
  probes.resize(0, 0);
  products.resize(0, 0);
  psi_blocks.reset();
  if (ooc) {
    detail::finish_out_of_core(comm, counted, options, sizes, rng, *store, Z, phi_rows, psi, report, after_unit,
                               inside_unit, result);
    result.counts = counted.counts();
    result.seconds = seconds_since(start);
    return result;
  }
  if (store) store->close();

  // ---- Step 3: orthonormalise and project.
  t0 = Clock::now();
  dist::OrthOptions orth_options;
  orth_options.allow_rank_deficient = true;  // H may have rank < o; Q stays orthonormal
  const dist::OrthResult orth = dist::orthonormalize(comm, Y, orth_options);
  result.sketch_rank = orth.numerical_rank;
  result.note = rank_note(orth.numerical_rank, o);
  result.cholqr_passes = orth.method == dist::OrthMethod::tsqr ? 0 : orth.cholqr_passes;
  const RowProjector<Scalar> psi_rows(psi, partition, options.projection_cache_bytes);
  MatrixD PR(2 * s, o);
  PR.topRows(s) = phi_rows.project(Y.local());
  PR.bottomRows(s) = psi_rows.project(Y.local());
  comm.allreduce_sum(PR);
  result.timings["orthonormalize_project"] = seconds_since(t0);

  // ---- Step 3 (core): rank 0 solves, everyone receives (λ, U).
  t0 = Clock::now();
  const CoreEigenpairs core = solve_core_everywhere(comm, PR, Z, k, options.rcond, options.ordering);
  result.timings["core_solve"] = seconds_since(t0);

  // ---- Step 4: V = Q U, formed in Q's storage: Q is not needed afterwards,
  // and a second D x k block would be the largest allocation of the run.
  t0 = Clock::now();
  result.eigenvalues = core.lambda;
  dist::multiply_in_place(Y, core.U);
  result.eigenvectors = std::move(Y);
  result.timings["eigenvectors"] = seconds_since(t0);
  report("eigenvectors", k, k);

  // ---- Step 5: a-posteriori error.
  if (options.error_probes > 0) {
    t0 = Clock::now();
    result.error = estimate_error(comm, counted, result.eigenvalues, result.eigenvectors, options.error_probes,
                                  random::derive(rng, random::Stream::error_probe), b);
    result.timings["error_estimate"] = seconds_since(t0);
  }
  result.counts = counted.counts();
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace seigh::eig
