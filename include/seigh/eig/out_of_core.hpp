#pragma once
/// \file
/// Out-of-core SEIGH (DESIGN.md §3 "an out-of-core mode streams Y through the
/// HDF5 file so D·o may exceed RAM"): the stages after the measurement,
/// each a pass over this rank's rows of one tall matrix on disk
/// (sketch_file.hpp says where it lives), one row block at a time.
///
/// Shapes: the tall matrix T (D x o) is an [o, D] dataset; a row block is
/// n ≤ row_block consecutive rows of this rank's range, held as an n x o
/// column-major matrix (the hyperslab [0:o, r0:r0+n] of the file, no
/// transposition). T holds Y = HΩ until the vectors stage and (float32
/// operators, where T is /tall of RESULT.partial) V in its first k rows
/// after it, so the disk holds one D x o matrix. The passes compute what
/// the in-memory steps compute (dist/orthonormalize, RowProjector,
/// multiply_in_place, estimate_error), regrouped so that only the last one
/// writes:
///
///   gram    G₁ = Σ_blocks Y_bᵀY_b (float64, one allreduce), R₁ = chol(G₁),
///           ΦY = Σ Φ[:, b] Y_b, ΨY = Σ Ψ[:, b] Y_b; κ₂(Y) from G₁ decides
///           whether a second CholeskyQR pass is needed
///           (dist::cholqr::first_pass_accuracy: κ₂(Y)²·ε₆₄ ≤ ε(Scalar)/10)
///   orth    if so, Q₁_b = Y_b R₁⁻¹ in memory only: G₂ = Σ Q₁_bᵀQ₁_b,
///           R₂ = chol(G₂); else R₂ = I and no pass. Then, on the small
///           results, P = ΦY R₁⁻¹R₂⁻¹ and R = ΨY R₁⁻¹R₂⁻¹ (ΦQ with Q = Y(R₂R₁)⁻¹)
///   core    C = P⁺ Z (R⁺)ᵀ on rank 0 (unchanged), (Λ, U) broadcast
///   vectors V_b = Y_b W with W = R₁⁻¹R₂⁻¹U (o x k, float64 GEMM), i.e.
///           V = QU with Q = Y(R₂R₁)⁻¹: float32 operator → rows [0, k) of
///           T_b, then T is shrunk to [k, D] and renamed /eigenvectors (it
///           is inside RESULT.partial already); float64 operator →
///           /eigenvectors [k, D] float32 of RESULT.partial, T (/Y of the
///           sketch file) left as it is. Rows of V_b depend only on Y_b.
///   error   per probe block G: HG (products), VᵀG = Σ V_bᵀG_b, then
///           Σ‖HG_b − V_b Λ VᵀG‖², Σ‖HG_b‖² with V_b read back from the result
///
/// Why one pass may do: the read of Y and the D·o² flops of the second
/// pass buy orthogonality that a float32 Q or V cannot hold when
/// κ₂(Y)²·ε₆₄ is below float32's rounding (κ₂(Y) ≲ 7000); the gram stage
/// records κ₂(Y) and the choice (attributes sketch_condition,
/// cholqr_passes of the sketch file and the result). The in-memory path always makes both passes (the second costs no I/O there).
///
/// Why not store Q₁ and Q (format 1 did, in two in-place passes "orth1" and
/// "orth2"): each such pass wrote T and its journal, 2·4·D·o bytes, and at
/// D = 11.4 M, o = 1500 the two passes took 870 s and 857 s against 361 s
/// for the read-only Gram pass (experiments/large_mlp/RESULTS.md). Forming Q₁
/// twice costs one more triangular solve's worth of flops; V_b = Y_b W in
/// float64 costs what Q_b U did, and its error ε₆₄·κ(R₁) is far below the
/// float32 rounding of V because CholeskyQR2 accepts only κ̂(R₁) ≤ 1e6.
/// The sketch file records the format (attribute ooc_format = 2); a
/// format-1 file past its gram stage is refused on resume.

