// SEIGH against operators whose eigenpairs are known in closed form.
#include <catch2/catch.hpp>

#include "eig_test_util.hpp"
#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/linop/synthetic.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::eig::SketchOptions;
using seigh::linop::SyntheticOperator;
using seigh::linop::parse_synthetic_spec;
using seigh::random::TestMatrixKind;
using seigh::test::world;

namespace {
const seigh::random::RngState kRng = seigh::random::make_rng_state(20250417);

SketchOptions options_for(Index k, Index outer, Index inner, Index probes = 0) {
  SketchOptions options;
  options.k = k;
  options.outer = outer;
  options.inner = inner;
  options.error_probes = probes;
  options.block = 7;  // deliberately not dividing o or s
  return options;
}
}  // namespace

TEST_CASE("SEIGH is exact on an operator of rank <= o", "[eig][seigh]") {
  const auto& comm = world();
  // lowrank with noise 0: rank exactly R = 6, distinct eigenvalues 1 .. 0.583.
  SyntheticOperator<double> op(comm, parse_synthetic_spec("lowrank,D=500,R=6,noise=0,seed=2"));
  for (Index outer : {Index{6}, Index{9}}) {  // 9 > rank: Y is rank deficient
    const auto result = seigh::eig::sketched_eigh(comm, op, options_for(6, outer, 2 * outer), kRng);
    const VectorD exact = op.eigenvalues().head(6);
    INFO("outer=" << outer << " eigenvalues " << result.eigenvalues.transpose());
    CHECK((result.eigenvalues - exact).cwiseAbs().maxCoeff() <= 1e-10);
    CHECK(result.sketch_rank == 6);
    // Eigenvectors: principal angles with the exact ones all ~0.
    const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
    const VectorD cosines = seigh::test::principal_cosines(V, op.eigenvectors(0, 6));
    CHECK(cosines.minCoeff() >= 1 - 1e-10);
    CHECK(result.counts.products == outer + 2 * outer);
  }
}

TEST_CASE("SEIGH matches the known spectrum for every test-matrix family", "[eig][seigh]") {
  const auto& comm = world();
  // λ = 1 (x5), then 10^{-0.5 j}: the energy beyond the o = 20 sketched
  // directions is ~1e-8, so the top-10 eigenvalues must be accurate to far
  // better than 1e-6 (TYUC 2019 Thm 5.1; margin ~100x).
  SyntheticOperator<double> op(comm, parse_synthetic_spec("exp,D=1500,R=5,q=0.5,seed=4"));
  for (auto kind : {TestMatrixKind::gaussian, TestMatrixKind::rademacher, TestMatrixKind::sparse_sign}) {
    auto options = options_for(10, 20, 40);
    options.test_matrix = kind;
    const auto result = seigh::eig::sketched_eigh(comm, op, options, kRng);
    const double worst = (result.eigenvalues - op.eigenvalues().head(10)).cwiseAbs().maxCoeff();
    INFO(seigh::random::name(kind) << ": max |λ - λ_exact| = " << worst);
    CHECK(worst <= 1e-6);
    const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
    CHECK((V.transpose() * V - MatrixD::Identity(10, 10)).norm() <= 1e-10);
  }
}

TEST_CASE("SEIGH orders an indefinite spectrum by magnitude", "[eig][seigh]") {
  const auto& comm = world();
  // |λ_i| = (i + 1)^-4 with signs + - + + - + ...; tail beyond o = 20 is
  // ~21^-4 = 5e-6, tolerance 1e-4 (20x margin).
  SyntheticOperator<double> op(comm, parse_synthetic_spec("indefinite,D=800,p=4,seed=6"));
  const auto result = seigh::eig::sketched_eigh(comm, op, options_for(6, 20, 40), kRng);
  INFO("eigenvalues " << result.eigenvalues.transpose());
  CHECK((result.eigenvalues - op.eigenvalues().head(6)).cwiseAbs().maxCoeff() <= 1e-4);
  CHECK(result.eigenvalues[1] < 0);
  CHECK(result.eigenvalues[4] < 0);
}

TEST_CASE("SEIGH does not depend on the number of ranks", "[eig][seigh]") {
  const auto& world_comm = world();
  const seigh::dist::Comm self(MPI_COMM_SELF);
  const auto spec = parse_synthetic_spec("poly,D=401,R=5,p=1.5,seed=8");
  SyntheticOperator<double> distributed(world_comm, spec);
  SyntheticOperator<double> serial(self, spec);
  for (auto kind : {TestMatrixKind::gaussian, TestMatrixKind::sparse_sign}) {
    auto options = options_for(8, 12, 30);
    options.test_matrix = kind;
    const auto many = seigh::eig::sketched_eigh(world_comm, distributed, options, kRng);
    const auto one = seigh::eig::sketched_eigh(self, serial, options, kRng);
    // Only the summation order of the reductions differs.
    INFO("max eigenvalue difference " << (many.eigenvalues - one.eigenvalues).cwiseAbs().maxCoeff());
    CHECK((many.eigenvalues - one.eigenvalues).cwiseAbs().maxCoeff() <= 1e-12);
    const MatrixD Vm = seigh::dist::gather_all(world_comm, many.eigenvectors);
    const MatrixD Vo = seigh::dist::gather_all(self, one.eigenvectors);
    // Columns agree up to sign (distinct eigenvalues after the tied top 5:
    // compare the spans of the tied block and the columns of the rest).
    CHECK(seigh::test::principal_cosines(Vm.leftCols(5), Vo.leftCols(5)).minCoeff() >= 1 - 1e-10);
    for (Index j = 5; j < 8; ++j) CHECK(std::abs(Vm.col(j).dot(Vo.col(j))) >= 1 - 1e-10);
  }
}

