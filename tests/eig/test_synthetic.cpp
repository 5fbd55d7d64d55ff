#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>

#include "eig_test_util.hpp"
#include "mpi_test.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/linop/synthetic.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::linop::SyntheticOperator;
using seigh::linop::parse_synthetic_spec;
using seigh::test::world;

TEST_CASE("synthetic spectra follow their closed forms", "[linop][synthetic]") {
  auto spec = parse_synthetic_spec("poly,D=50,R=5,p=2");
  VectorD lambda = seigh::linop::synthetic_spectrum(spec);
  CHECK(lambda[0] == 1.0);
  CHECK(lambda[4] == 1.0);
  CHECK(lambda[5] == Approx(1.0 / 4.0));   // (5 - 5 + 2)^-2
  CHECK(lambda[49] == Approx(std::pow(46.0, -2.0)));
  spec = parse_synthetic_spec("exp,D=20,R=2,q=0.5");
  lambda = seigh::linop::synthetic_spectrum(spec);
  CHECK(lambda[2] == Approx(std::pow(10.0, -0.5)));
  spec = parse_synthetic_spec("indefinite,D=7,p=1");
  lambda = seigh::linop::synthetic_spectrum(spec);
  CHECK(lambda[1] == Approx(-0.5));
  CHECK(lambda[2] == Approx(1.0 / 3.0));
  CHECK(lambda[4] == Approx(-0.2));
  for (Index i = 1; i < lambda.size(); ++i) CHECK(std::abs(lambda[i]) <= std::abs(lambda[i - 1]));
}

TEST_CASE("synthetic spec strings round-trip and reject mistakes", "[linop][synthetic]") {
  const auto spec = parse_synthetic_spec("lowrank,D=123,R=7,noise=0.001,seed=9,block=5,reflectors=3");
  const auto again = parse_synthetic_spec(seigh::linop::to_string(spec));
  CHECK(again.dim == 123);
  CHECK(again.rank == 7);
  CHECK(again.noise == 0.001);
  CHECK(again.seed == 9);
  CHECK(again.block == 5);
  CHECK(again.reflectors == 3);
  CHECK_THROWS_WITH(parse_synthetic_spec("cubic,D=5"), Catch::Contains("unknown spectrum 'cubic'"));
  CHECK_THROWS_WITH(parse_synthetic_spec("poly,D=5,zz=1"), Catch::Contains("unknown key 'zz'"));
  CHECK_THROWS_WITH(parse_synthetic_spec("poly,D=x"), Catch::Contains("not a finite number"));
  CHECK_THROWS_WITH(parse_synthetic_spec("poly,D=1.5"), Catch::Contains("non-negative integer"));
}

TEST_CASE("dense assembly of a synthetic operator has the promised eigenpairs", "[linop][synthetic]") {
  const auto& comm = world();
  // D = 61 is not a multiple of the block size (16) nor of 2 or 3 ranks.
  for (const char* text : {"indefinite,D=61,p=1,seed=3", "lowrank,D=61,R=4,seed=5", "poly,D=2,R=1"}) {
    INFO(text);
    SyntheticOperator<double> op(comm, parse_synthetic_spec(text));
    const Index D = op.dim();
    const MatrixD H = seigh::test::apply_full(comm, op, MatrixD::Identity(D, D));
    // Symmetric to rounding.
    CHECK((H - H.transpose()).norm() <= 1e-13 * H.norm());
    // Independent truth: Eigen's dense solver on the assembled matrix.
    const Eigen::SelfAdjointEigenSolver<MatrixD> eigen(H);
    VectorD dense = eigen.eigenvalues();
    const auto order = seigh::eig::sorted_order(dense, seigh::eig::Ordering::magnitude);
    VectorD sorted(D);
    for (Index i = 0; i < D; ++i) sorted[i] = dense[order[static_cast<std::size_t>(i)]];
    INFO("max eigenvalue difference " << (sorted - op.eigenvalues()).cwiseAbs().maxCoeff());
    CHECK((sorted - op.eigenvalues()).cwiseAbs().maxCoeff() <= 1e-13);
    // The promised eigenvectors: orthonormal and H v = λ v.
    const MatrixD V = op.eigenvectors(0, std::min<Index>(D, 5));
    CHECK((V.transpose() * V - MatrixD::Identity(V.cols(), V.cols())).norm() <= 1e-13);
    CHECK((H * V - V * op.eigenvalues().head(V.cols()).asDiagonal()).norm() <= 1e-13);
    // Eigenvectors are spread out, not coordinate vectors.
    if (D > 30) CHECK(V.col(0).cwiseAbs().maxCoeff() < 0.9);
  }
}

TEST_CASE("synthetic operator in float agrees with double", "[linop][synthetic]") {
  const auto& comm = world();
  const auto spec = parse_synthetic_spec("poly,D=100,R=3,p=1,seed=1");
  SyntheticOperator<float> opf(comm, spec);
  SyntheticOperator<double> opd(comm, spec);
  const MatrixD X = MatrixD::Identity(100, 7);
  const MatrixD Hf = seigh::test::apply_full(comm, opf, X);
  const MatrixD Hd = seigh::test::apply_full(comm, opd, X);
  CHECK((Hf - Hd).norm() <= 1e-6 * Hd.norm());  // float rounding of inputs and outputs
}
