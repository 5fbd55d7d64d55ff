#include "app_runtime.hpp"

#include <mpi.h>

#include <cstdio>
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
  int exit_code = kExitOk;
  try {
    const dist::Comm comm(MPI_COMM_WORLD);
    exit_code = body(comm);
  } catch (const UsageError& e) {
    if (world_rank() == 0) std::cerr << "seigh: " << e.what() << std::endl;
    exit_code = kExitUsage;
  } catch (const Error& e) {
    if (!e.collective()) abort_job(e.what());
    if (world_rank() == 0) std::cerr << "seigh: error: " << e.what() << std::endl;
    exit_code = kExitFailure;
  } catch (const std::bad_alloc&) {
    abort_job("out of memory");
  } catch (const std::exception& e) {
    abort_job(e.what());
  }
  MPI_Finalize();
  return exit_code;
}

}  // namespace seigh::app
