#pragma once
/// \file
/// Datasets in parallel HDF5 files: collective hyperslab I/O of block-row
/// matrices, small replicated arrays, shape and type queries.
///
/// On-disk layout (DESIGN.md §4): C order, one vector per row. A D x k
/// BlockRowMatrix X is stored as a dataset [k, D] whose row j is column j of
/// X, so h5py's `f['/eigenvectors'][j]` is eigenvector j. No transposition
/// is needed: rank r's local block (local_rows x k, column-major) *is* the
/// C-order array [k, local_rows], i.e. the hyperslab with start
/// {0, row_offset} and count {k, local_rows} of the file.
///
/// Every function is *collective* over the file's communicator, and errors
/// are agreed across ranks (every rank throws the same seigh::Error, marked
/// collective). Dataset names are absolute paths ("/eigenvectors"); a
/// missing leading '/' is added.
///
/// Why the transfers look the way they do:
/// - Transfers are collective (H5FD_MPIO_COLLECTIVE): MPI-IO can then merge
///   the ranks' interleaved pieces into large contiguous file accesses.
///   TransferReport says what HDF5 actually did (it silently falls back to
///   independent I/O in some cases), so tests can assert it.
/// - The memory buffer is converted to the file's element type *before*
///   HDF5 sees it: in HDF5 1.10 any datatype conversion makes HDF5 break
///   collective I/O into independent I/O (no_collective_cause
///   H5D_MPIO_DATATYPE_CONVERSION).
/// - A rank with zero rows selects nothing (H5Sselect_none) but still takes
///   part in every collective call.
/// - Large blocks are written in batches of whole vectors of at most
///   kMaxTransferBytes per rank per call, which bounds the conversion buffer
///   and stays clear of MPI-IO's 2 GiB-per-call limits. The batch count is
///   computed from global quantities, so every rank makes the same number of
///   collective calls.

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/io/dtype.hpp"
#include "seigh/io/file.hpp"
#include "seigh/io/hdf5_handle.hpp"

namespace seigh::io {

/// Upper bound on the bytes one rank moves in one H5Dwrite/H5Dread of a
/// row dataset (256 MiB).
inline constexpr Index kMaxTransferBytes = Index{256} << 20;

/// Elements per chunk of a chunked dataset (2^18 = 256 Ki elements, 1 MiB
/// of float32).
inline constexpr Index kChunkElements = Index{1} << 18;

/// Length along D of the chunks of a chunked dataset whose last dimension is
/// D: D itself when D ≤ 2^18; otherwise D split into n = ⌈D / 2^18⌉ equal
/// chunks, each rounded up to a multiple of dist::detail::kPromoteChunk
/// (4096), so a chunk is at most 2^18 long. HDF5 stores an edge chunk whole,
/// so fixed 2^18 chunks would waste up to one chunk per vector (nearly 2×
/// the data for D just above 2^18); these waste less than n·4096 entries per
/// vector (at most 3.2 % of D, near 1.6 % for large D). Row blocks that are multiples of it
/// stay multiples of 4096 (the float Gram sums' chunk).
[[nodiscard]] Index chunk_length(Index D);

/// What HDF5 actually did in the data transfers of one call, as seen by
/// this rank (H5Pget_mpio_actual_io_mode / H5Pget_mpio_no_collective_cause,
/// combined over the batches of the call: one non-collective batch makes the
/// whole report non-collective).
struct TransferReport {
  /// Number of H5Dwrite/H5Dread calls made (0 for an empty dataset).
  int transfers = 0;
  /// H5D_MPIO_CONTIGUOUS_COLLECTIVE, H5D_MPIO_CHUNK_COLLECTIVE, ... or
  /// H5D_MPIO_NO_COLLECTIVE if HDF5 fell back to independent I/O.
  H5D_mpio_actual_io_mode_t io_mode = H5D_MPIO_NO_COLLECTIVE;
  /// Bit sets of H5D_mpio_no_collective_cause_t; 0 = H5D_MPIO_COLLECTIVE.
  std::uint32_t local_no_collective_cause = 0;
  std::uint32_t global_no_collective_cause = 0;

