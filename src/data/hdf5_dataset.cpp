#include "seigh/data/hdf5_dataset.hpp"

#include <algorithm>
#include <cmath>

#include "seigh/core/error.hpp"
#include "seigh/core/version.hpp"
#include "seigh/data/selection.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

namespace seigh::data {

namespace {

/// Integer attribute `name` of the root group, if present. Collective.
std::optional<std::int64_t> optional_int(const io::File& file, const std::string& name) {
  if (!io::has_attribute(file, "/", name)) return std::nullopt;
  return io::read_attribute<std::int64_t>(file, "/", name);
}

}  // namespace

FileSamples read_hdf5_samples(const dist::Comm& comm, const std::string& path) {
  const io::File file = io::File::open(comm, path);
  const io::DatasetInfo x_info = io::dataset_info(file, "/x");
  const io::DatasetInfo y_info = io::dataset_info(file, "/y");
  const std::optional<std::int64_t> classes_attribute = optional_int(file, "classes");
  const std::optional<std::int64_t> channels = optional_int(file, "channels");
  const std::optional<std::int64_t> height = optional_int(file, "height");
  const std::optional<std::int64_t> width = optional_int(file, "width");

  // Metadata is read collectively, so these checks see the same values on
  // every rank; collective() still makes the error agreed and clean.
  FileSamples samples;
  Index n = 0;
  dist::collective(comm, [&] {
    const std::vector<Index>& shape = x_info.shape;
    if (shape.size() != 2 && shape.size() != 4) {
      SEIGH_FAIL() << "'/x' in '" << path << "' has shape " << io::format_shape(shape)
                   << ", expected [N, F] or [N, C, H, W]";
    }
    if (x_info.type_class != H5T_FLOAT) {
      SEIGH_FAIL() << "'/x' in '" << path << "' has type " << x_info.type_name << ", expected float32 or float64";
    }
    n = shape[0];
    if (shape.size() == 4) {
      samples.sample_shape = {shape[1], shape[2], shape[3]};
    } else if (channels && height && width && *channels * *height * *width == shape[1]) {
      samples.sample_shape = {*channels, *height, *width};
    } else {
      samples.sample_shape = {1, 1, shape[1]};
    }
    const Index features = samples.sample_shape[0] * samples.sample_shape[1] * samples.sample_shape[2];
    if (n < 1 || features < 1) {
      SEIGH_FAIL() << "'/x' in '" << path << "' has shape " << io::format_shape(shape) << ": no samples or no features";
    }
    if (y_info.shape.size() != 1 || y_info.type_class != H5T_INTEGER) {
      SEIGH_FAIL() << "'/y' in '" << path << "' has shape " << io::format_shape(y_info.shape) << " and type "
                   << y_info.type_name << ", expected integer labels [N]";
    }
    if (y_info.shape[0] != n) {
      SEIGH_FAIL() << "'/y' in '" << path << "' has " << y_info.shape[0] << " labels but '/x' has " << n
                   << " samples";
    }
    if (classes_attribute && (*classes_attribute < 1 || *classes_attribute > (Index{1} << 31) - 1)) {
      SEIGH_FAIL() << "attribute 'classes' on '/' in '" << path << "' is " << *classes_attribute
                   << ", must be >= 1";
    }
  });

  const std::vector<float> x = io::read_replicated<float>(file, "/x");
  const std::vector<std::int64_t> y = io::read_replicated<std::int64_t>(file, "/y");
  dist::collective(comm, [&] {
    const std::int64_t largest = *std::max_element(y.begin(), y.end());
    const std::int64_t classes = classes_attribute ? *classes_attribute : largest + 1;
    for (std::size_t i = 0; i < y.size(); ++i) {
      if (y[i] < 0 || y[i] >= classes) {
        SEIGH_FAIL() << "label " << y[i] << " at index " << i << " of '/y' in '" << path << "' is outside [0, "
                     << classes << ")" << (classes_attribute ? " (attribute 'classes')" : "");
      }
    }
    samples.classes = static_cast<int>(classes);
    // A NaN in the inputs would surface much later as a NaN loss or
    // Hessian; name the sample now.
    const Index features = static_cast<Index>(x.size()) / n;
    for (std::size_t k = 0; k < x.size(); ++k) {
      if (!std::isfinite(x[k])) {
        SEIGH_FAIL() << "'/x' in '" << path << "' has a non-finite value (" << x[k] << ") in sample "
                     << static_cast<Index>(k) / features << ", feature " << static_cast<Index>(k) % features;
      }
    }
  });
  samples.x = Eigen::Map<const MatrixF>(x.data(), static_cast<Index>(x.size()) / n, n);
  samples.y.assign(y.begin(), y.end());
  return samples;
}

void write_dataset_file(const dist::Comm& comm, const std::string& path, const Dataset& dataset) {
  io::OutputFile out(comm, path);
  io::File& file = out.file();
  // x (F x N) is a block-row matrix of F rows: each rank writes its rows of
  // every sample, and the [N, F] dataset's row j is sample j.
  const dist::RowPartition rows = comm.partition(dataset.features());
  const dist::BlockRowMatrix<float> X(rows, MatrixF(dataset.x.middleRows(rows.row_offset(), rows.local_rows())));
  io::write_rows(file, "/x", X, io::DType::float32);
  io::write_replicated(file, "/y", dataset.y, io::DType::int32);
  io::write_replicated(file, "/source_index", dataset.source_index, io::DType::int64);
  io::write_replicated(file, "/source_split", dataset.source_split, io::DType::int32);

  std::string splits;
  for (const std::string& name : dataset.split_names) splits += (splits.empty() ? "" : ",") + name;
  io::write_attribute(file, "/", "dataset", dataset.name);
  io::write_attribute(file, "/", "selection", dataset.selection);
  io::write_attribute(file, "/", "classes", dataset.classes);
  io::write_attribute(file, "/", "samples", dataset.size());
  io::write_attribute(file, "/", "features", dataset.features());
  io::write_attribute(file, "/", "channels", dataset.sample_shape[0]);
  io::write_attribute(file, "/", "height", dataset.sample_shape[1]);
  io::write_attribute(file, "/", "width", dataset.sample_shape[2]);
  io::write_attribute(file, "/", "split_names", splits);
  io::write_attribute(file, "/", "seigh_version", version_string());
  const std::string recipe = resize_recipe(dataset);
  if (!recipe.empty()) io::write_attribute(file, "/", "resize_recipe", recipe);
  out.commit();
}

}  // namespace seigh::data
