/// \file
/// `seigh`: the command-line front end. Thin: it parses options into the
/// library's plain Config structs and calls the library (STYLE.md).

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "app_runtime.hpp"
#include "cli.hpp"
#include "commands.hpp"
#include "seigh/core/version.hpp"

namespace {

using seigh::app::Command;

std::vector<Command> all_commands() { return seigh::app::registered_commands(); }

void print_overview(std::ostream& out) {
  out << "Usage: mpirun -np P seigh COMMAND [OPTIONS]\n\n"
         "Top Hessian eigenspaces of neural networks with sketched methods (SEIGH).\n\nCommands:\n";
  for (const auto& command : all_commands()) out << "  " << command.name << std::string(10 - command.name.size(), ' ') << command.summary << "\n";
  out << "\nRun 'seigh COMMAND --help' for the options of a command.\n";
}

int dispatch(const seigh::dist::Comm& comm, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (comm.is_root()) print_overview(std::cout);
    return args.empty() ? seigh::app::kExitUsage : seigh::app::kExitOk;
  }
  if (args[0] == "--version") {
    if (comm.is_root()) std::cout << seigh::version_string() << "\n";
    return seigh::app::kExitOk;
  }
  for (const auto& command : all_commands()) {
    if (command.name == args[0]) return command.run(comm, std::vector<std::string>(args.begin() + 1, args.end()));
  }
  std::string names;
  for (const auto& command : all_commands()) names += (names.empty() ? "" : ", ") + command.name;
  throw seigh::app::UsageError("unknown command '" + args[0] + "' (commands: " + names + "; see 'seigh --help')");
}

}  // namespace

int main(int argc, char** argv) {
  return seigh::app::run_mpi_program(argc, argv,
                                     [&](const seigh::dist::Comm& comm) { return dispatch(comm, argc, argv); });
}
