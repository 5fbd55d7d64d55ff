#include "app_runtime.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <exception>
#include <iostream>

namespace seigh::app {

namespace {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

/// A communicator used only on the failure path, so the agreement below can
/// never be matched against a collective of the program itself.
MPI_Comm failure_comm = MPI_COMM_NULL;

/// How long a failing rank waits for the others to fail too.
constexpr double kAgreementSeconds = 3.0;

/// True if every rank of the job reaches this point within
/// kAgreementSeconds — i.e. all ranks failed (typically on the same bad
/// input, checked identically everywhere). A non-blocking barrier polled
/// with a deadline: a rank that is still computing, or blocked in a
/// collective the failed ranks will never join, simply does not arrive.
bool all_ranks_failed() {
  if (failure_comm == MPI_COMM_NULL) return false;
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(failure_comm, &request) != MPI_SUCCESS) return false;
  const auto start = std::chrono::steady_clock::now();
  int done = 0;
  while (true) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return true;
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > kAgreementSeconds)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

/// After all_ranks_failed(): the message of the lowest rank, on every rank.
std::string lowest_rank_message(const std::string& mine) {
  int rank = world_rank();
  int lowest = 0;
  MPI_Allreduce(&rank, &lowest, 1, MPI_INT, MPI_MIN, failure_comm);
  long long length = static_cast<long long>(mine.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, lowest, failure_comm);
  std::string message = rank == lowest ? mine : std::string(static_cast<std::size_t>(length), '\0');
  if (length > 0) MPI_Bcast(message.data(), static_cast<int>(length), MPI_CHAR, lowest, failure_comm);
  return message;
}

/// Local failure: print with the rank, then end the whole job.
[[noreturn]] void abort_job(const std::string& message) {
  std::cerr << "seigh: error";
  if (world_size() > 1) std::cerr << " (rank " << world_rank() << " of " << world_size() << ")";
  std::cerr << ": " << message << std::endl;
  MPI_Abort(MPI_COMM_WORLD, kExitFailure);
  std::_Exit(kExitFailure);  // MPI_Abort does not return; belt and braces.
}

}  // namespace

int run_mpi_program(int argc, char** argv, const std::function<int(const dist::Comm&)>& body) {
  MPI_Init(&argc, &argv);
  MPI_Comm_dup(MPI_COMM_WORLD, &failure_comm);
  int exit_code = kExitOk;
  try {
    const dist::Comm comm(MPI_COMM_WORLD);
    exit_code = body(comm);
  } catch (const UsageError& e) {
    if (world_rank() == 0) std::cerr << "seigh: " << e.what() << std::endl;
    exit_code = kExitUsage;
  } catch (const Error& e) {
    std::string message = e.what();
    if (!e.collective()) {
      // Checks done identically on every rank (bad options, a missing
      // file) fail on every rank: agree on that and exit cleanly. Anything
      // else is a genuine local failure and ends the job.
      if (!all_ranks_failed()) abort_job(message);
      message = lowest_rank_message(message);
    }
    if (world_rank() == 0) std::cerr << "seigh: error: " << message << std::endl;
    exit_code = kExitFailure;
  } catch (const std::bad_alloc&) {
    abort_job("out of memory");
  } catch (const std::exception& e) {
    if (!all_ranks_failed()) abort_job(e.what());
    const std::string message = lowest_rank_message(e.what());
    if (world_rank() == 0) std::cerr << "seigh: error: " << message << std::endl;
    exit_code = kExitFailure;
  }
  MPI_Comm_free(&failure_comm);
  MPI_Finalize();
  return exit_code;
}

}  // namespace seigh::app