  /// True if at least one transfer happened and every one was collective.
  [[nodiscard]] bool collective() const;
  /// "chunk collective", "independent (datatype conversion)", ...
  [[nodiscard]] std::string describe() const;
};

/// Storage layout of a created dataset.
enum class Layout {
  /// Chunks of at most kChunkElements: with L = chunk_length(D), a [K, D]
  /// dataset gets chunk {r, L} with r = max(1, 2^18 / L) rows at most,
  /// spread evenly over K (⌈K / ⌈K / r⌉⌉), a [D] dataset {L}.
  /// For D >= 2^17 (every network in DESIGN.md §1 but MNIST) a chunk is one
  /// segment of one vector, so reading vector j from h5py touches only
  /// vector j's chunks (at most 1 MiB each); for small D several vectors
  /// share a chunk so small datasets are not split into thousands of tiny
  /// chunks. Chunking also leaves room for compression and resizing later.
  chunked,
  /// One contiguous block (used for small replicated arrays).
  contiguous,
};

/// Shape, element type and size of a dataset.
struct DatasetInfo {
  std::vector<Index> shape;      ///< C order; empty for a scalar dataset
  std::string type_name;         ///< "float32", "int64", "string", ...
  std::optional<DType> dtype;    ///< nullopt for non-numeric types
  H5T_class_t type_class{};      ///< H5T_FLOAT, H5T_INTEGER, H5T_STRING, ...
  std::size_t element_size = 0;  ///< bytes (H5Tget_size)
  [[nodiscard]] Index elements() const;
};

/// "[3, 4]"; "[]" for a scalar.
std::string format_shape(const std::vector<Index>& shape);

/// Absolute form of an object path: "x" -> "/x".
std::string absolute_path(const std::string& name);

/// True if `path` names an existing object (group, dataset, ...) in the
/// file; false also when an intermediate component is missing or is not a
/// group. Collective.
bool exists(const File& file, const std::string& path);

/// Unlink `path` if it exists (nothing otherwise). The space is not
/// reclaimed inside the file; for small objects rewritten on a resume.
/// Collective.
void remove_object(File& file, const std::string& path);

/// Rename `from` to `to` inside the file (H5Lmove: a link change, no data
/// moves). Errors if `from` is missing or `to` exists. Collective.
void move_object(File& file, const std::string& from, const std::string& to);

/// Change the extent of a chunked dataset to `shape` (H5Dset_extent) within
/// its maximum dimensions (a dataset made by create_dataset has maxdims =
/// its creation shape, so it can only shrink). Chunks wholly outside the new
/// extent are freed inside the file; the file itself does not shrink unless
/// they were at its end. Collective.
void set_extent(File& file, const std::string& name, const std::vector<Index>& shape);

/// Create a group and any missing parents ("/a/b/c"); an existing group is
/// accepted. Collective.
void create_group(File& file, const std::string& path);

/// Open a dataset. Errors: "no dataset '/x' in 'FILE'", "'/x' in 'FILE' is
/// not a dataset". Collective.
DatasetHandle open_dataset(const File& file, const std::string& name);

/// Shape and type of a dataset. Collective.
DatasetInfo dataset_info(const File& file, const std::string& name);

/// Shape of a dataset, C order. Collective.
std::vector<Index> dataset_shape(const File& file, const std::string& name);

/// Create an (uninitialised) dataset of `shape` and on-disk `type`, with
/// missing parent groups. Errors: "dataset '/x' already exists in 'FILE'".
/// Unwritten parts read back as arbitrary values: fill values are never
/// written (H5D_FILL_TIME_NEVER), which would cost a full pass over a
/// [k, D] dataset at creation. Collective.
void create_dataset(File& file, const std::string& name, const std::vector<Index>& shape, DType type,
                    Layout layout = Layout::chunked);

namespace detail {
/// Type-erased view of `cols` vectors of `local_rows` entries each,
/// column-major with leading dimension local_rows (= C-order
/// [cols, local_rows]).
struct RowsView {
  const void* data = nullptr;
  DType type = DType::float64;
  Index local_rows = 0;
  Index cols = 0;
};
struct MutableRowsView {
  void* data = nullptr;
  DType type = DType::float64;
  Index local_rows = 0;
  Index cols = 0;
};
/// Collective core of write_rows / write_rows_at / write_vector: checks the
/// arguments agree across ranks, creates the dataset if `create_as` is set,
/// checks its shape and writes in batches.
TransferReport write_rows(File& file, const std::string& name, const RowsView& rows,
                          const dist::RowPartition& partition, Index first_row, bool one_dimensional,
                          std::optional<DType> create_as);
TransferReport read_rows(const File& file, const std::string& name, const MutableRowsView& rows,
                         const dist::RowPartition& partition, Index first_row, bool one_dimensional);
/// The same with an explicit span [row_offset, row_offset + rows.local_rows)
/// of vectors of length D per rank (the spans of different ranks may be
/// any, including empty; no partition is implied).
TransferReport write_span(File& file, const std::string& name, const RowsView& rows, Index D, Index row_offset,
                          Index first_row, bool one_dimensional, std::optional<DType> create_as);
TransferReport read_span(const File& file, const std::string& name, const MutableRowsView& rows, Index D,
                         Index row_offset, Index first_row, bool one_dimensional);
/// Checked shape of a row dataset: [k, D] (or [D] if one_dimensional);
/// D < 0 accepts any D. Errors name the expected shape. Collective.
std::vector<Index> rows_shape(const File& file, const std::string& name, Index D, bool one_dimensional);
TransferReport write_replicated(File& file, const std::string& name, const void* data, DType memory_type,
                                const std::vector<Index>& shape, DType file_type);
/// Reads all elements (C order) into `data`, which holds `elements` values.
TransferReport read_replicated(const File& file, const std::string& name, void* data, DType memory_type,
                               Index elements);
}  // namespace detail

// ---------------------------------------------------------------------------
// Block-row matrices as [k, D] datasets (row = one vector).

/// Create dataset `name` [k, D] of on-disk `type` and write X (D x k) into
/// it: row j of the dataset is column j of X. X's partition must be the
/// file communicator's (rank and size). Collective.
template <class Scalar>
TransferReport write_rows(File& file, const std::string& name, const dist::BlockRowMatrix<Scalar>& X, DType type) {
  return detail::write_rows(file, name, {X.local().data(), dtype_of<Scalar>(), X.local_rows(), X.cols()},
                            X.partition(), 0, false, type);
}

/// Write X (D x b) into rows [first_row, first_row + b) of an existing
/// dataset [K, D] (created with create_dataset), converting to the dataset's
/// type. For writing a large result in column blocks (out-of-core, resume).
/// Collective.
template <class Scalar>
TransferReport write_rows_at(File& file, const std::string& name, const dist::BlockRowMatrix<Scalar>& X,
                             Index first_row) {
  return detail::write_rows(file, name, {X.local().data(), dtype_of<Scalar>(), X.local_rows(), X.cols()},
                            X.partition(), first_row, false, std::nullopt);
}

/// Read a [k, D] dataset as a D x k matrix with row partition `partition`
/// (global_rows == D). The partition need not be the file communicator's:
/// `dist::RowPartition(D, 0, 1)` on every rank reads the whole matrix
/// everywhere. Converts from the dataset's type to Scalar. Collective.
template <class Scalar>
dist::BlockRowMatrix<Scalar> read_rows(const File& file, const std::string& name,
                                       const dist::RowPartition& partition, TransferReport* report = nullptr) {
  const Index k = detail::rows_shape(file, name, partition.global_rows(), false)[0];
  dist::BlockRowMatrix<Scalar> X(partition, k);
  const TransferReport done = detail::read_rows(
      file, name, {X.local().data(), dtype_of<Scalar>(), X.local_rows(), X.cols()}, partition, 0, false);
  if (report != nullptr) *report = done;
  return X;
}

/// read_rows with the balanced partition of the file's communicator.
template <class Scalar>
dist::BlockRowMatrix<Scalar> read_rows(const File& file, const std::string& name,
                                       TransferReport* report = nullptr) {
  const Index D = detail::rows_shape(file, name, -1, false)[1];
  return read_rows<Scalar>(file, name, file.comm().partition(D), report);
}

/// Read rows [first_row, first_row + count) of a [K, D] dataset as a D x count
/// matrix with `partition`. Collective.
template <class Scalar>
dist::BlockRowMatrix<Scalar> read_rows_at(const File& file, const std::string& name,
                                          const dist::RowPartition& partition, Index first_row, Index count,
                                          TransferReport* report = nullptr) {
  dist::BlockRowMatrix<Scalar> X(partition, count);
  const TransferReport done = detail::read_rows(
      file, name, {X.local().data(), dtype_of<Scalar>(), X.local_rows(), X.cols()}, partition, first_row, false);
  if (report != nullptr) *report = done;
  return X;
}

/// Write a span of rows of a D x b matrix into vectors [first_row,
/// first_row + b) of an existing [K, D] dataset: `block` (n x b,
/// column-major, contiguous) holds entries [row_offset, row_offset + n) of
/// each vector. Every rank passes its own span (n may be 0, spans need not
/// follow a partition). Converts to the dataset's type. For streaming a
/// tall matrix through a file in row blocks (out-of-core SEIGH).
/// Collective.
template <class Scalar>
TransferReport write_row_span(File& file, const std::string& name, Index D, Index row_offset,
                              const Matrix<Scalar>& block, Index first_row) {
  return detail::write_span(file, name, {block.data(), dtype_of<Scalar>(), block.rows(), block.cols()}, D, row_offset,
                            first_row, false, std::nullopt);
}

/// Read the span [row_offset, row_offset + block.rows()) of vectors
/// [first_row, first_row + block.cols()) of a [K, D] dataset into `block`
/// (sized by the caller), converting to Scalar. Collective.
template <class Scalar>
TransferReport read_row_span(const File& file, const std::string& name, Index D, Index row_offset,
                             Matrix<Scalar>& block, Index first_row) {
  return detail::read_span(file, name, {block.data(), dtype_of<Scalar>(), block.rows(), block.cols()}, D, row_offset,
                           first_row, false);
}

// ---------------------------------------------------------------------------
// Block-row vectors as [D] datasets.

/// Create dataset `name` [D] of `type` and write x (D x 1; more columns is
/// an error). Collective.
template <class Scalar>
TransferReport write_vector(File& file, const std::string& name, const dist::BlockRowMatrix<Scalar>& x, DType type) {
  return detail::write_rows(file, name, {x.local().data(), dtype_of<Scalar>(), x.local_rows(), x.cols()},
                            x.partition(), 0, true, type);
}

/// Read a [D] dataset as a D x 1 block-row vector with `partition`.
/// Collective.
template <class Scalar>
dist::BlockRowMatrix<Scalar> read_vector(const File& file, const std::string& name,
                                         const dist::RowPartition& partition, TransferReport* report = nullptr) {
  (void)detail::rows_shape(file, name, partition.global_rows(), true);
  dist::BlockRowMatrix<Scalar> x(partition, 1);
  const TransferReport done =
      detail::read_rows(file, name, {x.local().data(), dtype_of<Scalar>(), x.local_rows(), 1}, partition, 0, true);
  if (report != nullptr) *report = done;
  return x;
}

// ---------------------------------------------------------------------------
// Small replicated arrays (eigenvalues, k values, metric tables).

/// Create dataset `name` [n] and write `values`. Only rank 0's values (and
/// length) are written; the other ranks may pass anything, but must call.
/// Collective.
template <class T>
TransferReport write_replicated(File& file, const std::string& name, const std::vector<T>& values, DType type) {
  return detail::write_replicated(file, name, values.data(), dtype_of<T>(), {static_cast<Index>(values.size())},
                                  type);
}

/// Eigen vector overload of write_replicated: [n].
template <class T>
TransferReport write_replicated(File& file, const std::string& name, const Vector<T>& values, DType type) {
  return detail::write_replicated(file, name, values.data(), dtype_of<T>(), {values.size()}, type);
}

/// Matrix overload: M (r x c) is stored as [r, c] in C order (M(i, j) is
/// f[name][i, j] in h5py). Rank 0's matrix is written. Collective.
template <class T>
TransferReport write_replicated(File& file, const std::string& name, const Matrix<T>& M, DType type) {
  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> c_order = M;
  return detail::write_replicated(file, name, c_order.data(), dtype_of<T>(), {M.rows(), M.cols()}, type);
}

/// Read a whole dataset of any shape on every rank, flattened in C order and
/// converted to T. Collective.
template <class T>
std::vector<T> read_replicated(const File& file, const std::string& name, TransferReport* report = nullptr) {
  const DatasetInfo info = dataset_info(file, name);
  std::vector<T> values(static_cast<std::size_t>(info.elements()));
  const TransferReport done = detail::read_replicated(file, name, values.data(), dtype_of<T>(), info.elements());
  if (report != nullptr) *report = done;
  return values;
}

/// Read a 2-D dataset [r, c] as an r x c matrix (a 1-D [n] one as n x 1) on
/// every rank. Errors: "dataset '/x' in 'FILE' has shape [..], expected
/// [rows, cols]". Collective.
template <class T>
Matrix<T> read_replicated_matrix(const File& file, const std::string& name, TransferReport* report = nullptr) {
  const std::vector<Index> shape = dataset_shape(file, name);
  dist::require_all(file.comm(), shape.size() == 1 || shape.size() == 2,
                    "dataset '" + absolute_path(name) + "' in '" + file.path() + "' has shape " + format_shape(shape) +
                        ", expected [rows, cols]");
  const Index rows = shape[0];
  const Index cols = shape.size() == 2 ? shape[1] : 1;
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> c_order(rows, cols);
  const TransferReport done = detail::read_replicated(file, name, c_order.data(), dtype_of<T>(), rows * cols);
  if (report != nullptr) *report = done;
  return c_order;
}

}  // namespace seigh::io
