#include "seigh/dist/collective.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace seigh::dist {

namespace {

/// MPI_MIN of one int over `comm` without occupying a core while waiting.
/// A rank that reaches a collective section early — e.g. every rank but 0
/// while rank 0 alone runs the exact path's dense eigensolver for a minute —
/// would otherwise busy-poll inside MPI_Allreduce and take a core from the
/// working rank's BLAS threads or from other jobs on the node. It polls
/// for 200 µs (fast agreements cost nothing extra), then sleeps with
/// exponential backoff up to 2 ms between polls.
int min_without_spinning(const Comm& comm, int value) {
  using Clock = std::chrono::steady_clock;
  int result = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(&value, &result, 1, MPI_INT, MPI_MIN, comm.raw(), &request), "MPI_Iallreduce");
  const auto spin_until = Clock::now() + std::chrono::microseconds(200);
  auto pause = std::chrono::microseconds(50);
  for (;;) {
    int done = 0;
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done != 0) return result;
    if (Clock::now() < spin_until) continue;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(2000));
  }
}

}  // namespace

namespace detail {
void agree_on_failure(const Comm& comm, const std::optional<std::string>& failure) {
  const int first_failed = min_without_spinning(comm, failure ? comm.rank() : comm.size());
  if (first_failed == comm.size()) return;
  std::string message = comm.broadcast_string(failure ? *failure : std::string(), first_failed);
  throw Error(message, /*collective=*/true);
}
}  // namespace detail

void require_all(const Comm& comm, bool ok, const std::string& message) {
  detail::agree_on_failure(comm, ok ? std::nullopt : std::optional<std::string>(message));
}

void require_finite(const Comm& comm, double value, const std::string& what) {
  if (std::isfinite(value)) {
    require_all(comm, true, {});
  } else {
    require_all(comm, false, what + " is not finite (" + std::to_string(value) + ")");
  }
}

}  // namespace seigh::dist