TEST_CASE("the a-posteriori estimate brackets the true error", "[eig][seigh]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("poly,D=300,R=3,p=1,seed=10"));
  const Index probes = 400;
  const auto result = seigh::eig::sketched_eigh(comm, op, options_for(5, 10, 20, probes), kRng);
  REQUIRE(result.error.has_value());
  // Truth from the dense operator.
  const MatrixD H = seigh::test::apply_full(comm, op, MatrixD::Identity(300, 300));
  const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
  const double truth = (H - V * result.eigenvalues.asDiagonal() * V.transpose()).squaredNorm();
  // With n_t = 400 the squared-error estimate is within (1 ± ε) of the
  // truth except with probability 2δ = 2e-6 (DESIGN.md §2 step 5 bounds).
  const double under = result.error->epsilon_under(1e-6);
  const double over = result.error->epsilon_over(1e-6);
  INFO("estimate " << result.error->residual_frobenius2 << " truth " << truth << " eps " << under << ", " << over);
  CHECK(over < 0.5);
  CHECK(result.error->residual_frobenius2 >= (1 - under) * truth);
  CHECK(result.error->residual_frobenius2 <= (1 + over) * truth);
  CHECK(result.error->operator_frobenius2 >= (1 - under) * H.squaredNorm());
  CHECK(result.error->operator_frobenius2 <= (1 + over) * H.squaredNorm());
  CHECK(result.counts.products == 10 + 20 + probes);
}

TEST_CASE("recycling the inner products costs s products in all", "[eig][seigh]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("exp,D=600,R=4,q=1,seed=12"));
  auto options = options_for(6, 12, 24);
  options.recycle = true;
  const auto result = seigh::eig::sketched_eigh(comm, op, options, kRng);
  CHECK(result.counts.products == 24);
  // Tail beyond 12 directions is 10^-8: eigenvalues accurate to 1e-6.
  CHECK((result.eigenvalues - op.eigenvalues().head(6)).cwiseAbs().maxCoeff() <= 1e-6);
}

TEST_CASE("SEIGH on a float operator", "[eig][seigh]") {
  const auto& comm = world();
  SyntheticOperator<float> op(comm, parse_synthetic_spec("exp,D=700,R=3,q=1,seed=14"));
  const auto result = seigh::eig::sketched_eigh(comm, op, options_for(5, 10, 20), kRng);
  // Float products carry ~1e-7 relative rounding; 1e-5 leaves 100x margin.
  CHECK((result.eigenvalues - op.eigenvalues().head(5)).cwiseAbs().maxCoeff() <= 1e-5);
}

TEST_CASE("SEIGH rejects inconsistent sizes", "[eig][seigh]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("poly,D=50"));
  CHECK_THROWS_WITH(seigh::eig::sketched_eigh(comm, op, options_for(0, 0, 0), kRng), Catch::Contains("--k"));
  CHECK_THROWS_WITH(seigh::eig::sketched_eigh(comm, op, options_for(5, 4, 10), kRng), Catch::Contains("--outer"));
  CHECK_THROWS_WITH(seigh::eig::sketched_eigh(comm, op, options_for(5, 6, 5), kRng), Catch::Contains("--inner"));
  CHECK_THROWS_WITH(seigh::eig::sketched_eigh(comm, op, options_for(5, 30, 60), kRng), Catch::Contains("exceeds"));
}

TEST_CASE("low rank + noise, D = 2000, rank 20, o = 40, s = 80: the issue's accuracy floor", "[eig][seigh]") {
  const auto& comm = world();
  // λ = 1 .. 0.525 (20 distinct), then a noise tail ≤ 1e-4.
  SyntheticOperator<double> op(comm, parse_synthetic_spec("lowrank,D=2000,R=20,noise=1e-4,seed=21"));
  const MatrixD V_true = op.eigenvectors(0, 20);
  for (auto kind : {TestMatrixKind::gaussian, TestMatrixKind::rademacher, TestMatrixKind::sparse_sign}) {
    auto options = options_for(20, 40, 80);
    options.test_matrix = kind;
    const auto result = seigh::eig::sketched_eigh(comm, op, options, kRng);
    const VectorD truth = op.eigenvalues().head(20);
    const double relative = ((result.eigenvalues - truth).array() / truth.array()).abs().maxCoeff();
    const MatrixD V = seigh::dist::gather_all(comm, result.eigenvectors);
    const double overlap = (V_true.transpose() * V).squaredNorm() / 20;
    INFO(seigh::random::name(kind) << ": max relative eigenvalue error " << relative << ", overlap " << overlap);
    CHECK(relative <= 1e-3);
    CHECK(overlap >= 0.999);
  }
}

