/// \file
/// `seigh info FILE`: every dataset (shape, type) and attribute of a file
/// seigh wrote (or any HDF5 file). `seigh info --model SPEC`: the model a
/// spec (or a preset such as 3c3d) builds: its canonical spec, layers,
/// shapes and parameter count D.

#include <iostream>

#include "commands.hpp"
#include "seigh/io/describe.hpp"
#include "seigh/io/file.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::app {

namespace {

/// "892,010".
std::string with_commas(Index value) {
  std::string digits = std::to_string(value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(static_cast<std::size_t>(at), ",");
  return digits;
}

int run_info(const dist::Comm& comm, const std::vector<std::string>& args) {
  std::string path;
  std::string model_spec;
  OptionSpec spec{"info", "seigh info FILE | seigh info --model SPEC",
                  "Print every group, dataset (shape, element type) and attribute of an HDF5 file; or, with --model,\n"
                  "the layers, shapes and parameter count of a model spec.",
                  {},
                  {}};
  spec.options.add_options()("file", po::value(&path)->value_name("FILE"), "the HDF5 file")(
      "model", po::value(&model_spec)->value_name("SPEC"),
      "a model spec or preset, e.g. 3c3d or mlp(256-20-20-20-20-20-10,tanh)");
  spec.positional.add("file", 1);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  require_option(vm->count("file") + vm->count("model") == 1, "give either FILE or --model SPEC");
  if (!model_spec.empty()) {
    const nn::Model model = nn::parse_model_spec(model_spec);
    if (comm.is_root()) {
      std::cout << "model " << model_spec << "\n"
                << "spec " << model.spec() << "\n"
                << "input " << nn::to_string(model.input_shape()) << ", " << model.output_size() << " outputs, D = "
                << with_commas(model.parameter_count()) << " parameters\n"
                << model.describe() << std::flush;
    }
    return kExitOk;
  }
  const io::File file = io::File::open(comm, path);
  const auto objects = io::describe(file);
  if (comm.is_root()) std::cout << io::format_info(path, objects) << std::flush;
  return kExitOk;
}

}  // namespace

Command info_command() {
  return {"info", "print every dataset (shape, type) and attribute of an HDF5 file, or a model's layers and size",
          run_info};
}

}  // namespace seigh::app
