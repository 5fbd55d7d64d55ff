#include "seigh/eig/out_of_core.hpp"

#include <algorithm>
#include <filesystem>

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
  static_assert(io::kChunkElements % dist::detail::kPromoteChunk == 0);
  const Index align = dim >= io::kChunkElements ? io::kChunkElements : dist::detail::kPromoteChunk;
  constexpr Index kBytes = Index{64} << 20;
  const Index rows = kBytes / (8 * std::max<Index>(outer, 1));
  return std::max(align, rows / align * align);
}

MemoryModel memory_model(Index dim, int ranks, Index outer, Index inner, Index k, Index block, Index row_block,
                         std::size_t scalar_bytes) {
  const double D = static_cast<double>(dim);
  const double local = std::ceil(D / ranks);
  const double o = static_cast<double>(outer), s = static_cast<double>(inner), b = static_cast<double>(block);
  const double sc = static_cast<double>(scalar_bytes);
  const double batch = std::min(s, b * std::ceil(o / b));  // the in-memory core batch (sketched.hpp)
  const double small = 8.0 * (s * s + 2 * s * o + o * o);   // Z, [P; R], the core's o x o
  MemoryModel model;
  model.in_memory = sc * (local * o + D * b + local * batch) + small;
  const double buffers = sc * std::min<double>(static_cast<double>(row_block), local) * (o + static_cast<double>(k)) +
                         8.0 * static_cast<double>(dist::detail::kPromoteChunk) * o;
  model.out_of_core = sc * (D * b + local * b) + small + buffers;
  return model;
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

/// The journal tag of step t of `phase` (the attribute `pending`).
std::string step_tag(const std::string& phase, Index t) { return phase + ":" + std::to_string(t); }

/// One in-place pass over the tall matrix T with the journal protocol of
/// out_of_core.hpp: step t reads rows [0, cols_in) of this rank's block t,
/// `transform`s it into n x cols_out and writes that back into rows
/// [0, cols_out) of the same block; `visit` sees every block's final values
/// in order (with `revisit`, the completed blocks of a resumed pass are read
/// back for it). Raises phase_steps after each stored block. Collective.
template <class Scalar, class Transform, class Visit>
void in_place_pass(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks, const std::string& phase,
                   Index cols_in, Index cols_out, bool revisit, const Hooks& hooks, Transform transform,
                   Visit visit) {
  io::File& tall = file.tall_file();
  const std::string name = file.tall_name();
  // Rank r's journal is columns [r·row_block, r·row_block + n) of /pending.
  const Index journal_width = comm.size() * blocks.row_block;
  const Index journal_offset = comm.rank() * blocks.row_block;
  Matrix<Scalar> block;
  const Index done = file.phase_steps();
  for (Index t = revisit ? 0 : done; t < blocks.steps; ++t) {
    const dist::RowRange range = blocks.step(t);
    if (t < done) {
      read_block(tall, name, blocks, range, cols_out, block);
    } else {
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
    }
    visit(range, block);
    if (hooks.progress) hooks.progress(phase, t + 1, blocks.steps);
    if (t >= done && hooks.after_step) hooks.after_step();
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
  file.bind_row_blocks(comm.size(), blocks.row_block);
  file.ensure_journal(o, comm.size() * blocks.row_block);
  if (file.phase() == "measure") file.set_phase("gram", 0);

  if (file.phase() == "gram") {
    // Read-only: an interrupted Gram pass is simply repeated.
    MatrixD G1 = MatrixD::Zero(o, o);
    Matrix<Scalar> block;
    for (Index t = 0; t < blocks.steps; ++t) {
      read_block(file.tall_file(), file.tall_name(), blocks, blocks.step(t), o, block);
      dist::accumulate_gram_lower<Scalar>(G1, block);
      if (hooks.progress) hooks.progress("gram", t + 1, blocks.steps);
    }
    const std::optional<MatrixD> R1 = dist::cholqr::first_factor(symmetrized_sum(comm, G1), options.cholqr2_max_condition);
    if (comm.any(!R1.has_value())) ill_conditioned("first Cholesky factor");
    file.write_matrix("/R1", *R1);
    finished(file, "gram", "orth1", hooks);
  }

  if (file.phase() == "orth1") {
    const MatrixD R1 = file.read_matrix("/R1");
    MatrixD G2 = MatrixD::Zero(o, o);
    in_place_pass<Scalar>(
        comm, file, blocks, "orth1", o, o, true, hooks,
        [&](Matrix<Scalar>& block) { dist::cholqr::solve_right<Scalar>(block, R1); },
        [&](dist::RowRange, const Matrix<Scalar>& block) { dist::accumulate_gram_lower<Scalar>(G2, block); });
    const std::optional<MatrixD> R2 = dist::cholqr::second_factor(symmetrized_sum(comm, G2));
    if (comm.any(!R2.has_value())) ill_conditioned("second CholeskyQR pass check");
    file.write_matrix("/R2", *R2);
    finished(file, "orth1", "orth2", hooks);
  }

  if (file.phase() == "orth2") {
    const MatrixD R2 = file.read_matrix("/R2");
    MatrixD P = MatrixD::Zero(s, o), R = MatrixD::Zero(s, o);
    in_place_pass<Scalar>(
        comm, file, blocks, "orth2", o, o, true, hooks,
        [&](Matrix<Scalar>& block) { dist::cholqr::solve_right<Scalar>(block, R2); },
        [&](dist::RowRange range, const Matrix<Scalar>& block) {
          phi.project_rows(range.begin, block, P);
          psi.project_rows(range.begin, block, R);
        });
    MatrixD PR(2 * s, o);
    PR.topRows(s) = P;
    PR.bottomRows(s) = R;
    comm.allreduce_sum(PR);
    file.write_matrix("/PR", PR);
    finished(file, "orth2", "core", hooks);
  }

  Orthonormalized out;
  out.PR = file.read_matrix("/PR");
  out.orth.method = dist::OrthMethod::cholesky_qr2;
  out.orth.cholqr_passes = 2;
  out.orth.R = dist::cholqr::upper_product(file.read_matrix("/R2"), file.read_matrix("/R1"));
  dist::cholqr::finish(comm, out.orth, options, o, dist::default_rank_tolerance<Scalar>(o));
  return out;
}

template <class Scalar>
void write_eigenvectors(const dist::Comm& comm, SketchFile& file, const RowBlocks& blocks, const MatrixD& U,
                        const std::string& result_path, const Hooks& hooks) {
  const Index o = U.rows(), k = U.cols();
  const Matrix<Scalar> u = U.template cast<Scalar>();  // as multiply_in_place rounds it
  Matrix<Scalar> V;
  // Q_b (n x o) → V_b = Q_b U (n x k), in the row chunks of multiply().
  const auto multiply = [&](Matrix<Scalar>& Q) {
    V.resize(Q.rows(), k);
    for (Index r0 = 0; r0 < Q.rows(); r0 += dist::detail::kProductRows) {
      const Index n = std::min(dist::detail::kProductRows, Q.rows() - r0);
      V.middleRows(r0, n).noalias() = Q.middleRows(r0, n) * u;
    }
    Q.swap(V);
  };
  const auto label_progress = [&](Index done, Index total) {
    if (hooks.progress) hooks.progress("eigenvectors V = Q U", done, total);
  };

  if (file.tall_in_result()) {
    // V into rows [0, k) of T in RESULT.partial, journalled like orth1/2.
    Hooks pass_hooks = hooks;
    pass_hooks.progress = [&](const std::string&, Index done, Index total) { label_progress(done, total); };
    in_place_pass<Scalar>(comm, file, blocks, "vectors", o, k, false, pass_hooks, multiply,
                          [](dist::RowRange, const Matrix<Scalar>&) {});
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
