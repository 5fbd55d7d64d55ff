#include "seigh/random/rng.hpp"

#include "seigh/core/error.hpp"

namespace seigh::random {

RngState make_rng_state(std::uint64_t seed, std::uint32_t user_stream) {
  SEIGH_REQUIRE(user_stream <= kMaxUserStream)
      << "user stream " << user_stream << " exceeds " << kMaxUserStream << " (the top " << (32 - kUserStreamBits)
      << " bits of the stream word hold the role)";
  return RngState{seed, user_stream};
}

RngState derive(const RngState& base, Stream role) {
  SEIGH_REQUIRE(role != Stream::user) << "derive: the target role must not be 'user'";
  SEIGH_REQUIRE(static_cast<std::uint32_t>(role) <= (0xFFFFFFFFu >> kUserStreamBits))
      << "derive: role " << static_cast<std::uint32_t>(role) << " does not fit the role byte";
  // Deriving from a derived state would replace its role and so alias the
  // stream of another role of the same user state.
  SEIGH_REQUIRE(role_of(base) == Stream::user)
      << "derive: state already has role '" << name(role_of(base)) << "'; derive from the user state";
  return RngState{base.seed, (static_cast<std::uint32_t>(role) << kUserStreamBits) | user_stream_of(base)};
}

std::string_view name(Stream role) {
  switch (role) {
    case Stream::user: return "user";
    case Stream::omega: return "omega";
    case Stream::psi: return "psi";
    case Stream::phi: return "phi";
    case Stream::error_probe: return "error-probe";
    case Stream::init: return "init";
    case Stream::sampler: return "sampler";
    case Stream::mask: return "mask";
  }
  return "unnamed-role";
}

}  // namespace seigh::random