/// CholeskyQR2 (Fukaya et al. 2014) is the in-memory default; its two
/// decisions (κ̂₁(R₁) ≤ 1e6, ‖G₂ − I‖_F ≤ 1/2) are taken by the same
/// functions (dist::cholqr). When either rejects, the in-memory path falls
/// back to TSQR; the out-of-core path reports it (no streamed TSQR).
///
/// Memory per rank: O(row_block·(o + k)) for the block buffers, plus what
/// the measurement needs (D·b probes, s² for Z), never D·o/P.
///
/// Resume. The read-only passes (gram, orth) are simply repeated when
/// interrupted, so a resumed run adds the same terms in the same order as
/// an uninterrupted one and ends bit for bit equal (same ranks and row
/// block). The vectors pass raises `phase_steps` after each block's data is
/// flushed.
///
/// An in-place step must never be applied twice: a kill after block t of
/// T was (partly) overwritten but before the step was counted would
/// otherwise transform V_b again as if it were Y_b. Each step of the
/// in-place vectors pass is therefore journalled through the sketch file's
/// /pending ([o, ranks·row_block], rank r in its own columns):
///
///   1. read T_b (or, see below, the journal), transform it into X_b;
///   2. write X_b into /pending, flush;
///   3. set the attribute pending = "phase:t", flush;
///   4. write X_b into T_b (flushed by 5 before the counter);
///   5. raise phase_steps to t + 1, flush.
///
/// A run resumed at step t takes X_b from /pending if pending names
/// (phase, t) — T_b may be half written — and otherwise reads T_b,
/// which is then untouched because it is written only after the flag. The
/// flag is not cleared at 5: once phase_steps is t + 1 it names a finished
/// step and is never matched again (each (phase, t) happens once), and not
/// clearing it leaves no order between two attribute writes to depend on.
/// The price is a second write of each block (the journal): one more
/// D x k write, on the small file.

#include <cstddef>
#include <functional>
#include <string>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/orthonormalize.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/eig/projector.hpp"
#include "seigh/eig/sketch_file.hpp"
#include "seigh/io/file.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::eig::ooc {

/// This rank's rows in blocks of `row_block`: step t covers rows
/// [offset + t·row_block, min(offset + (t+1)·row_block, offset + local_rows)),
/// possibly empty. `steps` is the maximum over ranks, so every rank makes
/// the same number of (collective) transfers.
struct RowBlocks {
  Index dim = 0;
  Index offset = 0;
  Index local_rows = 0;
  Index row_block = 1;
  Index steps = 0;

  /// Collective (one allreduce for `steps`).
  static RowBlocks make(const dist::Comm& comm, const dist::RowPartition& partition, Index row_block);
  /// Global rows of step t on this rank (empty past the end of its range).
  [[nodiscard]] dist::RowRange step(Index t) const;
};

/// The default row block for o columns of vectors of length D: the largest
/// multiple of `align` with row_block·o float64 entries ≤ 64 MiB, at least
/// `align`. align = io::chunk_length(D) (the length of a chunk of the
/// [o, D] datasets along D, at most 2^18) when D ≥ 2^18, else 4096; both are
/// multiples of dist::detail::kPromoteChunk = 4096, so float Gram sums add
/// the same terms as the in-memory gram(). Chunk-aligned blocks make every
/// transfer whole chunks (≤ 1 MiB), but only on ranks whose first row is
/// itself a multiple of the chunk length (rank 0; the balanced partition is
/// not aligned, so the blocks of other ranks straddle chunk boundaries). For
/// large D and o the 64 MiB target cannot be met: a block is then one chunk,
/// at most 2^18·o scalars per buffer (1.5 GB for o = 1500 in float32).
[[nodiscard]] Index default_row_block(Index outer, Index dim);

