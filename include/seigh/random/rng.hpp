#pragma once
/// \file
/// Counter-based random state: every random number in seigh is
/// Philox4x32-10(counter, key) (Salmon, Moraes, Dror, Shaw, "Parallel random
/// numbers: as easy as 1, 2, 3", SC 2011; Random123 library), addressed by
/// *what* it is for, never by how many numbers were drawn before it. That is
/// what makes results independent of rank and thread count (DESIGN.md §3).
///
/// ## Layout of one Philox call
///
///     key     = ( seed[31:0], seed[63:32] )                 2 x 32 bits
///     counter = ( a[31:0], a[63:32], b, stream )            4 x 32 bits
///     stream  = ( role << 24 ) | user_stream                 8 + 24 bits
///
/// `RngState` is the pair {key, counter prefix} as in RandBLAS: `seed` is the
/// Philox key and `stream` the fixed last counter word. The caller of draw()
/// supplies the 96 remaining counter bits (a, b); a module that draws random
/// numbers documents its own (a, b) layout (test matrices: see
/// test_matrix.hpp). Because Philox is a bijection of the counter for each
/// key, two draws with different (a, b, stream) never return the same block
/// by construction, and distinct blocks are statistically independent.
///
/// ## Streams
///
/// The stream word is split so that named roles and user streams can never
/// collide: the top 8 bits are a `Stream` role, the low 24 bits a user
/// stream (e.g. a repetition index of an experiment). The eigensolver takes
/// one user state {seed, user_stream} and derives its test matrices
/// Ω, Ψ, Φ and its error probes from it with derive(); these four states
/// differ in the role byte, hence in every Philox counter they use.

#include <Random123/philox.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace seigh::random {

/// Named roles, stored in the top 8 bits of the stream word. `user` (0) is
/// the role of a state the user constructs; the others are reserved for the
/// eigensolver (DESIGN.md §2, SEIGH steps 1 and 5). Values 8..255 are free
/// for future roles.
enum class Stream : std::uint32_t {
  user = 0,         ///< a user state; derive() maps it to the roles below
  omega = 1,        ///< outer test matrix Ω (D x o)
  psi = 2,          ///< inner test matrix Ψ, stored as Ψᵀ (D x s)
  phi = 3,          ///< inner test matrix Φ, stored as Φᵀ (D x s)
  error_probe = 4,  ///< Gaussian probes g_j of the a-posteriori error estimate
  init = 5,         ///< initial network parameters (nn module)
  sampler = 6,      ///< training-batch sampling order (nn module)
  mask = 7,         ///< random masks of the overlap control (metrics module)
};

/// Bits of the stream word available to the user stream.
inline constexpr int kUserStreamBits = 24;
/// Largest user stream (2^24 - 1).
inline constexpr std::uint32_t kMaxUserStream = (std::uint32_t{1} << kUserStreamBits) - 1;

/// {key, counter prefix} of a Philox stream. A plain value: functions take it
/// by value or const reference and never modify or advance it.
struct RngState {
  std::uint64_t seed = 0;    ///< Philox key
  std::uint32_t stream = 0;  ///< last counter word: (role << 24) | user stream
  friend bool operator==(const RngState&, const RngState&) = default;
};

/// The role byte of a state.
[[nodiscard]] constexpr Stream role_of(const RngState& state) {
  return static_cast<Stream>(state.stream >> kUserStreamBits);
}
/// The user-stream bits of a state.
[[nodiscard]] constexpr std::uint32_t user_stream_of(const RngState& state) { return state.stream & kMaxUserStream; }

/// A user state {seed, user_stream} with role `user`. Throws seigh::Error if
/// user_stream > kMaxUserStream (it would spill into the role byte).
[[nodiscard]] RngState make_rng_state(std::uint64_t seed, std::uint32_t user_stream = 0);

/// The state of `role` derived from a user state: same seed and user stream,
/// role byte set. The map (user_stream, role) -> stream word is injective, so
/// derived states of one seed never share a Philox counter. Throws
/// seigh::Error if `base` already has a role (deriving twice would silently
/// alias another role) or if `role` is `user`.
[[nodiscard]] RngState derive(const RngState& base, Stream role);

/// "user", "omega", "psi", "phi", "error-probe", "init", "sampler", "mask", or
/// "unnamed-role" for values without a name.
[[nodiscard]] std::string_view name(Stream role);

using PhiloxCounter = std::array<std::uint32_t, 4>;
using PhiloxKey = std::array<std::uint32_t, 2>;
using PhiloxBlock = std::array<std::uint32_t, 4>;

/// Philox4x32 with 10 rounds (Random123's `r123::Philox4x32`): 128 random
/// bits from a 128-bit counter and a 64-bit key. Pure function.
[[nodiscard]] inline PhiloxBlock philox4x32_10(const PhiloxCounter& counter, const PhiloxKey& key) {
  const r123::Philox4x32::ctr_type c = {{counter[0], counter[1], counter[2], counter[3]}};
  const r123::Philox4x32::key_type k = {{key[0], key[1]}};
  const r123::Philox4x32::ctr_type r = r123::Philox4x32{}(c, k);
  return {r[0], r[1], r[2], r[3]};
}

/// Philox key of a state: (seed[31:0], seed[63:32]).
[[nodiscard]] constexpr PhiloxKey key_of(const RngState& state) {
  return {static_cast<std::uint32_t>(state.seed), static_cast<std::uint32_t>(state.seed >> 32)};
}

/// Philox counter for the caller's address (a, b) in a state's stream:
/// (a[31:0], a[63:32], b, stream).
[[nodiscard]] constexpr PhiloxCounter counter_of(const RngState& state, std::uint64_t a, std::uint32_t b) {
  return {static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(a >> 32), b, state.stream};
}

/// The 128 random bits at address (a, b) of a state's stream.
[[nodiscard]] inline PhiloxBlock draw(const RngState& state, std::uint64_t a, std::uint32_t b) {
  return philox4x32_10(counter_of(state, a, b), key_of(state));
}

/// A uniform number in the open interval (0, 1) from 64 random bits
/// (`hi` supplies the high word): the top 52 bits k give (k + 1/2) · 2^-52,
/// i.e. the midpoints of a grid of 2^52 cells. Every value is exact in
/// double, the smallest is 2^-53 and the largest 1 - 2^-53, so log(u) and
/// log(1 - u) are always finite (Box–Muller needs u > 0).
[[nodiscard]] constexpr double uniform_open01(std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 32) | lo;
  return (static_cast<double>(bits >> 12) + 0.5) * 0x1p-52;
}

}  // namespace seigh::random
