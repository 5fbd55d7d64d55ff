#pragma once
/// \file
/// The resumable measurement state of SEIGH (DESIGN.md §4: "a partially
/// measured sketch is itself a file"). Layout:
///
///     /Y   [o, D]  float32|float64 (the operator's scalar), row j = column j of Y = HΩ
///          (absent in the out-of-core "result" layout below: Y is then /tall
///          of RESULT.partial)
///     /Z   [s, s]  float64, row j = column j of the core sketch Z = ΦHΨᵀ
///     attributes: the identity of the measurement (operator, D, outer,
///       inner, block, test_matrix, zeta, seed, stream, recycle, scalar),
///       and the progress counters y_columns_done, z_columns_done.
///
/// Column blocks are measured in order, so "the block ending at column c
/// is complete" is "c <= *_columns_done": the counter is one flag per
/// block. A counter is raised only after the block's data was written and
/// the file flushed, then the file is flushed again; the datasets are
/// allocated at creation, so writing data never changes metadata. A run killed at any
/// point therefore resumes from the last counted block, and recomputes
/// the block it was in — with the same counter-based test matrices, so the
/// final result equals an uninterrupted run's bit for bit (same rank count).
///
/// The out-of-core mode (out_of_core.hpp) keeps going after the
/// measurement: the attribute `phase` names the stage a run is in (absent
/// or "measure", then "gram", "orth", "core", "vectors", "error",
/// "done"), `phase_steps` the row-block steps of it that are complete
/// (raised, like the column counters, only after the step's data is
/// flushed), and the stages add
///
///     /R1, /R2 [o, o] float64: the two Cholesky factors
///     /PR     [2s, o] float64: P = ΦQ stacked on R = ΨQ
///     /core_lambda [k, 1], /core_U [o, k] float64: the core solution
///     /pending [o, ranks·row_block] (the tall matrix's scalar): the journal
///       of the in-place vectors pass, rank r's block in columns
///       [r·row_block, r·row_block + n); attribute `pending` = "phase:t"
///       names the step whose transformed block it holds (out_of_core.hpp)
///     attributes error_residual2, error_operator2, error_blocks: the
///       running sums of the error estimate and the probe blocks they cover
///     attribute ooc_format = 2: the tall matrix holds Y until the vectors
///       stage (format 1, without it, overwrote it with Q₁ and Q in stages
///       "orth1" and "orth2"; out_of_core.hpp)
///
/// The tall D x o matrix is one dataset, Y until the vectors stage (which,
/// in the "result" layout, overwrites it with V in place). Where it
/// lives is the attribute `tall`:
///
///   - "sketch" (or absent): /Y of this file, as above. The in-memory mode,
///     and out-of-core runs of a float64 operator (their V goes to a new
///     float32 /eigenvectors of RESULT.partial).
///   - "result": /tall [o, D] float32 of the out-of-core result file's
///     partial RESULT.partial (io::OutputFile; path in attribute
///     `tall_file`), chunked like the result's /eigenvectors. Out-of-core
///     runs of a float32 operator: the vectors stage writes V = QU into rows
///     [0, k) of the same dataset, shrinks it to [k, D] and renames it
///     /eigenvectors, so one D x o matrix is the whole disk footprint. This
///     file then holds no /Y, and a run cannot be resumed without that
///     RESULT.partial.
///
/// The stages after the measurement depend on the row blocks, so they are
/// resumed only with the same number of ranks and row block (attributes
/// `ooc_ranks`, `ooc_row_block`).

#include <cstdint>
#include <optional>
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
  /// measurement is worth keeping: pass --resume or remove it). With a
  /// `tall_result` path (out-of-core, float32 only) the tall matrix is
  /// created as /tall in `tall_result`.partial (an existing one, stale from
  /// a killed run, is overwritten), else as /Y here. Collective.
  static SketchFile create(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity,
                           const std::string& tall_result = {});
  /// Open an existing sketch file and check that it was measured with
  /// `identity`; every mismatch is named in the error. `result` is the
  /// out-of-core run's result path (empty for an in-memory run): if the
  /// file keeps its tall matrix in `result`.partial, that file is opened
  /// too, and its absence (or an in-memory run) is a collective error.
  /// Collective.
  static SketchFile resume(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity,
                           const std::string& result = {});

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

  /// Close the file and the result partial it holds open (collective);
  /// the object is unusable afterwards.
  void close();

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
  [[nodiscard]] io::File& file() { return file_; }
  [[nodiscard]] const io::File& file() const { return file_; }

  /// The file and dataset that hold the tall matrix (Y, Q₁, Q; in the
  /// "result" layout also V, under the name /eigenvectors once the vectors
  /// stage is complete).
  [[nodiscard]] bool tall_in_result() const { return result_.has_value(); }
  [[nodiscard]] io::File& tall_file() { return result_ ? *result_ : file_; }
  [[nodiscard]] const io::File& tall_file() const { return result_ ? *result_ : file_; }
  [[nodiscard]] std::string tall_name() const { return result_ ? "/tall" : "/Y"; }

  // ---- The journal of the in-place passes (out_of_core.hpp).

  /// Create /pending [vectors, width] of the measurement's scalar if it
  /// does not exist. Collective.
  void ensure_journal(Index vectors, Index width);
  /// The step whose transformed block /pending holds ("phase:t"), or "".
  [[nodiscard]] const std::string& pending() const { return pending_; }
  /// Flush the journal, then record `tag` as the step it holds and flush
  /// again. Collective.
  void set_pending(const std::string& tag);

 private:
  SketchFile(io::File file, std::optional<io::File> result, Index y_done, Index z_done, std::string phase,
             Index steps, std::string pending)
      : file_(std::move(file)),
        result_(std::move(result)),
        y_done_(y_done),
        z_done_(z_done),
        phase_(std::move(phase)),
        phase_steps_(steps),
        pending_(std::move(pending)) {}
  /// Flush the result partial (if held), then this file: the data of a
  /// step, before the attribute that counts it. Collective.
  void flush_data();
  /// flush_data, then raise `counter` to `columns_done` and flush again.
  void count_columns(const char* counter, Index columns_done);
  io::File file_;
  std::optional<io::File> result_;  ///< RESULT.partial in the "result" layout
  Index y_done_ = 0;
  Index z_done_ = 0;
  std::string phase_ = "measure";
  Index phase_steps_ = 0;
  std::string pending_;
};

}  // namespace seigh::eig