/// Bytes per rank of the largest objects of each mode (the itemised
/// models of README "memory model"), for the automatic choice and the
/// report. `scalar_bytes` is 4 (float32) or 8.
struct MemoryModel {
  double in_memory = 0;    ///< Y (D/P·o) + probes (D·b) + a batch of products (D/P·batch) + Z, P, R + probe cache
  double out_of_core = 0;  ///< probes (D·b) + a core batch of products (D/P·core_batch) + Z, P, R + block buffers
                           ///< (row_block·(o + k)) + Gram chunk + probe cache
};
/// Columns per batch of the core sketch (sketched.hpp) for a wanted width:
/// `wanted` (at least one block) rounded up to whole blocks of `block`, at
/// most s = `inner`. In memory wanted = o; out of core the core batch.
[[nodiscard]] Index core_batch_width(Index wanted, Index block, Index inner);

/// `probe_cache_bytes`: the larger random::ColumnBlocks::bytes_for of Ω and
/// Ψ (one is held at a time). `core_batch`: SketchOptions::OutOfCore's (0:
/// one block).
[[nodiscard]] MemoryModel memory_model(Index dim, int ranks, Index outer, Index inner, Index k, Index block,
                                       Index row_block, std::size_t scalar_bytes, double probe_cache_bytes = 0,
                                       Index core_batch = 0);

/// The out-of-core core batch for a budget of `limit_bytes` per rank: one
/// block plus as many more blocks of this rank's products (D/P x b each) as
/// fit in half of what the out-of-core model at one block
/// (`model_at_one_block`) leaves of the budget, a multiple of `block`
/// capped at s. The other half is headroom for what the model leaves out
/// (HDF5 and MPI buffers, the operator's own workspace). One block when
/// limit_bytes <= 0 or nothing is left. A dense Φ is redrawn once per batch
/// (sketched.hpp), so this is the number that makes Gaussian and
/// Rademacher out-of-core runs affordable at large D·s.
[[nodiscard]] Index core_batch_for_budget(double limit_bytes, double model_at_one_block, Index dim, int ranks,
                                          Index inner, Index block, std::size_t scalar_bytes);

/// What the stages report and where a test stops them.
struct Hooks {
  /// Called after each stored row-block step of a write pass (the test hook
  /// that simulates a kill there; the same on every rank).
  std::function<void()> after_step;
  /// If set, called inside each step of an in-place pass after its block was
  /// overwritten in the tall matrix (and flushed) but before the step is
  /// counted: the test hook for a kill in the journal's window.
  std::function<void()> inside_step;
  /// Called when a stage is complete and recorded (name of the stage done).
  std::function<void(const std::string&)> after_phase;
  /// Progress: (what, done, total), collectively.
  std::function<void(const std::string&, Index, Index)> progress;
};

/// Step 3 streamed: R = R₂R₁ of Y = QR (Q never stored), P = ΦQ and R = ΨQ
/// (returned stacked, 2s x o, replicated), the factorisation's diagnostics
/// (R = R₂R₁, numerical rank with the in-memory tolerance; rank deficiency
/// allowed as in the in-memory driver). Continues from the stage the file
/// records. Collective.
struct Orthonormalized {
  dist::OrthResult orth;
  MatrixD PR;              ///< [P; R] (2s x o)
  double condition = 0.0;  ///< κ₂(Y) from G₁ (0 if a format-2 file resumed past gram did not record it)
};
template <class Scalar>
Orthonormalized orthonormalize_and_project(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks,
                                           const RowProjector<Scalar>& phi, const RowProjector<Scalar>& psi,
                                           Index inner, const Hooks& hooks);

/// Step 4 streamed: V = Q U = Y R₁⁻¹R₂⁻¹U (D x k) into /eigenvectors [k, D]
/// float32 of the result file RESULT.partial, block by block from the rows
/// of Y (/R1, /R2 from the sketch file): in place when the tall matrix is
/// already there (then shrunk and renamed; journalled), else into a new dataset (RESULT.partial
/// created, or reopened when the stage resumes). Collective.
template <class Scalar>
void write_eigenvectors(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks, const MatrixD& U,
                        const std::string& result_path, const Hooks& hooks);

