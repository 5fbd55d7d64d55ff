#pragma once
/// \file
/// The subcommands of `seigh`; each lives in its own cmd_<name>.cpp.
#include <vector>

#include "cli.hpp"

namespace seigh::app {

Command info_command();
Command eig_command();
Command dataset_command();
Command train_command();
Command overlap_command();
Command hessian_command();

/// All subcommands in the order `seigh --help` lists them.
inline std::vector<Command> registered_commands() { return {train_command(), hessian_command(), eig_command(), overlap_command(), dataset_command(), info_command()}; }

}  // namespace seigh::app
