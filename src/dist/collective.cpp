#include "seigh/dist/collective.hpp"

namespace seigh::dist {

namespace detail {
void agree_on_failure(const Comm& comm, const std::optional<std::string>& failure) {
  const int first_failed = comm.min(failure ? comm.rank() : comm.size());
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
