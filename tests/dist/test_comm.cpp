#include <catch2/catch.hpp>

#include "mpi_test.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/comm.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::test::world;

namespace {
/// Rank r's contribution in the reduction tests: a deterministic function of
/// (r, i, j) whose sum over ranks has a closed form.
double contribution(int r, Index i, Index j) { return (r + 1) * 1000.0 + 10.0 * static_cast<double>(i) + j; }
double contribution_sum(int size, Index i, Index j) {
  return 1000.0 * size * (size + 1) / 2 + size * (10.0 * static_cast<double>(i) + j);
}
}  // namespace

TEST_CASE("Comm duplicates the communicator", "[dist][comm]") {
  const auto& comm = world();
  int result = MPI_UNEQUAL;
  MPI_Comm_compare(comm.raw(), MPI_COMM_WORLD, &result);
  CHECK(result == MPI_CONGRUENT);  // same group, different context
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK(comm.size() == size);
}

TEST_CASE("scalar reductions", "[dist][comm]") {
  const auto& comm = world();
  const int P = comm.size();
  CHECK(comm.sum(comm.rank() + 1) == P * (P + 1) / 2);
  CHECK(comm.max(comm.rank()) == P - 1);
  CHECK(comm.min(static_cast<double>(comm.rank()) - 0.5) == -0.5);
  CHECK(comm.any(comm.rank() == P - 1));
  CHECK_FALSE(comm.any(false));
}

TEST_CASE("allreduce_sum of a block and of a non-contiguous sub-block", "[dist][comm]") {
  const auto& comm = world();
  MatrixD A(5, 3);
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 3; ++j) A(i, j) = contribution(comm.rank(), i, j);
  MatrixD B = A;
  comm.allreduce_sum(A);
  auto sub = B.block(1, 1, 3, 2);  // strided: exercises the packing path
  comm.allreduce_sum(sub);
  for (Index i = 0; i < 5; ++i)
    for (Index j = 0; j < 3; ++j) {
      CHECK(A(i, j) == contribution_sum(comm.size(), i, j));
      const bool in_sub = i >= 1 && i < 4 && j >= 1;
      CHECK(B(i, j) == (in_sub ? contribution_sum(comm.size(), i, j) : contribution(comm.rank(), i, j)));
    }
}

TEST_CASE("reduce_scatter_rows leaves each rank its rows of the sum", "[dist][comm]") {
  const auto& comm = world();
  for (Index n : {Index{1}, Index{2}, Index{7}, Index{31}}) {
    const Index b = 4;
    const auto part = comm.partition(n);
    MatrixF full(n, b);
    for (Index i = 0; i < n; ++i)
      for (Index j = 0; j < b; ++j) full(i, j) = static_cast<float>(contribution(comm.rank(), i, j));
    MatrixF local(part.local_rows(), b);
    comm.reduce_scatter_rows<float>(full, part, local);
    for (Index i = 0; i < part.local_rows(); ++i)
      for (Index j = 0; j < b; ++j) {
        INFO("n=" << n << " global row " << part.to_global(i) << " col " << j);
        CHECK(local(i, j) == static_cast<float>(contribution_sum(comm.size(), part.to_global(i), j)));
      }
  }
}

TEST_CASE("reduce_scatter_rows in small rounds gives the same rows", "[dist][comm]") {
  const auto& comm = world();
  // chunk_bytes 1 forces one row per rank per round; 3 rows' worth forces
  // rounds in which some ranks have rows left and others not (n = 31 at 2
  // and 3 ranks), and n = 2 leaves a rank without rows at 3 ranks.
  const Index b = 3;
  for (std::size_t chunk_bytes : {std::size_t{1}, std::size_t{3 * b * sizeof(double)} * 3}) {
    for (Index n : {Index{2}, Index{31}}) {
      const auto part = comm.partition(n);
      MatrixD full(n, b);
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < b; ++j) full(i, j) = contribution(comm.rank(), i, j);
      MatrixD local = MatrixD::Constant(part.local_rows(), b, -1.0);
      comm.reduce_scatter_rows<double>(full, part, local, chunk_bytes);
      for (Index i = 0; i < part.local_rows(); ++i)
        for (Index j = 0; j < b; ++j) {
          INFO("chunk " << chunk_bytes << " n=" << n << " global row " << part.to_global(i) << " col " << j);
          CHECK(local(i, j) == contribution_sum(comm.size(), part.to_global(i), j));
        }
    }
  }
}

