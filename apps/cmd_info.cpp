/// \file
/// `seigh info FILE`: every dataset (shape, type) and attribute of a file
/// seigh wrote (or any HDF5 file).

#include <iostream>

#include "commands.hpp"
#include "seigh/io/describe.hpp"
#include "seigh/io/file.hpp"

namespace seigh::app {

namespace {

int run_info(const dist::Comm& comm, const std::vector<std::string>& args) {
  std::string path;
  OptionSpec spec{"info", "seigh info FILE",
                  "Print every group, dataset (shape, element type) and attribute of an HDF5 file.", {}, {}};
  spec.options.add_options()("file", po::value(&path)->required()->value_name("FILE"), "the HDF5 file");
  spec.positional.add("file", 1);
  if (!parse_options(comm, spec, args)) return kExitOk;
  const io::File file = io::File::open(comm, path);
  const auto objects = io::describe(file);
  if (comm.is_root()) std::cout << io::format_info(path, objects) << std::flush;
  return kExitOk;
}

}  // namespace

Command info_command() {
  return {"info", "print every dataset (shape, type) and attribute of an HDF5 file", run_info};
}

}  // namespace seigh::app
