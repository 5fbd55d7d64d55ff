// seigh info FILE: placeholder until the io module lands (filled in below).
#include "commands.hpp"
namespace seigh::app {
Command info_command() {
  return {"info", "print every dataset (shape, type) and attribute of a file seigh wrote",
          [](const dist::Comm& comm, const std::vector<std::string>& args) {
            OptionSpec spec{"info", "seigh info FILE", "Print every dataset and attribute of an HDF5 file.", {}, {}};
            spec.options.add_options()("file", po::value<std::string>()->required(), "the HDF5 file");
            spec.positional.add("file", 1);
            auto vm = parse_options(comm, spec, args);
            if (!vm) return kExitOk;
            return kExitOk;
          }};
}
}  // namespace seigh::app
