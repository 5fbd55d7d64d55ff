#pragma once
/// \file
/// Datasets in memory: what a training run or a Hessian is computed on.
///
/// Dataset specs (`--dataset`):
///   fmnist         Fashion-MNIST, 28x28 = 784 features, pixels uint8/255
///                  in float32 (torchvision's ToTensor)
///   fmnist16       Fashion-MNIST resized to 16x16 = 256 features exactly as
///                  torchvision's Resize(16) + ToTensor: PIL's antialiased
///                  bilinear resize of the uint8 image, then /255 (the recipe
///                  is in resample.hpp, and in the exported file's
///                  `resize_recipe` attribute)
///   file:PATH      an HDF5 file (also: any PATH ending in .h5 / .hdf5) with
///                  /x float [N, F] or [N, C, H, W] and /y integer [N]; see
///                  hdf5_dataset.hpp
/// Splits: fmnist* have "train" (60000) and "test" (10000); a file has
/// one split, "all". The selection (selection.hpp) picks class-balanced
/// subsets of splits, e.g. "train:500,test:500".
///
/// Loading is per rank: every rank loads the same (small) dataset itself,
/// no communication is needed, and the result is bit-identical on every
/// rank. A run then shards it with slice() (e.g. over its ranks for the
/// Hessian data).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/data/fashion_mnist.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::data {

/// Samples with labels, and where each one came from.
struct Dataset {
  std::string name;       ///< canonical dataset spec, e.g. "fmnist16" or "file:/abs/path.h5"
  std::string selection;  ///< canonical selection, e.g. "train:500,test:500"
  /// Features (F x N), column j = sample j. Column-major, so the bytes are
  /// those of a C-order [N, F] array (the exported /x). A sample's features
  /// are its (C, H, W) values in C order (pixel (h, w) of channel c at
  /// c*H*W + h*W + w).
  MatrixF x;
  std::vector<std::int32_t> y;  ///< N labels in [0, classes)
  int classes = 0;
  std::array<Index, 3> sample_shape{};      ///< (C, H, W); F = C*H*W
  std::vector<std::int64_t> source_index;   ///< N: index of each sample in its split
  std::vector<std::string> split_names;     ///< e.g. {"train", "test"}, in selection order
  std::vector<std::int32_t> source_split;   ///< N: index into split_names

  /// N, the number of samples.
  [[nodiscard]] Index size() const { return x.cols(); }
  /// F = C*H*W, the features per sample.
  [[nodiscard]] Index features() const { return x.rows(); }
};

/// Where to find the files of the named datasets.
struct LoadOptions {
  /// Directory of the Fashion-MNIST IDX .gz files (`--data-dir`); empty =
  /// kFashionMnistDir.
  std::string data_dir;
};

/// A parsed dataset spec.
struct DatasetSpec {
  enum class Kind { fmnist, fmnist16, file };
  Kind kind = Kind::fmnist;
  std::string path;       ///< file: the absolute path
  std::string canonical;  ///< "fmnist", "fmnist16", "file:/abs/path.h5"
};

/// Parse `fmnist`, `fmnist16`, `file:PATH` or `PATH.h5` / `PATH.hdf5`
/// (made absolute). Errors: "unknown dataset 'mnist' (known: ...)".
DatasetSpec parse_dataset_spec(const std::string& dataset_spec);

/// The split names of a dataset: {"train", "test"} or {"all"}.
std::vector<std::string> split_names(const DatasetSpec& spec);

/// Load the samples `selection` picks from dataset `dataset_spec` on this
/// rank. Needs no communication. Named datasets need no MPI at all; a file
/// dataset is opened through the io module on MPI_COMM_SELF, so MPI must be
/// initialised. Errors (seigh::Error, local to this rank): unknown dataset or
/// split, bad selection or subset size (selection.hpp), missing
/// Fashion-MNIST files (naming the directory, the Debian package and
/// --data-dir), corrupt files (naming the file), bad HDF5 layout.
Dataset load_dataset(const std::string& dataset_spec, const std::string& selection, const LoadOptions& options);

/// load_dataset on every rank of `comm`, with the outcome agreed
/// (dist::collective): if any rank fails, every rank throws the same
/// collective Error. Each rank still reads the files itself. Collective.
Dataset load_dataset(const dist::Comm& comm, const std::string& dataset_spec, const std::string& selection,
                     const LoadOptions& options);

/// Samples [begin, end) of `dataset` (columns of x and the per-sample
/// vectors), everything else copied. For sharding a dataset over ranks:
/// rank r takes slice(d, p.row_offset(), p.row_offset() + p.local_rows())
/// of a RowPartition p of d.size(). Requires 0 <= begin <= end <= size().
Dataset slice(const Dataset& dataset, Index begin, Index end);

/// Number of samples of each class (length `classes`).
std::vector<Index> class_counts(const Dataset& dataset);

/// How the features were made from the source data, for the exported
/// file: the resize recipe for fmnist16, empty otherwise.
std::string resize_recipe(const Dataset& dataset);

}  // namespace seigh::data
