#include <catch2/catch.hpp>

#include "seigh/core/error.hpp"
#include "seigh/dist/partition.hpp"

using seigh::Index;
using seigh::dist::local_range;
using seigh::dist::owner;

TEST_CASE("local_range covers [0, n) contiguously and is balanced", "[dist][partition]") {
  for (int size = 1; size <= 9; ++size) {
    for (Index n : {Index{0}, Index{1}, Index{2}, Index{3}, Index{7}, Index{10}, Index{11}, Index{7030}, Index{1000003}}) {
      INFO("n=" << n << " size=" << size);
      Index expected_begin = 0;
      Index smallest = n, largest = 0;
      for (int r = 0; r < size; ++r) {
        const auto range = local_range(r, n, size);
        CHECK(range.begin == expected_begin);
        CHECK(range.end >= range.begin);
        smallest = std::min(smallest, range.size());
        largest = std::max(largest, range.size());
        expected_begin = range.end;
      }
      CHECK(expected_begin == n);
      CHECK(largest - smallest <= 1);
    }
  }
}

TEST_CASE("owner agrees with local_range for every row", "[dist][partition]") {
  for (int size = 1; size <= 7; ++size) {
    for (Index n : {Index{1}, Index{2}, Index{5}, Index{13}, Index{64}, Index{100}}) {
      for (Index i = 0; i < n; ++i) {
        const int r = owner(i, n, size);
        INFO("n=" << n << " size=" << size << " i=" << i << " owner=" << r);
        REQUIRE(local_range(r, n, size).contains(i));
      }
    }
  }
}

TEST_CASE("fewer rows than ranks leaves trailing ranks empty", "[dist][partition]") {
  CHECK(local_range(0, 2, 3) == seigh::dist::RowRange{0, 1});
  CHECK(local_range(1, 2, 3) == seigh::dist::RowRange{1, 2});
  CHECK(local_range(2, 2, 3).size() == 0);
  CHECK(local_range(2, 2, 3).begin == 2);
}

TEST_CASE("3 ranks over 10 rows: 4, 3, 3", "[dist][partition]") {
  CHECK(local_range(0, 10, 3).size() == 4);
  CHECK(local_range(1, 10, 3).size() == 3);
  CHECK(local_range(2, 10, 3).size() == 3);
  CHECK(owner(3, 10, 3) == 0);
  CHECK(owner(4, 10, 3) == 1);
  CHECK(owner(9, 10, 3) == 2);
}

TEST_CASE("RowPartition vocabulary", "[dist][partition]") {
  const seigh::dist::RowPartition p(11, 1, 3);
  CHECK(p.global_rows() == 11);
  CHECK(p.local_rows() == 4);
  CHECK(p.row_offset() == 4);
  CHECK(p.to_global(0) == 4);
  CHECK(p.to_local(7) == 3);
  CHECK(p.owner(10) == 2);
}

TEST_CASE("invalid arguments are rejected", "[dist][partition]") {
  CHECK_THROWS_AS(local_range(3, 10, 3), seigh::Error);
  CHECK_THROWS_AS(local_range(0, -1, 3), seigh::Error);
  CHECK_THROWS_AS(local_range(0, 10, 0), seigh::Error);
  CHECK_THROWS_AS(owner(10, 10, 3), seigh::Error);
}
