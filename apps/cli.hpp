#pragma once
/// \file
/// Command-line plumbing shared by the subcommands. Boost.Program_options
/// lives only in apps/ (STYLE.md): each subcommand declares its options,
/// parses them here and fills a plain Config struct for the library.
///
/// Every subcommand accepts --help and --config FILE (INI form, `key = value`
/// with the long option names; the command line overrides the file).

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app_runtime.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::app {

namespace po = boost::program_options;

/// One subcommand: `seigh NAME ...`.
struct Command {
  std::string name;
  std::string summary;
  /// Runs the subcommand on `args` (everything after NAME). Collective.
  std::function<int(const dist::Comm&, const std::vector<std::string>&)> run;
};

/// What a subcommand parses against.
struct OptionSpec {
  std::string command;  ///< e.g. "info"
  std::string usage;    ///< e.g. "seigh info FILE"
  std::string description;
  po::options_description options{"Options"};
  po::positional_options_description positional;
};

/// Parse `args` against `spec`, adding --help and --config. Returns nullopt
/// if --help was given (the help has then been printed by rank 0). Any
/// mistake throws UsageError on every rank. Collective.
std::optional<po::variables_map> parse_options(const dist::Comm& comm, OptionSpec& spec,
                                               const std::vector<std::string>& args);

/// Throws UsageError unless at most one of `names` was given.
void require_exclusive(const po::variables_map& vm, const std::vector<std::string>& names);

/// Throws UsageError naming the option unless `condition` holds.
void require_option(bool condition, const std::string& message);

}  // namespace seigh::app
