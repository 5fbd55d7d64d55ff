#pragma once
/// \file
/// The resumable measurement state of SEIGH (DESIGN.md §4: "a partially
/// measured sketch is itself a file"). Layout:
///
///     /Y   [o, D]  float32|float64 (the operator's scalar), row j = column j of Y = HΩ
///     /Z   [s, s]  float64, row j = column j of the core sketch Z = ΦHΨᵀ
///     attributes: the identity of the measurement (operator, D, outer,
///       inner, block, test_matrix, zeta, seed, stream, recycle, scalar),
///       and the progress counters y_columns_done, z_columns_done.
///
/// Column blocks are measured in order, so "the block ending at column c
/// is complete" is "c <= *_columns_done": the counter is one flag per
/// block. A counter is raised only after the block's data was written and
/// the file flushed, then the file is flushed again; the datasets are contiguous (allocated at
/// creation), so writing data never changes metadata. A run killed at any
/// point therefore resumes from the last counted block, and recomputes
/// the block it was in — with the same counter-based test matrices, so the
/// final result equals an uninterrupted run's bit for bit (same rank count).
///
/// The out-of-core mode (out_of_core.hpp) keeps going in the same file after
/// the measurement: the attribute `phase` names the stage a run is in
/// (absent or "measure", then "gram", "orth1", "orth2", "core", "vectors",
/// "error", "done"), `phase_steps` the row-block steps of it that are
/// complete (raised, like the column counters, only after the step's data
/// is flushed), and the stages add
///
///     /Q      [o, D]  the scalar of /Y: Q₁ = Y R₁⁻¹ (first CholeskyQR pass)
///     /R1, /R2 [o, o] float64: the two Cholesky factors
///     /PR     [2s, o] float64: P = ΦQ stacked on R = ΨQ
///     /core_lambda [k, 1], /core_U [o, k] float64: the core solution
///     attributes error_residual2, error_operator2, error_blocks: the
///       running sums of the error estimate and the probe blocks they cover
///
/// and the second CholeskyQR pass writes Q = Q₁ R₂⁻¹ back into /Y (whose Y
/// is no longer needed: from phase "orth2" on, /Y holds Q). The stages
/// after the measurement depend on the row blocks, so they are resumed only
/// with the same number of ranks and row block (attributes `ooc_ranks`,
/// `ooc_row_block`).

#include <cstdint>
#include <string>

#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/io/file.hpp"

namespace seigh::eig {

/// Everything that must agree between a run and the sketch file it resumes.
struct SketchIdentity {
  std::string operator_id;  ///< e.g. the operator spec or checkpoint path + step
  Index dim = 0;
  Index outer = 0;
  Index inner = 0;
  Index block = 0;
  std::string test_matrix;
  std::int64_t zeta = 0;
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  bool recycle = false;
  std::string scalar;       ///< "float32" or "float64"
};

class SketchFile {
 public:
  /// Create a new sketch file; refuses an existing PATH (a partial
  /// measurement is worth keeping: pass --resume or remove it). Collective.
  static SketchFile create(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity);
  /// Open an existing sketch file and check that it was measured with
  /// `identity`; every mismatch is named in the error. Collective.
  static SketchFile resume(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity);

  [[nodiscard]] Index y_columns_done() const { return y_done_; }
  [[nodiscard]] Index z_columns_done() const { return z_done_; }
  [[nodiscard]] const std::string& path() const { return file_.path(); }

  /// Columns [0, count) of Y (D x o) from the file into Y.local(). Collective.
  template <class Scalar>
  void read_y(dist::BlockRowMatrix<Scalar>& Y, Index count) const;
  /// Columns [0, count) of Z (s x s, replicated) from the file. Collective.
  void read_z(MatrixD& Z, Index count) const;

  /// Store columns [c0, c0 + width) of Y, flush, then count them
  /// (y_columns_done = c0 + width) and flush again. Collective.
  template <class Scalar>
  void store_y(const dist::BlockRowMatrix<Scalar>& Y, Index c0, Index width);
  /// The same for columns of Z (replicated on every rank).
  void store_z(const MatrixD& Z, Index c0, Index width);

  /// Store columns [c0, c0 + block.cols()) of Y from this rank's rows of
  /// them (block: local_rows x width, the rows of `partition`), flush, then
  /// count them. Collective. (store_y without a whole Y in memory.)
  template <class Scalar>
  void store_y_columns(const dist::RowPartition& partition, const Matrix<Scalar>& block, Index c0);

  /// Close the file (collective); the object is unusable afterwards.
  void close() { file_.close(); }

  // ---- The stages after the measurement (out-of-core mode).

  /// The stage recorded in the file ("measure" if none) and its completed
  /// row-block steps.
  [[nodiscard]] const std::string& phase() const { return phase_; }
  [[nodiscard]] Index phase_steps() const { return phase_steps_; }
  /// Flush the data written so far, then record (phase, steps) and flush
  /// again. Collective.
  void set_phase(const std::string& phase, Index steps = 0);
  /// Record the rank count and row block of the out-of-core stages, or, if
  /// they are recorded, refuse (collectively) other values. Collective.
  void bind_row_blocks(int ranks, Index row_block);
  /// A small replicated matrix (written by rank 0 into a new dataset that
  /// replaces any older one of the name). Collective.
  void write_matrix(const std::string& name, const MatrixD& M);
  [[nodiscard]] MatrixD read_matrix(const std::string& name) const;
  /// Create the [vectors, D] dataset `name` of the measurement's scalar if
  /// it does not exist. Collective.
  void ensure_rows_dataset(const std::string& name, Index vectors);
  [[nodiscard]] io::File& file() { return file_; }
  [[nodiscard]] const io::File& file() const { return file_; }

 private:
  SketchFile(io::File file, Index y_done, Index z_done, std::string phase, Index steps)
      : file_(std::move(file)), y_done_(y_done), z_done_(z_done), phase_(std::move(phase)), phase_steps_(steps) {}
  io::File file_;
  Index y_done_ = 0;
  Index z_done_ = 0;
  std::string phase_ = "measure";
  Index phase_steps_ = 0;
};

}  // namespace seigh::eig
