#pragma once
/// \file
/// Datasets as HDF5 files: reading any `/x`, `/y` file as a dataset, and
/// writing the exact tensors a run uses (`seigh dataset --out`).
///
/// Input layout (h5py-friendly, C order):
///   /x   float32 (or float64, converted) [N, F] or [N, C, H, W]
///   /y   any integer type [N], labels in [0, classes)
///   attribute `classes` on / (optional; default max(y) + 1)
/// The sample shape is (C, H, W) for a 4-D /x. For a 2-D /x it is taken from
/// the integer attributes `channels`, `height`, `width` on / when they are
/// present and multiply to F (files seigh wrote), else (1, 1, F).
///
/// Output layout (write_dataset_file):
///   /x              float32 [N, F]: row j = sample j's features, so
///                   `torch.from_numpy(f["/x"][...])` feeds an MLP directly;
///                   reshape to [N, C, H, W] with the attributes below for a CNN
///   /y              int32 [N]
///   /source_index   int64 [N]: index of sample j in its split
///   /source_split   int32 [N]: index into the `split_names` attribute
///   attributes on /: dataset, selection, classes, samples, features,
///                   channels, height, width, split_names (comma-separated,
///                   e.g. "train,test"), seigh_version, and resize_recipe
///                   for fmnist16.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::data {

/// The samples of an HDF5 dataset file.
struct FileSamples {
  MatrixF x;                      ///< F x N, column j = sample j
  std::vector<std::int32_t> y;    ///< N
  int classes = 0;
  std::array<Index, 3> sample_shape{};
};

/// Read /x, /y and the class count of `path`, every rank the whole file.
/// Collective over `comm` (the io module opens files collectively); pass a
/// Comm over MPI_COMM_SELF to read on one rank alone.
/// Errors (collective): "no such file", "not an HDF5 file", "no dataset
/// '/x' in 'PATH'", "'/x' in 'PATH' has shape [..], expected [N, F] or
/// [N, C, H, W]", "... has type int32, expected float32 or float64",
/// "'/y' in 'PATH' has N labels but '/x' has M samples", "label -1 at index
/// 7 of '/y' in 'PATH' is outside [0, 10)", "attribute 'classes' ... must be
/// >= 1", "'/x' in 'PATH' has a non-finite value (nan) in sample 3, feature 5".
FileSamples read_hdf5_samples(const dist::Comm& comm, const std::string& path);

/// Write `dataset` to `path` in the output layout above, through
/// io::OutputFile (PATH.partial renamed on success). Every rank must hold
/// the same dataset; /x is written collectively (each rank its share of the
/// feature rows), the small vectors and attributes from rank 0.
/// Collective. Errors: "cannot create PATH.partial: ..." and io errors.
void write_dataset_file(const dist::Comm& comm, const std::string& path, const Dataset& dataset);

}  // namespace seigh::data
