#include <catch2/catch.hpp>

#include "seigh/core/error.hpp"

namespace {
int checked_sqrt_input(int k, int n) {
  SEIGH_REQUIRE(k <= n) << "k=" << k << " exceeds n=" << n;
  return k;
}
}  // namespace

TEST_CASE("SEIGH_REQUIRE passes through when the condition holds", "[core]") {
  CHECK(checked_sqrt_input(3, 5) == 3);
}

TEST_CASE("SEIGH_REQUIRE throws seigh::Error with the streamed context", "[core]") {
  try {
    checked_sqrt_input(7, 5);
    FAIL("no exception");
  } catch (const seigh::Error& e) {
    CHECK(std::string(e.what()) == "k=7 exceeds n=5");
    CHECK_FALSE(e.collective());
  }
}

TEST_CASE("SEIGH_REQUIRE without context names the condition", "[core]") {
  const int k = 2;
  try {
    SEIGH_REQUIRE(k == 3);
    FAIL("no exception");
  } catch (const seigh::Error& e) {
    CHECK(std::string(e.what()) == "requirement failed: k == 3");
  }
}

TEST_CASE("SEIGH_REQUIRE binds correctly inside an unbraced if/else", "[core]") {
  int branch = 0;
  const bool outer = false;
  if (outer)
    SEIGH_REQUIRE(false) << "must not run";
  else
    branch = 2;
  CHECK(branch == 2);
}

TEST_CASE("SEIGH_FAIL always throws", "[core]") {
  CHECK_THROWS_AS([] { SEIGH_FAIL() << "cannot open " << "x.h5"; }(), seigh::Error);
  CHECK_THROWS_WITH([] { SEIGH_FAIL() << "cannot open " << "x.h5"; }(), "cannot open x.h5");
}
