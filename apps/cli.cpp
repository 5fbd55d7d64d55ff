#include "cli.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include "seigh/dist/collective.hpp"

namespace seigh::app {

namespace {

po::variables_map parse_locally(OptionSpec& spec, const std::vector<std::string>& args) {
  po::options_description all;
  all.add(spec.options);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).positional(spec.positional).run(), vm);
    if (vm.count("config") && !vm.count("help")) {
      const std::string path = vm["config"].as<std::string>();
      std::ifstream file(path);
      if (!file) throw UsageError("cannot read config file '" + path + "'");
      // Values already stored from the command line take precedence.
      po::store(po::parse_config_file(file, all), vm);
    }
    if (!vm.count("help")) po::notify(vm);
  } catch (const UsageError&) {
    throw;
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + " (in 'seigh " + spec.command + "'; see 'seigh " + spec.command +
                     " --help')");
  }
  return vm;
}

}  // namespace

std::optional<po::variables_map> parse_options(const dist::Comm& comm, OptionSpec& spec,
                                               const std::vector<std::string>& args) {
  spec.options.add_options()("help,h", "show this help and exit")(
      "config", po::value<std::string>()->value_name("FILE"),
      "read options from an INI file (key = value); the command line overrides it");
  po::variables_map vm;
  try {
    // argv is the same on every rank, but a config file could be unreadable
    // on one node only: agree before anyone goes on.
    vm = dist::collective(comm, [&] { return parse_locally(spec, args); });
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help")) {
    if (comm.is_root()) {
      std::cout << "Usage: " << spec.usage << "\n\n" << spec.description << "\n\n" << spec.options << std::flush;
    }
    return std::nullopt;
  }
  return vm;
}

void require_exclusive(const po::variables_map& vm, const std::vector<std::string>& names) {
  std::vector<std::string> given;
  for (const auto& name : names)
    if (vm.count(name) && !vm[name].defaulted()) given.push_back("--" + name);
  if (given.size() > 1) {
    std::ostringstream message;
    message << "contradictory options: ";
    for (std::size_t i = 0; i < given.size(); ++i) message << (i ? " and " : "") << given[i];
    message << " cannot be used together";
    throw UsageError(message.str());
  }
}

void require_option(bool condition, const std::string& message) {
  if (!condition) throw UsageError(message);
}

}  // namespace seigh::app
