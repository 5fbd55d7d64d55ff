/// \file
/// `seigh dataset`: export the exact data tensors a run uses (DESIGN.md §4)
/// as an HDF5 file with /x, /y and where every sample came from.

#include <cstdio>
#include <sstream>

#include "commands.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/data/hdf5_dataset.hpp"

namespace seigh::app {

namespace {

/// Plain configuration filled from the command line.
struct DatasetConfig {
  std::string dataset;
  std::string select;
  std::string split;
  std::string subset;
  data::LoadOptions load;
  std::string out;
};

OptionSpec dataset_options(DatasetConfig& c) {
  OptionSpec spec{"dataset", "mpirun -np P seigh dataset --dataset NAME --select SPLIT:N[,SPLIT:N...] [--out FILE.h5]",
                  "Load a dataset exactly as a run would and export its tensors: /x float32 [N, F] (row j = sample j),\n"
                  "/y int32 [N], /source_index int64 [N], /source_split int32 [N] and attributes (dataset, selection,\n"
                  "classes, channels/height/width, split_names, resize_recipe). Prints a one-line summary.\n\n"
                  "Datasets (--dataset):\n"
                  "  fmnist      Fashion-MNIST 28x28 (784 features), pixels uint8/255\n"
                  "  fmnist16    Fashion-MNIST resized to 16x16 (256 features) as torchvision's Resize(16)\n"
                  "              (PIL antialiased bilinear, bit-exact), then /255\n"
                  "  file:PATH   an HDF5 file with /x float [N, F] or [N, C, H, W] and /y integer [N]\n"
                  "              (also any PATH ending in .h5); its one split is 'all'\n\n"
                  "Selection: SPLIT:N takes the first N/C samples of each of the C classes (N a multiple of C),\n"
                  "SPLIT:all the whole split; items are concatenated in order, e.g. train:500,test:500.",
                  {},
                  {}};
  spec.options.add_options()
      ("dataset", po::value(&c.dataset)->required()->value_name("NAME"), "fmnist | fmnist16 | file:PATH")
      ("select", po::value(&c.select)->value_name("SEL"), "samples, e.g. train:500,test:500 or test:all")
      ("split", po::value(&c.split)->value_name("SPLIT"), "shorthand: --split S --subset N is --select S:N")
      ("subset", po::value(&c.subset)->value_name("N"), "class-balanced subset size of --split (or 'all')")
      ("data-dir", po::value(&c.load.data_dir)->value_name("DIR"),
       "directory of the Fashion-MNIST IDX .gz files (default /usr/share/datasets/fashion-mnist)")
      ("out", po::value(&c.out)->value_name("FILE.h5"), "write the tensors to this HDF5 file");
  return spec;
}

/// The selection from --select, or from the --split/--subset shorthand.
std::string resolve_selection(const po::variables_map& vm, const DatasetConfig& c) {
  require_option(!(vm.count("select") && (vm.count("split") || vm.count("subset"))),
                 "contradictory options: --select cannot be combined with --split/--subset");
  require_option(!vm.count("subset") || vm.count("split"), "--subset needs --split (or use --select SPLIT:N)");
  if (vm.count("select")) return c.select;
  require_option(vm.count("split") > 0, "give the samples with --select SPLIT:N[,...] or --split SPLIT --subset N");
  return c.split + ":" + (c.subset.empty() ? std::string("all") : c.subset);
}

std::string summary(const data::Dataset& d) {
  std::ostringstream line;
  line << "seigh dataset: " << d.name << " " << d.selection << ": N = " << d.size() << ", F = " << d.features()
       << " (" << d.sample_shape[0] << "x" << d.sample_shape[1] << "x" << d.sample_shape[2]
       << "), classes = " << d.classes << ", per class [";
  const std::vector<Index> counts = data::class_counts(d);
  for (std::size_t c = 0; c < counts.size(); ++c) line << (c ? " " : "") << counts[c];
  line << "]";
  return line.str();
}

int run_dataset(const dist::Comm& comm, const std::vector<std::string>& args) {
  DatasetConfig c;
  OptionSpec spec = dataset_options(c);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  const std::string selection = resolve_selection(*vm, c);
  // Every rank loads the dataset (as a run does); failures are agreed.
  const data::Dataset dataset = data::load_dataset(comm, c.dataset, selection, c.load);
  if (!c.out.empty()) data::write_dataset_file(comm, c.out, dataset);
  if (comm.is_root()) {
    std::printf("%s%s\n", summary(dataset).c_str(), c.out.empty() ? "" : ("; wrote " + c.out).c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Command dataset_command() {
  return {"dataset", "export the exact data tensors a run uses (HDF5 /x, /y)", run_dataset};
}

}  // namespace seigh::app
