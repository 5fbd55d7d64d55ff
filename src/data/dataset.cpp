#include "seigh/data/dataset.hpp"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <type_traits>

#include "seigh/core/error.hpp"
#include "seigh/data/hdf5_dataset.hpp"
#include "seigh/data/resample.hpp"
#include "seigh/data/selection.hpp"
#include "seigh/dist/collective.hpp"

namespace seigh::data {

namespace {

constexpr Index kFmnist16Side = 16;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// ToTensor's scaling: the uint8 value divided by 255 in float32.
std::array<float, 256> pixel_table() {
  std::array<float, 256> table{};
  for (int v = 0; v < 256; ++v) table[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
  return table;
}

/// One selection item resolved against its split: which samples it takes.
struct Picked {
  SplitRequest request;
  std::vector<Index> indices;
};

/// Every item's indices, from the labels alone: subset mistakes are
/// reported before any image file is read.
std::vector<Picked> pick(const std::vector<SplitRequest>& requests, const DatasetSpec& spec,
                         const std::function<std::vector<std::int32_t>(const std::string&)>& labels_of, int classes) {
  std::vector<Picked> picked;
  for (const SplitRequest& request : requests) {
    const std::vector<std::int32_t> labels = labels_of(request.split);
    const std::string what = "split '" + request.split + "' of " + spec.canonical;
    picked.push_back({request, select_indices(request, labels, classes, what)});
  }
  return picked;
}

void check_splits(const std::vector<SplitRequest>& requests, const DatasetSpec& spec) {
  const std::vector<std::string> names = split_names(spec);
  for (const SplitRequest& request : requests) {
    if (std::find(names.begin(), names.end(), request.split) != names.end()) continue;
    std::string list;
    for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
    SEIGH_FAIL() << "unknown split '" << request.split << "' of dataset " << spec.canonical << " (splits: " << list
                 << ")";
  }
}

/// Fill the bookkeeping of `dataset` for the picked samples; x is sized
/// and filled by the caller.
void describe_picked(Dataset& dataset, const std::vector<Picked>& picked) {
  Index total = 0;
  for (const Picked& p : picked) total += static_cast<Index>(p.indices.size());
  dataset.y.reserve(static_cast<std::size_t>(total));
  dataset.source_index.reserve(static_cast<std::size_t>(total));
  dataset.source_split.reserve(static_cast<std::size_t>(total));
  for (std::size_t s = 0; s < picked.size(); ++s) {
    dataset.split_names.push_back(picked[s].request.split);
    for (const Index i : picked[s].indices) {
      dataset.source_index.push_back(i);
      dataset.source_split.push_back(static_cast<std::int32_t>(s));
    }
  }
}

Dataset load_fashion_mnist(const DatasetSpec& spec, const std::vector<SplitRequest>& requests,
                           const LoadOptions& options) {
  const std::string dir = options.data_dir.empty() ? std::string(kFashionMnistDir) : options.data_dir;
  const std::vector<Picked> picked = pick(
      requests, spec, [&](const std::string& split) { return read_fashion_mnist_labels(dir, split); },
      kFashionMnistClasses);

  const Index side = spec.kind == DatasetSpec::Kind::fmnist16 ? kFmnist16Side : kFashionMnistSide;
  Dataset dataset;
  dataset.classes = kFashionMnistClasses;
  dataset.sample_shape = {1, side, side};
  describe_picked(dataset, picked);
  dataset.x.resize(side * side, static_cast<Index>(dataset.source_index.size()));

  const std::array<float, 256> scaled = pixel_table();
  Index column = 0;
  for (const Picked& p : picked) {
    const IdxImages images = read_fashion_mnist(dir, p.request.split);
    const Index pixels = images.rows * images.cols;
    for (const Index i : p.indices) {
      const std::uint8_t* image = &images.pixels[static_cast<std::size_t>(i * pixels)];
      std::vector<std::uint8_t> resized;
      if (side != images.rows) {
        resized = resize_bilinear_pil(image, images.rows, images.cols, side, side);
        image = resized.data();
      }
      float* out = dataset.x.col(column).data();
      for (Index k = 0; k < side * side; ++k) out[k] = scaled[image[k]];
      dataset.y.push_back(images.labels[static_cast<std::size_t>(i)]);
      ++column;
    }
  }
  return dataset;
}

Dataset load_file(const DatasetSpec& spec, const std::vector<SplitRequest>& requests) {
  // Per rank: the io module opens files collectively, here over this rank
  // alone.
  const dist::Comm self(MPI_COMM_SELF);
  const FileSamples samples = read_hdf5_samples(self, spec.path);
  const std::vector<Picked> picked = pick(
      requests, spec, [&](const std::string&) { return samples.y; }, samples.classes);
  Dataset dataset;
  dataset.classes = samples.classes;
  dataset.sample_shape = samples.sample_shape;
  describe_picked(dataset, picked);
  dataset.x.resize(samples.x.rows(), static_cast<Index>(dataset.source_index.size()));
  for (std::size_t j = 0; j < dataset.source_index.size(); ++j) {
    const Index i = dataset.source_index[j];
    dataset.x.col(static_cast<Index>(j)) = samples.x.col(i);
    dataset.y.push_back(samples.y[static_cast<std::size_t>(i)]);
  }
  return dataset;
}

}  // namespace

DatasetSpec parse_dataset_spec(const std::string& dataset_spec) {
  DatasetSpec spec;
  if (dataset_spec == "fmnist" || dataset_spec == "fmnist16") {
    spec.kind = dataset_spec == "fmnist" ? DatasetSpec::Kind::fmnist : DatasetSpec::Kind::fmnist16;
    spec.canonical = dataset_spec;
    return spec;
  }
  std::string path;
  if (dataset_spec.rfind("file:", 0) == 0) path = dataset_spec.substr(5);
  else if (ends_with(dataset_spec, ".h5") || ends_with(dataset_spec, ".hdf5")) path = dataset_spec;
  else {
    SEIGH_FAIL() << "unknown dataset '" << dataset_spec
                 << "' (known: fmnist (28x28), fmnist16 (16x16), file:PATH or PATH.h5 for an HDF5 file with /x, /y)";
  }
  if (path.empty()) SEIGH_FAIL() << "dataset '" << dataset_spec << "' names no file (expected file:PATH)";
  spec.kind = DatasetSpec::Kind::file;
  spec.path = std::filesystem::absolute(path).lexically_normal().string();
  spec.canonical = "file:" + spec.path;
  return spec;
}

std::vector<std::string> split_names(const DatasetSpec& spec) {
  if (spec.kind == DatasetSpec::Kind::file) return {"all"};
  return {"train", "test"};
}

Dataset load_dataset(const std::string& dataset_spec, const std::string& selection, const LoadOptions& options) {
  const DatasetSpec spec = parse_dataset_spec(dataset_spec);
  const std::vector<SplitRequest> requests = parse_selection(selection);
  check_splits(requests, spec);
  Dataset dataset = spec.kind == DatasetSpec::Kind::file ? load_file(spec, requests)
                                                         : load_fashion_mnist(spec, requests, options);
  dataset.name = spec.canonical;
  dataset.selection = format_selection(requests);
  return dataset;
}

Dataset load_dataset(const dist::Comm& comm, const std::string& dataset_spec, const std::string& selection,
                     const LoadOptions& options) {
  return dist::collective(comm, [&] { return load_dataset(dataset_spec, selection, options); });
}

Dataset slice(const Dataset& dataset, Index begin, Index end) {
  SEIGH_REQUIRE(0 <= begin && begin <= end && end <= dataset.size())
      << "slice [" << begin << ", " << end << ") of a dataset of " << dataset.size() << " samples";
  Dataset part;
  part.name = dataset.name;
  part.selection = dataset.selection;
  part.x = dataset.x.middleCols(begin, end - begin);
  const auto range = [&](const auto& values) {
    using Vector = std::decay_t<decltype(values)>;
    return Vector(values.begin() + begin, values.begin() + end);
  };
  part.y = range(dataset.y);
  part.classes = dataset.classes;
  part.sample_shape = dataset.sample_shape;
  part.source_index = range(dataset.source_index);
  part.split_names = dataset.split_names;
  part.source_split = range(dataset.source_split);
  return part;
}

std::vector<Index> class_counts(const Dataset& dataset) {
  std::vector<Index> counts(static_cast<std::size_t>(std::max(dataset.classes, 0)), 0);
  for (const std::int32_t label : dataset.y) {
    if (label >= 0 && label < dataset.classes) ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

std::string resize_recipe(const Dataset& dataset) {
  if (dataset.name != "fmnist16") return {};
  return pil_bilinear_recipe(kFashionMnistSide, kFashionMnistSide, kFmnist16Side, kFmnist16Side);
}

}  // namespace seigh::data