TEST_CASE("float32 results agree across rank counts", "[eig][seigh]") {
  const auto& world_comm = world();
  const seigh::dist::Comm self(MPI_COMM_SELF);
  const auto spec = parse_synthetic_spec("lowrank,D=1001,R=8,noise=1e-3,seed=22");
  SyntheticOperator<float> distributed(world_comm, spec);
  SyntheticOperator<float> serial(self, spec);
  const auto many = seigh::eig::sketched_eigh(world_comm, distributed, options_for(8, 16, 32), kRng);
  const auto one = seigh::eig::sketched_eigh(self, serial, options_for(8, 16, 32), kRng);
  const double relative = ((many.eigenvalues - one.eigenvalues).array() / one.eigenvalues.array()).abs().maxCoeff();
  INFO("max relative difference " << relative);
  CHECK(relative <= 1e-5);
}

namespace {
/// A checkpointed run that stops after `stop` new blocks (0: never).
template <class Op>
seigh::eig::EigenResult<typename Op::scalar_type> run_checkpointed(const seigh::dist::Comm& comm, Op& op,
                                                                    SketchOptions options, const std::string& path,
                                                                    bool resume, Index stop) {
  options.checkpoint = SketchOptions::Checkpoint{path, resume, "test operator", stop};
  return seigh::eig::sketched_eigh(comm, op, options, kRng);
}

template <class Scalar>
bool bitwise_equal(const seigh::eig::EigenResult<Scalar>& a, const seigh::eig::EigenResult<Scalar>& b) {
  return a.eigenvalues == b.eigenvalues && a.eigenvectors.local() == b.eigenvectors.local();
}
}  // namespace

TEST_CASE("a stopped and resumed measurement ends bit for bit like an uninterrupted one", "[eig][seigh][resume]") {
  const auto& comm = world();
  REQUIRE_FALSE(seigh::test::scratch_dir().empty());
  SyntheticOperator<float> op(comm, parse_synthetic_spec("poly,D=3001,R=5,p=1.5,seed=23"));
  for (bool recycle : {false, true}) {
    // Units stored: Y blocks of 7 (2) and Z batches of 14 (3); with recycle
    // only the 3 batches. Stops in Y and at the Y/Z boundary (recycle: in
    // Z); the second stop, one unit later, lands in Z.
    for (Index stop : {Index{1}, Index{2}}) {
      INFO("recycle=" << recycle << " stop after " << stop << " blocks");
      auto options = options_for(6, 12, 30, 5);  // o = 12, s = 30, blocks of 7
      options.recycle = recycle;
      const auto reference = seigh::eig::sketched_eigh(comm, op, options, kRng);
      const std::string path = seigh::test::scratch("resume-" + std::to_string(recycle) + "-" + std::to_string(stop) + ".h5");
      CHECK_THROWS_WITH(run_checkpointed(comm, op, options, path, false, stop), Catch::Contains("--resume"));
      // A second stop on resume exercises resuming a resumed run.
      CHECK_THROWS_WITH(run_checkpointed(comm, op, options, path, true, 1), Catch::Contains("stopped after 1"));
      const auto resumed = run_checkpointed(comm, op, options, path, true, 0);
      CHECK(bitwise_equal(reference, resumed));
      CHECK(comm.sum(static_cast<int>(!bitwise_equal(reference, resumed))) == 0);
    }
  }
}

TEST_CASE("a sketch file is not clobbered, and a mismatched one is refused", "[eig][seigh][resume]") {
  const auto& comm = world();
  SyntheticOperator<double> op(comm, parse_synthetic_spec("poly,D=500,R=5,seed=24"));
  const std::string path = seigh::test::scratch("mismatch.h5");
  auto options = options_for(4, 8, 16);
  CHECK_THROWS_WITH(run_checkpointed(comm, op, options, path, false, 1), Catch::Contains("stopped after 1"));
  CHECK_THROWS_WITH(run_checkpointed(comm, op, options, path, false, 0), Catch::Contains("already exists"));
  auto other = options;
  other.inner = 20;
  CHECK_THROWS_WITH(run_checkpointed(comm, op, other, path, true, 0),
                    Catch::Contains("inner: file has 16, this run has 20"));
  other = options;
  other.test_matrix = TestMatrixKind::rademacher;
  CHECK_THROWS_WITH(run_checkpointed(comm, op, other, path, true, 0),
                    Catch::Contains("test_matrix: file has 'gaussian', this run has 'rademacher'"));
  CHECK_THROWS_WITH(run_checkpointed(comm, op, options, seigh::test::scratch("none.h5"), true, 0),
                    Catch::Contains("no such file"));
  // The float operator on a double measurement.
  SyntheticOperator<float> opf(comm, parse_synthetic_spec("poly,D=500,R=5,seed=24"));
  CHECK_THROWS_WITH(run_checkpointed(comm, opf, options, path, true, 0), Catch::Contains("scalar"));
}
