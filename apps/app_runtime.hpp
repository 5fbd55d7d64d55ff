#pragma once
/// \file
/// The process-level error policy of every seigh executable (DESIGN.md §3:
/// "errors are collective").
///
/// - A *collective* seigh::Error (all ranks agreed on it through
///   dist::collective) is printed once by rank 0 and every rank exits
///   normally with a non-zero code: no MPI_Abort banner, no hang.
/// - Any other exception may be *local*. The failing rank waits up to 3 s
///   on a non-blocking barrier of a communicator reserved for failures: if
///   every rank arrives (they all failed, typically on the same bad input
///   checked identically everywhere), rank 0 prints the lowest rank's
///   message once and all exit normally with code 1. Otherwise the failure
///   really is local: the rank prints its message with its rank number and
///   calls MPI_Abort, which ends every rank of the job (the others may be
///   blocked in a collective that will never match).
/// Exit codes: 0 success, 1 runtime error, 2 usage error.

#include <functional>
#include <string>

#include "seigh/core/error.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::app {

/// A command-line mistake (unknown option, bad value, contradictory
/// options): collective by construction, exit code 2.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, /*collective=*/true) {}
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// Initialise MPI, run `body` on a duplicated MPI_COMM_WORLD, apply the
/// error policy above, finalise MPI and return the process exit code.
int run_mpi_program(int argc, char** argv, const std::function<int(const dist::Comm&)>& body);

}  // namespace seigh::app
