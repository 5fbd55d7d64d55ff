// Exact and Lanczos baselines against closed-form spectra.
#include <catch2/catch.hpp>

#include "eig_test_util.hpp"
#include "mpi_test.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/lanczos.hpp"
#include "seigh/linop/synthetic.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::linop::SyntheticOperator;
using seigh::linop::parse_synthetic_spec;
using seigh::test::world;

TEST_CASE("exact solve reproduces the whole known spectrum", "[eig][exact]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("indefinite,D=83,p=1,seed=1"));
  seigh::eig::ExactOptions options;
  options.k = 7;
  options.block = 10;
  VectorD spectrum;
  const auto result = seigh::eig::exact_eigh(comm, op, options, &spectrum);
  CHECK((spectrum - op.eigenvalues()).cwiseAbs().maxCoeff() <= 1e-13);
  CHECK(result.counts.products == 83);
  const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
  // λ are distinct: eigenvectors equal the known ones up to sign.
  const MatrixD E = op.eigenvectors(0, 7);
  for (Index j = 0; j < 7; ++j) CHECK(std::abs(V.col(j).dot(E.col(j))) >= 1 - 1e-12);
}

TEST_CASE("exact solve refuses operators above its size limit", "[eig][exact]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("poly,D=100"));
  seigh::eig::ExactOptions options;
  options.k = 3;
  options.max_dim = 50;
  CHECK_THROWS_WITH(seigh::eig::exact_eigh(comm, op, options), Catch::Contains("exceeds the limit 50") &&
                                                                   Catch::Contains("GB"));
}

TEST_CASE("Lanczos finds the top eigenpairs by magnitude", "[eig][lanczos]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("indefinite,D=400,p=1,seed=2"));
  seigh::eig::LanczosOptions options;
  options.k = 5;
  const auto result = seigh::eig::lanczos_eigh(comm, op, options);
  INFO(result.note << "; eigenvalues " << result.eigenvalues.transpose());
  CHECK(result.converged);
  CHECK((result.eigenvalues - op.eigenvalues().head(5)).cwiseAbs().maxCoeff() <= 1e-8);
  const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
  const MatrixD E = op.eigenvectors(0, 5);
  for (Index j = 0; j < 5; ++j) CHECK(std::abs(V.col(j).dot(E.col(j))) >= 1 - 1e-8);
  CHECK(result.counts.products > 0);
}

TEST_CASE("Lanczos algebraic ordering returns the largest signed values", "[eig][lanczos]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("indefinite,D=300,p=1,seed=3"));
  seigh::eig::LanczosOptions options;
  options.k = 3;
  options.ordering = seigh::eig::Ordering::algebraic;
  const auto result = seigh::eig::lanczos_eigh(comm, op, options);
  // Positive eigenvalues are at ranks 0, 2, 3: 1, 1/3, 1/4.
  CHECK(result.eigenvalues[0] == Approx(1.0).epsilon(1e-8));
  CHECK(result.eigenvalues[1] == Approx(1.0 / 3).epsilon(1e-8));
  CHECK(result.eigenvalues[2] == Approx(1.0 / 4).epsilon(1e-8));
}

TEST_CASE("Lanczos matches the exact solver on its k", "[eig][lanczos]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("lowrank,D=300,R=12,noise=0.01,seed=4"));
  seigh::eig::LanczosOptions lanczos;
  lanczos.k = 12;
  seigh::eig::ExactOptions exact;
  exact.k = 12;
  const auto a = seigh::eig::lanczos_eigh(comm, op, lanczos);
  const auto b = seigh::eig::exact_eigh(comm, op, exact);
  INFO("lanczos " << a.eigenvalues.transpose() << "\nexact   " << b.eigenvalues.transpose());
  CHECK((a.eigenvalues - b.eigenvalues).cwiseAbs().maxCoeff() <= 1e-10);
}
