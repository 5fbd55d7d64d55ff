#pragma once
// Runs `body`, which must throw seigh::Error, and returns the error for
// inspection (message, collective flag).
#include <catch2/catch.hpp>

#include "seigh/core/error.hpp"

namespace seigh::test {

template <class Body>
seigh::Error expect_error(Body&& body) {
  try {
    body();
  } catch (const seigh::Error& e) {
    return e;
  }
  FAIL("no seigh::Error thrown");
  return seigh::Error("unreachable");
}

}  // namespace seigh::test
