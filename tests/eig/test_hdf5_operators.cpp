// Dense and factored operators read from HDF5, against matrices with a
// spectrum fixed by construction.
#include <catch2/catch.hpp>

#include "eig_test_util.hpp"
#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"
#include "seigh/linop/hdf5_operators.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::test::world;

namespace {
constexpr Index kDim = 40;

MatrixD orthonormal(Index rows, Index cols, unsigned seed) { return seigh::test::random_orthonormal(rows, cols, seed); }

/// λ_i = (−0.8)^i · 3: distinct magnitudes, alternating signs.
VectorD known_spectrum(Index n) {
  VectorD lambda(n);
  for (Index i = 0; i < n; ++i) lambda[i] = 3.0 * std::pow(-0.8, static_cast<double>(i));
  return lambda;
}

/// Write a replicated matrix M (n x n) so that the dataset is [n, n] = M.
void write_square(seigh::io::File& file, const std::string& name, const MatrixD& M, seigh::io::DType type) {
  const auto part = file.comm().partition(M.rows());
  // write_rows stores column j of X as dataset row j: pass Mᵀ.
  seigh::io::write_rows(file, name, seigh::dist::scatter_replicated(part, MatrixD(M.transpose())), type);
}

std::string fixture_path() { return seigh::test::scratch_dir() + "/operators.h5"; }

const MatrixD& dense_matrix() {
  static const MatrixD A = [] {
    const MatrixD Q = orthonormal(kDim, kDim, 11);
    return MatrixD(Q * known_spectrum(kDim).asDiagonal() * Q.transpose());
  }();
  return A;
}
}  // namespace

TEST_CASE("write the operator fixtures", "[linop][hdf5]") {
  const auto& comm = world();
  REQUIRE_FALSE(seigh::test::scratch_dir().empty());
  seigh::io::OutputFile out(comm, fixture_path());
  auto& file = out.file();
  const MatrixD& A = dense_matrix();
  write_square(file, "/A", A, seigh::io::DType::float64);
  write_square(file, "/Afloat", A, seigh::io::DType::float32);
  MatrixD S = A;
  S(0, kDim - 1) += 0.5;  // one asymmetric pair
  write_square(file, "/S", S, seigh::io::DType::float64);
  MatrixD N = A;
  N(3, 3) = std::nan("");
  write_square(file, "/N", N, seigh::io::DType::float64);
  seigh::io::write_rows(file, "/B", seigh::dist::scatter_replicated(comm.partition(4), MatrixD(MatrixD::Ones(4, 3))),
                        seigh::io::DType::float64);
  out.commit();

  // A factored operator with orthonormal rows of U: H = Uᵀ diag(λ) U has
  // eigenvalues λ (and D − r zeros).
  seigh::io::OutputFile low(comm, seigh::test::scratch_dir() + "/lowrank.h5");
  const MatrixD U = orthonormal(kDim, 5, 12);  // columns = rows of the /U dataset
  seigh::io::write_rows(low.file(), "/U", seigh::dist::scatter_replicated(comm.partition(kDim), U),
                        seigh::io::DType::float64);
  seigh::io::write_replicated(low.file(), "/lambda", VectorD(known_spectrum(5)), seigh::io::DType::float64);
  low.commit();
}

TEST_CASE("dense operator products and exact spectrum", "[linop][hdf5]") {
  const auto& comm = world();
  seigh::linop::DenseOperator<double> op(comm, fixture_path(), "/A");
  CHECK(op.dim() == kDim);
  CHECK(op.asymmetry() < 1e-14);
  const MatrixD H = seigh::test::apply_full(comm, op, MatrixD::Identity(kDim, kDim));
  CHECK((H - dense_matrix()).norm() <= 1e-14 * dense_matrix().norm());
  seigh::eig::ExactOptions options;
  options.k = 6;
  const auto result = seigh::eig::exact_eigh(comm, op, options);
  CHECK((result.eigenvalues - known_spectrum(6)).cwiseAbs().maxCoeff() <= 1e-12);
}

TEST_CASE("float32 storage is accepted and accurate to float rounding", "[linop][hdf5]") {
  const auto& comm = world();
  seigh::linop::DenseOperator<float> op(comm, fixture_path(), "/Afloat");
  CHECK(op.asymmetry() <= 1e-6);  // only float rounding of a symmetric matrix
  seigh::eig::ExactOptions options;
  options.k = 6;
  const auto result = seigh::eig::exact_eigh(comm, op, options);
  // Entries rounded to float: eigenvalue perturbation ≤ ‖δA‖₂ ≈ 1e-7·‖A‖.
  CHECK((result.eigenvalues - known_spectrum(6)).cwiseAbs().maxCoeff() <= 1e-5);
}

TEST_CASE("factored operator has the stored spectrum", "[linop][hdf5]") {
  const auto& comm = world();
  seigh::linop::FactoredOperator<double> op(comm, seigh::test::scratch_dir() + "/lowrank.h5");
  seigh::eig::SketchOptions options;
  options.k = 5;
  options.error_probes = 20;
  const auto result = seigh::eig::sketched_eigh(comm, op, options, seigh::random::make_rng_state(3));
  // Rank 5 = o: SEIGH is exact up to rounding.
  CHECK((result.eigenvalues - known_spectrum(5)).cwiseAbs().maxCoeff() <= 1e-10);
  REQUIRE(result.error.has_value());
  CHECK(result.error->relative_error() <= 1e-8);
}

TEST_CASE("bad operator files are rejected with clear errors", "[linop][hdf5]") {
  const auto& comm = world();
  using seigh::linop::DenseOperator;
  CHECK_THROWS_WITH(DenseOperator<double>(comm, fixture_path(), "/S"), Catch::Contains("is not symmetric"));
  CHECK_THROWS_WITH(DenseOperator<double>(comm, fixture_path(), "/N"), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(DenseOperator<double>(comm, fixture_path(), "/B"), Catch::Contains("expected a square"));
  CHECK_THROWS_WITH(DenseOperator<double>(comm, fixture_path(), "/nope"), Catch::Contains("/nope"));
  CHECK_THROWS_WITH(DenseOperator<double>(comm, seigh::test::scratch_dir() + "/missing.h5", "/A"),
                    Catch::Contains("missing.h5"));
  CHECK_THROWS_WITH(seigh::linop::FactoredOperator<double>(comm, fixture_path()), Catch::Contains("/U"));
  CHECK_THROWS_WITH(seigh::linop::split_file_spec("noseparator"), Catch::Contains("expected FILE.h5"));
}
