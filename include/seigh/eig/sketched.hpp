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
#include <functional>
#include <optional>
#include <string>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/eig/core_solve.hpp"
#include "seigh/eig/error_estimate.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/eig/sketch_file.hpp"
#include "seigh/linop/counting.hpp"
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
    Index stop_after_blocks = 0; ///< testing: stop (with an error) after this many new blocks
  };
  std::optional<Checkpoint> checkpoint;
};

/// The effective (o, s) after defaults; throws seigh::Error for k < 1,
/// o < k, s < o, o > D, s > D, block < 1, recycle with s < o.
struct SketchSizes {
  Index outer;
  Index inner;
};
SketchSizes resolve_sizes(const SketchOptions& options, Index dim);

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
    store.emplace(cp.resume ? SketchFile::resume(comm, cp.path, identity)
                            : SketchFile::create(comm, cp.path, identity));
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
  auto t0 = Clock::now();
  dist::BlockRowMatrix<Scalar> Y(partition, o);
  Matrix<Scalar> probes(D, b);
  const Index y_resumed = store ? std::min(store->y_columns_done(), o) : 0;
  if (store) store->read_y(Y, y_resumed);
  if (!options.recycle) {
    for (Index c0 = y_resumed; c0 < o; c0 += b) {
      const Index width = std::min(b, o - c0);
      random::generate_block<Scalar>(omega, 0, c0, probes.leftCols(width));
      counted.apply(probes.leftCols(width), Y.local().middleCols(c0, width));
      if (store) store->store_y(Y, c0, width);
      report("outer sketch Y = H Omega", c0 + width, o);
      after_unit();
    }
  }
  result.timings["measure_outer"] = seconds_since(t0);

  // The core sketch is measured in batches of `batch` columns (a multiple
  // of b, about o): the products of a batch wait in `products` (local_rows
  // x batch, the size of Y's local block) and are projected by Φ at once,
  // so this rank's rows of Φ are regenerated once per batch — about 2s·D/P
  // entries in all instead of s²·D/(P·b) — and never stored. One reduction
  // per batch; a batch's Z columns are final when stored, so the sum order
  // never depends on where a run was interrupted.
  t0 = Clock::now();
  const Index batch = std::min(s, b * ((o + b - 1) / b));
  Matrix<Scalar> products(partition.local_rows(), batch);
  MatrixD Z = MatrixD::Zero(s, s);
  const Index z_resumed = store ? std::min(store->z_columns_done(), s) : 0;
  if (store) store->read_z(Z, z_resumed);
  for (Index c0 = z_resumed; c0 < s; c0 += batch) {
    const Index width = std::min(batch, s - c0);
    for (Index j0 = 0; j0 < width; j0 += b) {
      const Index w = std::min(b, width - j0);
      random::generate_block<Scalar>(psi, 0, c0 + j0, probes.leftCols(w));
      counted.apply(probes.leftCols(w), products.middleCols(j0, w));
      report("core sketch Z = Phi H Psi^T", c0 + j0 + w, s);
    }
    MatrixD columns = phi_rows.project(products.leftCols(width));
    comm.allreduce_sum(columns);
    Z.middleCols(c0, width) = columns;
    if (options.recycle && c0 < o) {
      const Index keep = std::min(width, o - c0);
      Y.local().middleCols(c0, keep) = products.leftCols(keep);
      if (store) store->store_y(Y, c0, keep);
    }
    if (store) store->store_z(Z, c0, width);
    after_unit();
  }
  result.timings["measure_core"] = seconds_since(t0);
  if (store) store->close();
  probes.resize(0, 0);
  products.resize(0, 0);

  // ---- Step 3: orthonormalise and project.
  t0 = Clock::now();
  dist::OrthOptions orth_options;
  orth_options.allow_rank_deficient = true;  // H may have rank < o; Q stays orthonormal
  const dist::OrthResult orth = dist::orthonormalize(comm, Y, orth_options);
  result.sketch_rank = orth.numerical_rank;
  if (orth.numerical_rank < o) {
    result.note = "the outer sketch has numerical rank " + std::to_string(orth.numerical_rank) + " < o = " +
                  std::to_string(o) + " (the operator has low rank; trailing eigenpairs are noise)";
  }
  const RowProjector<Scalar> psi_rows(psi, partition, options.projection_cache_bytes);
  MatrixD PR(2 * s, o);
  PR.topRows(s) = phi_rows.project(Y.local());
  PR.bottomRows(s) = psi_rows.project(Y.local());
  comm.allreduce_sum(PR);
  result.timings["orthonormalize_project"] = seconds_since(t0);

  // ---- Step 3 (core): rank 0 solves, everyone receives (λ, U).
  t0 = Clock::now();
  VectorD lambda(k);
  MatrixD U(o, k);
  std::string core_note;
  dist::collective(comm, [&] {
    if (comm.is_root()) {
      const CoreSolution core = solve_core(PR.topRows(s), Z, PR.bottomRows(s), options.rcond, options.ordering);
      lambda = core.eigenvalues.head(k);
      U = core.eigenvectors.leftCols(k);
    }
  });
  comm.broadcast(lambda);
  comm.broadcast(U);
  result.timings["core_solve"] = seconds_since(t0);

  // ---- Step 4: V = Q U, formed in Q's storage: Q is not needed afterwards,
  // and a second D x k block would be the largest allocation of the run.
  t0 = Clock::now();
  result.eigenvalues = lambda;
  dist::multiply_in_place(Y, U);
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
