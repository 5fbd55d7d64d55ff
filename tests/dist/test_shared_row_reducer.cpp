#include <catch2/catch.hpp>

#include <cstdlib>

#include "mpi_test.hpp"
#include "seigh/dist/shared_row_reducer.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::dist::ReduceTransport;
using seigh::dist::SharedRowReducer;
using seigh::test::world;

namespace {
/// Rank r's entry (i, j) in call `call`: integers below 2^24, so float sums
/// are exact and the expected sum has a closed form.
double entry(int r, Index i, Index j, int call) { return (r + 1) * 100000.0 + 100.0 * i + 10.0 * j + call; }
double entry_sum(int size, Index i, Index j, int call) {
  return 100000.0 * size * (size + 1) / 2 + size * (100.0 * i + 10.0 * j + call);
}

/// Runs `calls` reductions of widths `widths` through one reducer and checks
/// every rank's rows of every sum.
template <class Scalar>
void check_reductions(ReduceTransport transport, Index n, const std::vector<Index>& widths,
                      std::size_t chunk_bytes = seigh::dist::Comm::kReduceChunkBytes) {
  const auto& comm = world();
  const auto partition = comm.partition(n);
  SharedRowReducer<Scalar> reducer(comm, partition, transport, chunk_bytes);
  if (transport == ReduceTransport::shared_memory) CHECK(reducer.shared());
  if (transport == ReduceTransport::message_passing) CHECK_FALSE(reducer.shared());
  int call = 0;
  for (Index b : widths) {
    ++call;
    auto block = reducer.contribution(b);
    REQUIRE(block.rows() == n);
    REQUIRE(block.cols() == b);
    for (Index j = 0; j < b; ++j)
      for (Index i = 0; i < n; ++i) block(i, j) = static_cast<Scalar>(entry(comm.rank(), i, j, call));
    seigh::Matrix<Scalar> local(partition.local_rows(), b);
    local.setConstant(Scalar(-1));
    reducer.reduce(local);
    Index wrong = 0;
    for (Index j = 0; j < b; ++j)
      for (Index i = 0; i < partition.local_rows(); ++i)
        if (local(i, j) != static_cast<Scalar>(entry_sum(comm.size(), partition.row_offset() + i, j, call))) ++wrong;
    INFO("n = " << n << ", b = " << b << ", call " << call << ", chunk " << chunk_bytes << " bytes");
    CHECK(wrong == 0);
  }
}
}  // namespace

TEST_CASE("SharedRowReducer through a shared window leaves each rank its rows of the sum", "[dist][reduce]") {
  // Growing (3 -> 5), shrinking (5 -> 2, the window kept) and regrowing
  // widths; n from fewer rows than ranks to more than one run of 4096 rows.
  for (Index n : {Index{1}, Index{2}, Index{7}, Index{9001}}) {
    check_reductions<float>(ReduceTransport::shared_memory, n, {3, 5, 2, 5, 8, 0, 1});
    check_reductions<double>(ReduceTransport::shared_memory, n, {1, 4, 4});
  }
}

TEST_CASE("SharedRowReducer in many rounds: small slots, ragged last round, more rows than a slot holds",
          "[dist][reduce]") {
  // 100-byte rounds: 8 rows of 3 floats per slot at 2 ranks, and a single
  // row when one row exceeds the chunk (b = 40); the window grows for it.
  for (Index n : {Index{5}, Index{901}}) {
    check_reductions<float>(ReduceTransport::shared_memory, n, {3, 1, 40, 3}, 100);
    check_reductions<double>(ReduceTransport::shared_memory, n, {2, 7}, 100);
  }
}

TEST_CASE("SharedRowReducer by message passing gives the same sums", "[dist][reduce]") {
  for (Index n : {Index{1}, Index{7}, Index{9001}})
    check_reductions<float>(ReduceTransport::message_passing, n, {3, 5, 2, 0, 6});
}

TEST_CASE("SharedRowReducer::automatic uses the window on one node unless SEIGH_SHARED_REDUCE=0", "[dist][reduce]") {
  const auto& comm = world();
  const auto partition = comm.partition(10);
  {
    SharedRowReducer<float> reducer(comm, partition);
    CHECK(reducer.shared());  // the tests run on one node
  }
  setenv("SEIGH_SHARED_REDUCE", "0", 1);
  {
    SharedRowReducer<float> reducer(comm, partition);
    CHECK_FALSE(reducer.shared());
  }
  unsetenv("SEIGH_SHARED_REDUCE");
  check_reductions<float>(ReduceTransport::automatic, 9001, {2, 3});
}

TEST_CASE("SharedRowReducer survives a move with its window", "[dist][reduce]") {
  const auto& comm = world();
  const auto partition = comm.partition(50);
  SharedRowReducer<double> first(comm, partition, ReduceTransport::shared_memory);
  first.contribution(2).setConstant(comm.rank() + 1.0);
  SharedRowReducer<double> second(std::move(first));
  REQUIRE(second.shared());
  MatrixD local(partition.local_rows(), 2);
  second.reduce(local);
  CHECK((local.array() == comm.size() * (comm.size() + 1) / 2.0).all());
}
