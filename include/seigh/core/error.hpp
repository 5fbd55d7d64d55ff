#pragma once
/// \file
/// The one library error type and the SEIGH_REQUIRE / SEIGH_FAIL checks.
///
///     SEIGH_REQUIRE(k <= n) << "k=" << k << " exceeds n=" << n;
///     SEIGH_FAIL() << "cannot open " << path;
///
/// Both throw seigh::Error. An Error is *local* (one rank knows about it)
/// unless it was produced by dist::collective(), which agrees on a failure
/// across all ranks; apps use that flag to decide between a clean collective
/// exit and MPI_Abort (see apps/main.cpp and DESIGN.md §3).

#include <sstream>
#include <stdexcept>
#include <string>

namespace seigh {

/// The library's single exception type.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, bool collective = false)
      : std::runtime_error(message), collective_(collective) {}

  /// True when every rank of the communicator threw this same error
  /// (so it is safe to exit without MPI_Abort and print it once).
  [[nodiscard]] bool collective() const noexcept { return collective_; }

 private:
  bool collective_;
};

namespace detail {

/// Collects the context streamed after SEIGH_REQUIRE / SEIGH_FAIL.
class MessageStream {
 public:
  template <class T>
  MessageStream& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[nodiscard]] std::string str() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
};

/// Throws when combined with a MessageStream. `operator&` binds more loosely
/// than `<<`, so the whole streamed context is collected before the throw.
struct Thrower {
  const char* condition;  // nullptr for SEIGH_FAIL
  [[noreturn]] void operator&(const MessageStream& context) const {
    std::string message = context.str();
    if (condition != nullptr) {
      if (message.empty()) {
        message = std::string("requirement failed: ") + condition;
      }
    }
    throw Error(message);
  }
};

}  // namespace detail
}  // namespace seigh

/// Throw seigh::Error with the streamed context unless `cond` holds.
#define SEIGH_REQUIRE(cond)             \
  if (static_cast<bool>(cond)) {        \
  } else                                \
    ::seigh::detail::Thrower{#cond} & ::seigh::detail::MessageStream()

/// Throw seigh::Error with the streamed context.
#define SEIGH_FAIL() ::seigh::detail::Thrower{nullptr} & ::seigh::detail::MessageStream()
