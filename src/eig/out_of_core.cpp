#include "seigh/eig/out_of_core.hpp"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/io/dataset.hpp"

namespace seigh::eig::ooc {

RowBlocks RowBlocks::make(const dist::Comm& comm, const dist::RowPartition& partition, Index row_block) {
  SEIGH_REQUIRE(row_block >= 1) << "--row-block must be >= 1 (got " << row_block << ")";
  RowBlocks blocks;
  blocks.dim = partition.global_rows();
  blocks.offset = partition.row_offset();
  blocks.local_rows = partition.local_rows();
  blocks.row_block = row_block;
  blocks.steps = comm.max((blocks.local_rows + row_block - 1) / row_block);
  return blocks;
}

dist::RowRange RowBlocks::step(Index t) const {
  const Index begin = std::min(t * row_block, local_rows);
  const Index end = std::min(begin + row_block, local_rows);
  return {offset + begin, offset + end};
}

Index default_row_block(Index outer, Index dim) {
  // io::chunk_length is a multiple of kPromoteChunk.
  const Index align = dim >= io::kChunkElements ? io::chunk_length(dim) : dist::detail::kPromoteChunk;
  constexpr Index kBytes = Index{64} << 20;
  const Index rows = kBytes / (8 * std::max<Index>(outer, 1));
  return std::max(align, rows / align * align);
}

Index core_batch_width(Index wanted, Index block, Index inner) {
  const Index blocks = (std::max(wanted, block) + block - 1) / block;
  return std::min(inner, block * blocks);
}

MemoryModel memory_model(Index dim, int ranks, Index outer, Index inner, Index k, Index block, Index row_block,
                         std::size_t scalar_bytes, double probe_cache_bytes, Index core_batch) {
  const double D = static_cast<double>(dim);
  const double local = std::ceil(D / ranks);
  const double o = static_cast<double>(outer), s = static_cast<double>(inner), b = static_cast<double>(block);
  const double sc = static_cast<double>(scalar_bytes);
  const auto batch = static_cast<double>(core_batch_width(outer, block, inner));  // in memory (sketched.hpp)
  const double small = 8.0 * (s * s + 2 * s * o + o * o);   // Z, [P; R], the core's o x o
  MemoryModel model;
  model.in_memory = sc * (local * o + D * b + local * batch) + small + probe_cache_bytes;
  const double buffers = sc * std::min<double>(static_cast<double>(row_block), local) * (o + static_cast<double>(k)) +
                         8.0 * static_cast<double>(dist::detail::kPromoteChunk) * o;
  const auto ooc_batch = static_cast<double>(core_batch_width(core_batch, block, inner));
  model.out_of_core = sc * (D * b + local * ooc_batch) + small + buffers + probe_cache_bytes;
  return model;
}

Index core_batch_for_budget(double limit_bytes, double model_at_one_block, Index dim, int ranks, Index inner,
                            Index block, std::size_t scalar_bytes) {
  SEIGH_REQUIRE(block >= 1 && inner >= 1 && ranks >= 1) << "core_batch_for_budget: block, inner and ranks must be >= 1";
  const double block_bytes = std::ceil(static_cast<double>(dim) / ranks) * static_cast<double>(block) *
                             static_cast<double>(scalar_bytes);
  const double spare = 0.5 * (limit_bytes - model_at_one_block);
  if (limit_bytes <= 0 || spare < block_bytes) return std::min(block, inner);
  const double blocks = std::min(1 + std::floor(spare / block_bytes), static_cast<double>(inner));
  return core_batch_width(block * static_cast<Index>(blocks), block, inner);
}

namespace {

/// Read rows `range` of vectors [0, cols) of `name` into `block` (n x cols).
template <class Scalar>
void read_block(const io::File& file, const std::string& name, const RowBlocks& blocks, dist::RowRange range,
                Index cols, Matrix<Scalar>& block) {
  block.resize(range.size(), cols);
  io::read_row_span(file, name, blocks.dim, range.begin, block, 0);
}

MatrixD symmetrized_sum(const dist::Comm& comm, MatrixD G) {
  G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  comm.allreduce_sum(G);
  return G;
}

[[noreturn]] void ill_conditioned(const char* pass) {
  throw Error(std::string("out-of-core orthonormalisation: the ") + pass +
                  " rejected CholeskyQR2 (the outer sketch Y is too ill-conditioned or rank deficient: the operator "
                  "has numerical rank below --outer, or its spectrum decays steeply). The in-memory path falls back "
                  "to TSQR here; a streamed TSQR is not implemented: run without --out-of-core, or with a smaller "
                  "--outer",
              /*collective=*/true);
}

/// The attribute that marks a sketch file whose tall matrix holds Y until
/// the vectors stage (format 2). Format 1 (no attribute) overwrote it with
/// Q₁ and Q in two in-place passes "orth1" and "orth2": such a file is past
/// the point this version can continue from once it left the gram stage.
constexpr const char* kFormatAttribute = "ooc_format";
constexpr std::int64_t kFormat = 2;

/// Attributes of the gram stage: κ₂(Y) and the number of CholeskyQR passes
/// it calls for (1 or 2; dist::cholqr::first_pass_accuracy).
constexpr const char* kConditionAttribute = "sketch_condition";
constexpr const char* kPassesAttribute = "cholqr_passes";

void require_current_format(SketchFile& file) {
  const std::string& phase = file.phase();
  const bool marked = io::has_attribute(file.file(), "/", kFormatAttribute);
  const bool tall_is_y = phase == "measure" || phase == "gram";
  // Every rank read the same attribute, so all of them throw: collective.
  if (!(marked || tall_is_y || phase == "error" || phase == "done"))
    throw Error("--resume: '" + file.path() + "' was written by an earlier seigh (out-of-core stage '" + phase +
                    "') whose orthonormalisation overwrote Y with Q in place; this version keeps Y until the "
                    "eigenvectors and cannot continue it: finish it with that version, or restart without --resume",
                /*collective=*/true);
  if (!marked) io::write_attribute(file.file(), "/", kFormatAttribute, kFormat);
}

/// The journal tag of step t of `phase` (the attribute `pending`).
std::string step_tag(const std::string& phase, Index t) { return phase + ":" + std::to_string(t); }

/// The in-place pass over the tall matrix T (the vectors stage of a
/// float32 operator), with the journal protocol of out_of_core.hpp: step t
/// reads rows [0, cols_in) of this rank's block t, `transform`s it into
/// n x cols_out and writes that back into rows [0, cols_out) of the same
/// block. Raises phase_steps after each stored block. Collective.
template <class Scalar, class Transform>
void in_place_pass(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks, const std::string& phase,
                   Index cols_in, Index cols_out, const Hooks& hooks, Transform transform) {
  io::File& tall = file.tall_file();
  const std::string name = file.tall_name();
  // Rank r's journal is columns [r·row_block, r·row_block + n) of /pending.
  const Index journal_width = comm.size() * blocks.row_block;
  const Index journal_offset = comm.rank() * blocks.row_block;
  Matrix<Scalar> block;
  for (Index t = file.phase_steps(); t < blocks.steps; ++t) {
    const dist::RowRange range = blocks.step(t);
    const std::string tag = step_tag(phase, t);
    if (file.pending() == tag) {
      // A run killed after step 3 of this step: T_b may be half written,
      // the journal holds the transformed block.
      block.resize(range.size(), cols_out);
      io::read_row_span(file.file(), "/pending", journal_width, journal_offset, block, 0);
    } else {
      read_block(tall, name, blocks, range, cols_in, block);
      transform(block);
      io::write_row_span(file.file(), "/pending", journal_width, journal_offset, block, 0);
      file.set_pending(tag);
    }
    io::write_row_span(tall, name, blocks.dim, range.begin, block, 0);
    if (hooks.inside_step) {
      tall.flush();  // so the simulated kill finds T_b really overwritten
      hooks.inside_step();
    }
    file.set_phase(phase, t + 1);  // flushes T_b first
    if (hooks.progress) hooks.progress(phase, t + 1, blocks.steps);
    if (hooks.after_step) hooks.after_step();
  }
}

void finished(SketchFile& file, const std::string& done, const std::string& next, const Hooks& hooks) {
  file.set_phase(next, 0);
  if (hooks.after_phase) hooks.after_phase(done);
}

}  // namespace

template <class Scalar>
Orthonormalized orthonormalize_and_project(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks,
                                           const RowProjector<Scalar>& phi, const RowProjector<Scalar>& psi,
                                           Index inner, const Hooks& hooks) {
  const Index o = io::read_attribute<std::int64_t>(file.file(), "/", "outer");
  const Index s = inner;
  // The in-memory driver's options (sketched.hpp): rank deficiency allowed.
  dist::OrthOptions options;
  options.allow_rank_deficient = true;
  require_current_format(file);
  file.bind_row_blocks(comm.size(), blocks.row_block);
  file.ensure_journal(o, comm.size() * blocks.row_block);
  if (file.phase() == "measure") file.set_phase("gram", 0);
  // A format-2 file from before the projections moved into the gram pass
  // has no /PRY: its read-only gram pass is simply repeated.
  if (file.phase() == "orth" && !io::has_attribute(file.file(), "/", kPassesAttribute)) file.set_phase("gram", 0);

  if (file.phase() == "gram") {
    // Read-only: an interrupted pass is simply repeated. Besides G₁ it
    // projects Y itself: ΦQ = Φ(Y R⁻¹) = (ΦY)R⁻¹ with R = R₂R₁, so the
    // projections need no Q and no second pass (the triangular solves on
    // the small s x o results add rounding ε₆₄·κ(R), far below float32).
    MatrixD G1 = MatrixD::Zero(o, o);
    MatrixD PY = MatrixD::Zero(s, o), RY = MatrixD::Zero(s, o);
    Matrix<Scalar> block;
    for (Index t = 0; t < blocks.steps; ++t) {
      const dist::RowRange range = blocks.step(t);
      read_block(file.tall_file(), file.tall_name(), blocks, range, o, block);
      dist::accumulate_gram_lower<Scalar>(G1, block);
      phi.project_rows(range.begin, block, PY);
      psi.project_rows(range.begin, block, RY);
      if (hooks.progress) hooks.progress("gram", t + 1, blocks.steps);
    }
    G1 = symmetrized_sum(comm, G1);
    const std::optional<MatrixD> R1 = dist::cholqr::first_factor(G1, options.cholqr2_max_condition);
    if (comm.any(!R1.has_value())) ill_conditioned("first Cholesky factor");
    MatrixD PRY(2 * s, o);
    PRY.topRows(s) = PY;
    PRY.bottomRows(s) = RY;
    comm.allreduce_sum(PRY);
    // G₁ is replicated, so every rank takes the same decision.
    const auto accuracy =
        dist::cholqr::first_pass_accuracy(G1, static_cast<double>(std::numeric_limits<Scalar>::epsilon()));
    file.write_matrix("/R1", *R1);
    file.write_matrix("/PRY", PRY);
    io::write_attribute(file.file(), "/", kConditionAttribute, accuracy.condition);
    io::write_attribute(file.file(), "/", kPassesAttribute, std::int64_t{accuracy.suffices ? 1 : 2});
    finished(file, "gram", "orth", hooks);
  }

  if (file.phase() == "orth") {
    // Second CholeskyQR pass, if the first left Q₁ = Y R₁⁻¹ less orthonormal
    // than Scalar can store (dist::cholqr::first_pass_accuracy); else R₂ = I.
    // Read-only: Q₁_b is formed in memory only for its Gram G₂, so an
    // interrupted pass is repeated and T stays Y.
    const MatrixD R1 = file.read_matrix("/R1");
    MatrixD R2 = MatrixD::Identity(o, o);
    if (io::read_attribute<std::int64_t>(file.file(), "/", kPassesAttribute) == 2) {
      MatrixD G2 = MatrixD::Zero(o, o);
      Matrix<Scalar> block;
      for (Index t = 0; t < blocks.steps; ++t) {
        read_block(file.tall_file(), file.tall_name(), blocks, blocks.step(t), o, block);
        dist::cholqr::solve_right<Scalar>(block, R1);
        dist::accumulate_gram_lower<Scalar>(G2, block);
        if (hooks.progress) hooks.progress("orth", t + 1, blocks.steps);
      }
      const std::optional<MatrixD> second = dist::cholqr::second_factor(symmetrized_sum(comm, G2));
      if (comm.any(!second.has_value())) ill_conditioned("second CholeskyQR pass check");
      R2 = *second;
    }
    MatrixD PR = file.read_matrix("/PRY");
    R1.triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(PR);
    R2.triangularView<Eigen::Upper>().solveInPlace<Eigen::OnTheRight>(PR);
    file.write_matrix("/R2", R2);
    file.write_matrix("/PR", PR);
    finished(file, "orth", "core", hooks);
  }

  Orthonormalized out;
  out.PR = file.read_matrix("/PR");
  out.orth.method = dist::OrthMethod::cholesky_qr2;
  // A format-2 file resumed past orth predates the attributes: two passes.
  out.orth.cholqr_passes =
      static_cast<int>(io::read_attribute_or<std::int64_t>(file.file(), "/", kPassesAttribute, 2));
  out.condition = io::read_attribute_or<double>(file.file(), "/", kConditionAttribute, 0.0);
  out.orth.R = dist::cholqr::upper_product(file.read_matrix("/R2"), file.read_matrix("/R1"));
  dist::cholqr::finish(comm, out.orth, options, o, dist::default_rank_tolerance<Scalar>(o));
  return out;
}

template <class Scalar>
void write_eigenvectors(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks, const MatrixD& U,
                        const std::string& result_path, const Hooks& hooks) {
  const Index o = U.rows(), k = U.cols();
  // V = QU = Y R⁻¹U with R = R₂R₁, so V_b = Y_b W, W = R₁⁻¹R₂⁻¹U (o x k).
  // W carries κ(Y) (‖W‖ ≈ 1/σ_min(Y)), so the product is formed in float64:
  // its error, ε₆₄·κ(R₁)·√o ≤ 1e-16·1e6·40 (CholeskyQR2 rejected larger κ̂₁),
  // stays below the float32 rounding of the stored V.
  MatrixD W = file.read_matrix("/R2").triangularView<Eigen::Upper>().solve(U);
  file.read_matrix("/R1").triangularView<Eigen::Upper>().solveInPlace(W);
  Matrix<Scalar> V;
  MatrixD y;
  // Y_b (n x o) → V_b = Y_b W (n x k), in the row chunks of multiply().
  const auto multiply = [&](Matrix<Scalar>& Y) {
    V.resize(Y.rows(), k);
    for (Index r0 = 0; r0 < Y.rows(); r0 += dist::detail::kProductRows) {
      const Index n = std::min(dist::detail::kProductRows, Y.rows() - r0);
      y = Y.middleRows(r0, n).template cast<double>();
      V.middleRows(r0, n) = (y * W).template cast<Scalar>();
    }
    Y.swap(V);
  };
  const auto label_progress = [&](Index done, Index total) {
    if (hooks.progress) hooks.progress("eigenvectors V = Q U", done, total);
  };

  if (file.tall_in_result()) {
    // V into rows [0, k) of T in RESULT.partial, journalled (out_of_core.hpp).
    Hooks pass_hooks = hooks;
    pass_hooks.progress = [&](const std::string&, Index done, Index total) { label_progress(done, total); };
    in_place_pass<Scalar>(comm, file, blocks, "vectors", o, k, pass_hooks, multiply);
    // Then T becomes the result's /eigenvectors [k, D]. Both steps are
    // idempotent: a run killed between them (phase_steps is already
    // `steps`) repeats what is left.
    io::File& result = file.tall_file();
    if (io::exists(result, file.tall_name())) {
      if (k < o) io::set_extent(result, file.tall_name(), {k, blocks.dim});
      io::move_object(result, file.tall_name(), "/eigenvectors");
    }
    finished(file, "vectors", "error", hooks);
    return;
  }

  // A separate /eigenvectors (float64 operators): T (/Y of the sketch
  // file) is only read, so the stage needs no journal, and if the partial
  // result is gone (removed by hand, another disk) it starts over.
  const bool partial_exists =
      comm.broadcast_value<int>(comm.is_root() ? std::filesystem::exists(result_path + ".partial") : 0) != 0;
  if (file.phase_steps() > 0 && !partial_exists) file.set_phase("vectors", 0);
  io::OutputFile output = file.phase_steps() > 0 ? io::OutputFile::reopen(comm, result_path)
                                                 : io::OutputFile(comm, result_path);
  output.keep_partial();
  if (file.phase_steps() == 0) create_eigenvectors_dataset(output.file(), k, blocks.dim);
  Matrix<Scalar> Q;
  for (Index t = file.phase_steps(); t < blocks.steps; ++t) {
    const dist::RowRange range = blocks.step(t);
    read_block(file.tall_file(), file.tall_name(), blocks, range, o, Q);
    multiply(Q);
    io::write_row_span(output.file(), "/eigenvectors", blocks.dim, range.begin, Q, 0);
    output.file().flush();  // the vectors first, then the step that counts them
    file.set_phase("vectors", t + 1);
    label_progress(t + 1, blocks.steps);
    if (hooks.after_step) hooks.after_step();
  }
  output.close_partial();
  finished(file, "vectors", "error", hooks);
}

template <class Scalar>
Eigen::Vector2d residual_sums(const dist::Comm& comm, const io::File& result, const RowBlocks& blocks,
                              const VectorD& lambda, const Matrix<Scalar>& G_local, const Matrix<Scalar>& HG_local) {
  const Index k = lambda.size(), w = G_local.cols();
  Matrix<float> V;
  // Pass 1: VᵀG (k x w) from this rank's blocks, one allreduce.
  MatrixD VtG = MatrixD::Zero(k, w);
  for (Index t = 0; t < blocks.steps; ++t) {
    const dist::RowRange range = blocks.step(t);
    read_block(result, "/eigenvectors", blocks, range, k, V);
    VtG.noalias() += V.cast<double>().transpose() *
                     G_local.middleRows(range.begin - blocks.offset, range.size()).template cast<double>();
  }
  comm.allreduce_sum(VtG);
  // Pass 2: the residual rows HG_b − V_b Λ VᵀG.
  const MatrixD lambda_VtG = lambda.asDiagonal() * VtG;
  Eigen::Vector2d sums = Eigen::Vector2d::Zero();
  for (Index t = 0; t < blocks.steps; ++t) {
    const dist::RowRange range = blocks.step(t);
    read_block(result, "/eigenvectors", blocks, range, k, V);
    const MatrixD hg = HG_local.middleRows(range.begin - blocks.offset, range.size()).template cast<double>();
    sums[0] += (hg - V.cast<double>() * lambda_VtG).squaredNorm();
    sums[1] += hg.squaredNorm();
  }
  comm.allreduce_sum(sums);
  return sums;
}

template Orthonormalized orthonormalize_and_project<float>(const dist::Comm&, SketchFile&, const RowBlocks&,
                                                           const RowProjector<float>&, const RowProjector<float>&,
                                                           Index, const Hooks&);
template Orthonormalized orthonormalize_and_project<double>(const dist::Comm&, SketchFile&, const RowBlocks&,
                                                            const RowProjector<double>&, const RowProjector<double>&,
                                                            Index, const Hooks&);
template void write_eigenvectors<float>(const dist::Comm&, SketchFile&, const RowBlocks&, const MatrixD&,
                                        const std::string&, const Hooks&);
template void write_eigenvectors<double>(const dist::Comm&, SketchFile&, const RowBlocks&, const MatrixD&,
                                         const std::string&, const Hooks&);
template Eigen::Vector2d residual_sums<float>(const dist::Comm&, const io::File&, const RowBlocks&, const VectorD&,
                                              const Matrix<float>&, const Matrix<float>&);
template Eigen::Vector2d residual_sums<double>(const dist::Comm&, const io::File&, const RowBlocks&, const VectorD&,
                                               const Matrix<double>&, const Matrix<double>&);

}  // namespace seigh::eig::ooc
