#include <catch2/catch.hpp>

#include "mpi_test.hpp"
#include "seigh/dist/block_row_matrix.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::dist::BlockRowMatrix;
using seigh::test::world;

namespace {
/// A replicated D x k matrix, the same on every rank (deterministic).
MatrixD replicated(Index D, Index k, double salt) {
  MatrixD A(D, k);
  for (Index i = 0; i < D; ++i)
    for (Index j = 0; j < k; ++j) A(i, j) = std::sin(salt + 0.37 * static_cast<double>(i) + 1.3 * j);
  return A;
}
}  // namespace

TEST_CASE("BlockRowMatrix index vocabulary", "[dist][brm]") {
  const auto& comm = world();
  BlockRowMatrix<float> X(comm.partition(11), 3);
  CHECK(X.global_rows() == 11);
  CHECK(X.cols() == 3);
  CHECK(comm.sum(X.local_rows()) == 11);
  CHECK(X.local().rows() == X.local_rows());
  if (X.local_rows() > 0) CHECK(X.owner(X.row_offset()) == comm.rank());
}

TEST_CASE("gram, cross_gram, column_norms and multiply match dense algebra", "[dist][brm]") {
  const auto& comm = world();
  // D = 2 exercises a zero-row rank at 3 ranks.
  for (Index D : {Index{2}, Index{17}, Index{100}}) {
    INFO("D=" << D);
    const MatrixD A = replicated(D, 4, 0.1);
    const MatrixD B = replicated(D, 3, 2.0);
    const auto part = comm.partition(D);
    const auto X = seigh::dist::scatter_replicated(part, A);
    const auto Y = seigh::dist::scatter_replicated(part, B);

    // Tolerances: sums of <= 100 O(1) terms in double, reordered by ranks.
    CHECK((seigh::dist::gram(comm, X) - A.transpose() * A).norm() <= 1e-12 * A.squaredNorm());
    CHECK((seigh::dist::cross_gram(comm, X, Y) - A.transpose() * B).norm() <= 1e-12 * A.norm() * B.norm());
    CHECK((seigh::dist::column_norms(comm, X) - A.colwise().norm().transpose()).norm() <= 1e-12 * A.norm());

    const MatrixD S = replicated(4, 2, 5.0);
    const auto XS = seigh::dist::multiply(X, S);
    CHECK((seigh::dist::gather_all(comm, XS) - A * S).norm() <= 1e-12 * A.norm() * S.norm());
  }
}

TEST_CASE("multiply_in_place equals multiply and shrinks to the product's columns", "[dist][brm]") {
  const auto& comm = world();
  // D spans several 4096-row product blocks on every rank count (and a
  // partial last block); D = 2 leaves a rank without rows at 3 ranks.
  for (Index D : {Index{2}, Index{3 * 4096 * 3 + 123}}) {
    INFO("D=" << D);
    const MatrixD A = replicated(D, 6, 0.7);
    const MatrixD S = replicated(6, 4, 3.0);
    const auto part = comm.partition(D);
    const auto reference = seigh::dist::multiply(seigh::dist::scatter_replicated(part, A), S);
    auto X = seigh::dist::scatter_replicated(part, A);
    seigh::dist::multiply_in_place(X, S);
    REQUIRE(X.cols() == 4);
    REQUIRE(X.local_rows() == part.local_rows());
    // Same GEMM on the same row blocks: identical bits, not just close.
    CHECK(X.local() == reference.local());
    // Independent truth: the dense product (sums of 6 O(1) terms).
    CHECK((seigh::dist::gather_all(comm, X) - A * S).norm() <= 1e-13 * A.norm() * S.norm());
  }
  BlockRowMatrix<double> X(comm.partition(5), 2);
  CHECK_THROWS_AS(seigh::dist::multiply_in_place(X, MatrixD::Identity(3, 3)), seigh::Error);
  CHECK_THROWS_AS(seigh::dist::multiply_in_place(X, MatrixD::Identity(2, 3)), seigh::Error);
}

TEST_CASE("gram of float data is accumulated in double", "[dist][brm]") {
  const auto& comm = world();
  // Column of 10^4 entries of 1 + 2^-12: a float accumulation of the squares
  // would round away the tail; the double accumulation keeps it.
  const Index D = 10000;
  const float v = 1.0f + 1.0f / 4096.0f;
  BlockRowMatrix<float> X(comm.partition(D), 1);
  X.local().setConstant(v);
  const double expected = static_cast<double>(D) * static_cast<double>(v) * static_cast<double>(v);
  CHECK(std::abs(seigh::dist::gram(comm, X)(0, 0) - expected) <= 1e-9 * expected);
}

TEST_CASE("mismatched shapes are rejected", "[dist][brm]") {
  const auto& comm = world();
  BlockRowMatrix<double> X(comm.partition(5), 2);
  CHECK_THROWS_AS(seigh::dist::multiply(X, MatrixD::Identity(3, 3)), seigh::Error);
  CHECK_THROWS_AS(BlockRowMatrix<double>(comm.partition(5), MatrixD(comm.partition(5).local_rows() + 1, 2)),
                  seigh::Error);
}
