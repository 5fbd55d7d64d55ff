// Catch2 v2 main for MPI tests.
//
// Every rank runs every test case in declared order (Catch2's default), so
// collectives inside test cases match up. Output of ranks other than 0 is
// buffered and printed only if that rank failed, so a 3-rank run reads like
// a 1-rank run unless something differs between ranks. The exit code is the
// worst over all ranks.
#define CATCH_CONFIG_RUNNER
#include <mpi.h>

#include <catch2/catch.hpp>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);

  std::ostringstream buffered;
  std::streambuf* original = nullptr;
  if (rank != 0) original = std::cout.rdbuf(buffered.rdbuf());

  Catch::Session session;
  int result = session.applyCommandLine(argc, argv);
  if (result == 0) result = session.run();

  if (rank != 0) {
    std::cout.rdbuf(original);
    if (result != 0) std::cout << "\n---- output of rank " << rank << " ----\n" << buffered.str() << std::flush;
  }
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}