TEST_CASE("allgather_rows reassembles the full matrix", "[dist][comm]") {
  const auto& comm = world();
  const Index n = 10, b = 3;
  const auto part = comm.partition(n);
  MatrixD local(part.local_rows(), b);
  for (Index i = 0; i < part.local_rows(); ++i)
    for (Index j = 0; j < b; ++j) local(i, j) = 100.0 * static_cast<double>(part.to_global(i)) + j;
  MatrixD full(n, b);
  comm.allgather_rows<double>(local, part, full);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < b; ++j) CHECK(full(i, j) == 100.0 * static_cast<double>(i) + j);
}

TEST_CASE("broadcast of blocks, values and strings", "[dist][comm]") {
  const auto& comm = world();
  const int root = comm.size() - 1;
  MatrixD M = MatrixD::Constant(2, 2, comm.rank() == root ? 7.0 : -1.0);
  comm.broadcast(M, root);
  CHECK(M.isApprox(MatrixD::Constant(2, 2, 7.0)));
  CHECK(comm.broadcast_value<std::int64_t>(comm.rank() == root ? 42 : 0, root) == 42);
  const std::string s = comm.broadcast_string(comm.rank() == root ? std::string(1000, 'x') + "end" : "", root);
  CHECK(s.size() == 1003);
  CHECK(s.substr(1000) == "end");
}

TEST_CASE("collective() turns one rank's failure into the same error on every rank", "[dist][collective]") {
  const auto& comm = world();
  const int failing = comm.size() - 1;
  try {
    seigh::dist::collective(comm, [&] {
      SEIGH_REQUIRE(comm.rank() != failing) << "bad input seen by rank " << comm.rank();
    });
    FAIL("no exception");
  } catch (const seigh::Error& e) {
    CHECK(e.collective());
    CHECK(std::string(e.what()) == "bad input seen by rank " + std::to_string(failing));
  }
  // The lowest failing rank's message wins when several fail.
  try {
    seigh::dist::collective(comm, [&]() -> int { SEIGH_FAIL() << "rank " << comm.rank(); });
    FAIL("no exception");
  } catch (const seigh::Error& e) {
    CHECK(std::string(e.what()) == "rank 0");
  }
  // Success returns the body's value.
  CHECK(seigh::dist::collective(comm, [&] { return comm.rank() * 2; }) == comm.rank() * 2);
}

TEST_CASE("require_finite detects a NaN on any rank", "[dist][collective]") {
  const auto& comm = world();
  const double value = comm.rank() == comm.size() - 1 ? std::nan("") : 1.0;
  CHECK_THROWS_WITH(seigh::dist::require_finite(comm, value, "loss"), Catch::Contains("loss is not finite"));
  CHECK_NOTHROW(seigh::dist::require_finite(comm, 1.0, "loss"));
}

TEST_CASE("gather_rows to a root and scatter_rows back are inverse", "[dist][comm]") {
  const auto& comm = world();
  for (Index n : {Index{2}, Index{10}}) {
    const Index b = 3;
    const auto part = comm.partition(n);
    MatrixD local(part.local_rows(), b);
    for (Index i = 0; i < part.local_rows(); ++i)
      for (Index j = 0; j < b; ++j) local(i, j) = 7.0 * static_cast<double>(part.to_global(i)) - j;
    const int root = comm.size() - 1;
    MatrixD full;
    comm.gather_rows<double>(local, part, full, root);
    if (comm.rank() == root) {
      REQUIRE(full.rows() == n);
      for (Index i = 0; i < n; ++i)
        for (Index j = 0; j < b; ++j) CHECK(full(i, j) == 7.0 * static_cast<double>(i) - j);
      full *= 2.0;
    }
    MatrixD back(part.local_rows(), b);
    comm.scatter_rows<double>(full, part, back, root);
    CHECK(back == 2.0 * local);
  }
}
