// A program that fails on purpose, to prove the process-level error policy
// of apps/app_runtime.hpp: whichever rank fails, the whole job ends with a
// non-zero exit and one message, within seconds, instead of hanging.
//
//   failing_rank local       the last rank throws while the others wait in
//                            a barrier that can never complete (MPI_Abort path)
//   failing_rank collective  the last rank throws inside dist::collective
//                            (clean exit 1 on every rank, message once)
//   failing_rank nan         the last rank sees a NaN; require_finite
//                            reports it collectively
//   failing_rank local_window  as local, but the culprit unwinds through a
//                            SharedRowReducer holding a shared window (whose
//                            collective MPI_Win_free must not wait for ranks
//                            that will never come)
//   failing_rank collective_window  as collective, with such a reducer on
//                            every rank (all unwind; MPI_Finalize follows)
//   failing_rank ok          nothing fails (exit 0)
#include <cmath>
#include <iostream>
#include <string>

#include "app_runtime.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/shared_row_reducer.hpp"

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "ok";
  return seigh::app::run_mpi_program(argc, argv, [&](const seigh::dist::Comm& comm) {
    const bool culprit = comm.rank() == comm.size() - 1;
    if (mode == "local") {
      if (culprit) SEIGH_FAIL() << "injected failure on rank " << comm.rank();
      comm.barrier();  // never completes: the culprit is gone
    } else if (mode == "local_window" || mode == "collective_window") {
      const auto partition = comm.partition(1000);
      seigh::dist::SharedRowReducer<float> reducer(comm, partition);
      reducer.contribution(4).setOnes();
      seigh::MatrixF local(partition.local_rows(), 4);
      reducer.reduce(local);  // allocates the window
      if (mode == "collective_window") {
        seigh::dist::collective(comm, [&] {
          if (culprit) SEIGH_FAIL() << "injected failure on rank " << comm.rank();
        });
      }
      if (culprit) SEIGH_FAIL() << "injected failure on rank " << comm.rank();
      comm.barrier();  // never completes: the culprit is gone
    } else if (mode == "collective") {
      seigh::dist::collective(comm, [&] {
        if (culprit) SEIGH_FAIL() << "injected failure on rank " << comm.rank();
      });
    } else if (mode == "nan") {
      const double loss = culprit ? std::nan("") : 0.5;
      seigh::dist::require_finite(comm, loss, "injected loss");
    }
    comm.barrier();
    if (comm.is_root()) std::cout << "all " << comm.size() << " ranks finished\n";
    return 0;
  });
}
