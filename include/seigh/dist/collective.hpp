#pragma once
/// \file
/// Collective error agreement (DESIGN.md §3, "errors are collective").
///
/// `collective(comm, body)` runs `body` on every rank and then agrees on the
/// outcome with one allreduce: if any rank threw, *every* rank throws the
/// same seigh::Error (the message of the lowest failing rank) marked
/// collective, so the application can print it once (rank 0) and exit
/// cleanly instead of aborting. Use it around steps whose failure may be
/// rank-local: opening and reading files, parsing input, NaN checks.
///
/// An error thrown *outside* such a section is local; the application then
/// prints it with the rank and calls MPI_Abort so no other rank is left
/// waiting in a collective (see apps/main.cpp).

#include <cmath>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "seigh/core/error.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::dist {

namespace detail {
/// Collective: given this rank's failure message (empty optional = ok),
/// throws a collective Error on all ranks if any rank failed.
void agree_on_failure(const Comm& comm, const std::optional<std::string>& failure);
}  // namespace detail

/// Run `body` on all ranks and agree on failure. Collective.
template <class Body>
auto collective(const Comm& comm, Body&& body) -> std::invoke_result_t<Body> {
  using Result = std::invoke_result_t<Body>;
  std::optional<std::string> failure;
  if constexpr (std::is_void_v<Result>) {
    try {
      std::forward<Body>(body)();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    detail::agree_on_failure(comm, failure);
  } else {
    std::optional<Result> result;
    try {
      result.emplace(std::forward<Body>(body)());
    } catch (const std::exception& e) {
      failure = e.what();
    }
    detail::agree_on_failure(comm, failure);
    return std::move(*result);
  }
}

/// Collective check of a condition that may differ between ranks: throws a
/// collective Error with `message` (from the lowest failing rank) on all
/// ranks if `ok` is false on any rank.
void require_all(const Comm& comm, bool ok, const std::string& message);

/// Collective: throws a collective Error naming `what` if `value` is not
/// finite on any rank (NaN/Inf detection before it propagates).
void require_finite(const Comm& comm, double value, const std::string& what);

}  // namespace seigh::dist
