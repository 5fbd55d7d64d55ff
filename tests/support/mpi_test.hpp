#pragma once
// Shared helpers for MPI tests.
#include "seigh/dist/comm.hpp"

namespace seigh::test {
/// A communicator over MPI_COMM_WORLD shared by the test cases of one
/// executable (created on first use, after MPI_Init).
inline const dist::Comm& world() {
  static const dist::Comm comm(MPI_COMM_WORLD);
  return comm;
}
}  // namespace seigh::test
