#include <catch2/catch.hpp>

#include <set>

#include "seigh/core/error.hpp"
#include "seigh/random/rng.hpp"

using seigh::random::derive;
using seigh::random::make_rng_state;
using seigh::random::PhiloxBlock;
using seigh::random::PhiloxCounter;
using seigh::random::PhiloxKey;
using seigh::random::RngState;
using seigh::random::Stream;

TEST_CASE("Philox4x32-10 reproduces Random123's known-answer vectors", "[random][rng]") {
  // Independent truth: the three "philox4x32 10" lines of tests/kat_vectors in
  // the Random123 sources (DEShawResearch/random123, v1.14; the file is not
  // shipped by the Debian package). Columns: counter (4 words), key (2 words),
  // expected output (4 words).
  struct Kat {
    PhiloxCounter counter;
    PhiloxKey key;
    PhiloxBlock expected;
  };
  const Kat kats[] = {
      {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
       {0x00000000, 0x00000000},
       {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& kat : kats) {
    INFO("counter[0]=" << std::hex << kat.counter[0] << " key[0]=" << kat.key[0]);
    CHECK(seigh::random::philox4x32_10(kat.counter, kat.key) == kat.expected);
  }
}

TEST_CASE("draw() uses the documented counter/key layout", "[random][rng]") {
  // key = (seed_lo, seed_hi), counter = (a_lo, a_hi, b, stream): checked with
  // the second KAT vector, which has every bit set.
  const RngState state{0xffffffffffffffffULL, 0xffffffffu};
  CHECK(seigh::random::draw(state, 0xffffffffffffffffULL, 0xffffffffu) ==
        PhiloxBlock{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  const RngState pi{0x299f31d0a4093822ULL, 0x03707344u};
  CHECK(seigh::random::draw(pi, 0x85a308d3243f6a88ULL, 0x13198a2eu) ==
        PhiloxBlock{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
  CHECK(seigh::random::key_of(pi) == PhiloxKey{0xa4093822, 0x299f31d0});
  CHECK(seigh::random::counter_of(pi, 0x0000000200000001ULL, 3) == PhiloxCounter{1, 2, 3, 0x03707344u});
}

TEST_CASE("uniform_open01 stays strictly inside (0, 1)", "[random][rng]") {
  using seigh::random::uniform_open01;
  CHECK(uniform_open01(0, 0) == 0x1p-53);
  CHECK(uniform_open01(0xffffffffu, 0xffffffffu) == 1.0 - 0x1p-53);
  CHECK(uniform_open01(0, 0x80000000u) == 0.5 + 0x1p-53);
  // The low 12 bits are dropped (52-bit grid), so they do not change u.
  CHECK(uniform_open01(0xfffu, 0x12345678u) == uniform_open01(0, 0x12345678u));
  CHECK(uniform_open01(0x1000u, 0x12345678u) > uniform_open01(0, 0x12345678u));
}

TEST_CASE("derived roles and user streams give distinct stream words", "[random][rng]") {
  const RngState user = make_rng_state(42, 7);
  CHECK(user.seed == 42);
  CHECK(user.stream == 7);
  CHECK(seigh::random::role_of(user) == Stream::user);

  std::set<std::uint32_t> words{user.stream};
  for (const Stream role : {Stream::omega, Stream::psi, Stream::phi, Stream::error_probe}) {
    const RngState derived = derive(user, role);
    INFO("role " << seigh::random::name(role));
    CHECK(derived.seed == user.seed);
    CHECK(seigh::random::role_of(derived) == role);
    CHECK(seigh::random::user_stream_of(derived) == 7);
    CHECK(derived.stream == ((static_cast<std::uint32_t>(role) << 24) | 7u));
    CHECK(derive(user, role) == derived);  // pure: same input, same output
    words.insert(derived.stream);
    // Another user stream never reaches a role's word, even the largest one.
    CHECK(derive(make_rng_state(42, seigh::random::kMaxUserStream), role).stream != derived.stream);
  }
  CHECK(words.size() == 5);
  CHECK(user == make_rng_state(42, 7));  // derive() left its argument alone
}

TEST_CASE("stream names", "[random][rng]") {
  CHECK(seigh::random::name(Stream::omega) == "omega");
  CHECK(seigh::random::name(Stream::psi) == "psi");
  CHECK(seigh::random::name(Stream::phi) == "phi");
  CHECK(seigh::random::name(Stream::error_probe) == "error-probe");
  CHECK(seigh::random::name(Stream::user) == "user");
}

TEST_CASE("invalid stream requests are rejected", "[random][rng]") {
  CHECK_THROWS_AS(make_rng_state(1, seigh::random::kMaxUserStream + 1), seigh::Error);
  const RngState user = make_rng_state(1, 3);
  CHECK_THROWS_AS(derive(user, Stream::user), seigh::Error);
  CHECK_THROWS_WITH(derive(derive(user, Stream::omega), Stream::psi), Catch::Contains("already has role 'omega'"));
  CHECK_THROWS_AS(derive(user, static_cast<Stream>(256)), seigh::Error);
}