/// Step 5, the streamed half for one probe block: with this rank's rows of
/// the probes G (local_rows x w) and of their products HG, returns the
/// allreduced (Σ_j ‖(H − VΛVᵀ)g_j‖², Σ_j ‖Hg_j‖²) over the block, V read
/// from /eigenvectors of `result` (RESULT.partial) in row blocks (two
/// passes: VᵀG, then the residual rows). Collective.
template <class Scalar>
Eigen::Vector2d residual_sums(const dist::Comm& comm, const io::File& result, const RowBlocks& blocks,
                              const VectorD& lambda, const Matrix<Scalar>& G_local, const Matrix<Scalar>& HG_local);

}  // namespace seigh::eig::ooc

#include "seigh/eig/result.hpp"
#include "seigh/io/attributes.hpp"

namespace seigh::eig::ooc {

/// Step 5 streamed (TYUC 2019 §6, as estimate_error in error_estimate.hpp):
/// n_t Gaussian probes in blocks of `block`, each block's products HG
/// (D·b memory), then residual_sums over V in `result` (RESULT.partial,
/// open). The running
/// sums are stored with the count of probe blocks they cover (attributes
/// error_residual2, error_operator2, error_blocks, flushed before the step
/// counter), so the stage resumes at the next block. V is the stored float32 result (the
/// in-memory estimate uses V in the operator's scalar: for float64
/// operators the two differ by the float32 rounding of V). Collective.
template <class Op>
ErrorEstimate estimate_error_streamed(const dist::Comm& comm, Op& op, SketchFile& file, const RowBlocks& blocks,
                                      const VectorD& lambda, Index probes, const random::RngState& rng, Index block,
                                      const io::File& result, const Hooks& hooks) {
  using Scalar = typename Op::scalar_type;
  const random::TestMatrix gaussian{random::TestMatrixKind::gaussian, op.dim(), probes, rng, 8};
  const Index width_max = std::min(block, probes);
  // The sums carry their own block count: it is exact even if a kill fell
  // between them and the step counter.
  Eigen::Vector2d sums = Eigen::Vector2d::Zero();
  Index done = 0;
  if (file.phase_steps() > 0 && io::has_attribute(file.file(), "/", "error_blocks")) {
    done = io::read_attribute<std::int64_t>(file.file(), "/", "error_blocks");
    sums[0] = io::read_attribute<double>(file.file(), "/", "error_residual2");
    sums[1] = io::read_attribute<double>(file.file(), "/", "error_operator2");
  }
  Matrix<Scalar> G(op.dim(), width_max), HG(blocks.local_rows, width_max);
  Index t = 0;
  for (Index c0 = 0; c0 < probes; c0 += width_max, ++t) {
    if (t < done) continue;
    const Index w = std::min(width_max, probes - c0);
    random::generate_block<Scalar>(gaussian, 0, c0, G.leftCols(w));
    op.apply(G.leftCols(w), HG.leftCols(w));
    const Matrix<Scalar> g_local = G.leftCols(w).middleRows(blocks.offset, blocks.local_rows);
    const Matrix<Scalar> hg_local = HG.leftCols(w);
    sums += residual_sums<Scalar>(comm, result, blocks, lambda, g_local, hg_local);
    io::write_attribute(file.file(), "/", "error_residual2", sums[0]);
    io::write_attribute(file.file(), "/", "error_operator2", sums[1]);
    io::write_attribute(file.file(), "/", "error_blocks", static_cast<std::int64_t>(t + 1));
    file.set_phase("error", t + 1);
    if (hooks.progress) hooks.progress("error estimate", c0 + w, probes);
    if (hooks.after_step) hooks.after_step();
  }
  file.set_phase("done", 0);
  if (hooks.after_phase) hooks.after_phase("error");
  ErrorEstimate estimate;
  estimate.probes = probes;
  estimate.residual_frobenius2 = sums[0] / static_cast<double>(probes);
  estimate.operator_frobenius2 = sums[1] / static_cast<double>(probes);
  return estimate;
}

}  // namespace seigh::eig::ooc
