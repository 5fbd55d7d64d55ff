#include "seigh/dist/partition.hpp"

#include "seigh/core/error.hpp"

namespace seigh::dist {

RowRange local_range(int rank, Index n, int size) {
  SEIGH_REQUIRE(size >= 1) << "local_range: size=" << size << " must be >= 1";
  SEIGH_REQUIRE(rank >= 0 && rank < size) << "local_range: rank=" << rank << " outside [0, " << size << ")";
  SEIGH_REQUIRE(n >= 0) << "local_range: n=" << n << " must be >= 0";
  const Index base = n / size;
  const Index extra = n % size;  // the first `extra` ranks get base + 1 rows
  const Index r = rank;
  const Index begin = r * base + (r < extra ? r : extra);
  const Index count = base + (r < extra ? 1 : 0);
  return {begin, begin + count};
}

int owner(Index i, Index n, int size) {
  SEIGH_REQUIRE(i >= 0 && i < n) << "owner: row " << i << " outside [0, " << n << ")";
  SEIGH_REQUIRE(size >= 1) << "owner: size=" << size << " must be >= 1";
  const Index base = n / size;
  const Index extra = n % size;
  const Index big_rows = extra * (base + 1);  // rows held by the larger ranks
  if (i < big_rows) return static_cast<int>(i / (base + 1));
  return static_cast<int>(extra + (i - big_rows) / base);
}

RowPartition::RowPartition(Index global_rows, int rank, int size)
    : n_(global_rows), rank_(rank), size_(size), range_(local_range(rank, global_rows, size)) {}

}  // namespace seigh::dist
