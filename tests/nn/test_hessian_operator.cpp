// The distributed Hessian operator (data sharded over ranks, reduce-scatter
// of the shard products) against the serial HVP on all samples, and the
// eigensolvers run on it unchanged.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>

#include <cmath>
#include <limits>
#include <vector>

#include "mpi_test.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/eig/exact.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/hessian_operator.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::VectorD;
using seigh::VectorF;
using seigh::nn::Curvature;
using seigh::nn::HessianOperator;
using seigh::nn::Loss;
using seigh::test::world;

namespace {

/// A small net and N deterministic samples (the same on every rank).
struct Problem {
  seigh::nn::Model model;
  VectorD theta;
  MatrixD X;  // features x N
  std::vector<std::int32_t> y;
};

/// θ = 2 × the default init of seed 7 (scaled up a little so the Hessian
/// is not dominated by the init's small weights: all terms of the
/// R-operator then matter); X(f, n) = sin(0.7 n + 1.3 f); y = 7n mod C.
Problem make_problem_for(seigh::nn::Model model, Index N) {
  const Index F = model.input_size(), C = model.output_size();
  Problem p{std::move(model), {}, MatrixD(F, N), std::vector<std::int32_t>(N)};
  p.theta = 2.0 * seigh::nn::init_parameters<double>(p.model, 7);
  for (Index n = 0; n < N; ++n) {
    for (Index f = 0; f < F; ++f) p.X(f, n) = std::sin(0.7 * static_cast<double>(n) + 1.3 * static_cast<double>(f));
    p.y[static_cast<std::size_t>(n)] = static_cast<std::int32_t>((n * 7) % C);
  }
  return p;
}

Problem make_problem(Index N, seigh::nn::Activation activation = seigh::nn::Activation::tanh) {
  const std::vector<Index> widths{6, 5, 4, 3};
  return make_problem_for(seigh::nn::make_mlp(widths, activation), N);
}

/// A small CNN: conv stride 2 with padding, tanh, max pool, conv, relu,
/// average pool, flatten, linear (2x9x7 inputs, 5 classes, D = 194).
const char* const kCnnSpec =
    "cnn(2x9x7,conv(3,3,2,1),tanh,maxpool(3,2,1),conv(4,2,1,1),relu,avgpool(3,2,1),flatten,linear(5))";

/// This rank's samples of a Problem.
struct Shard {
  MatrixD X;
  std::vector<std::int32_t> y;
};
Shard shard_of(const Problem& p) {
  const auto part = seigh::nn::sample_shard(world(), p.X.cols());
  Shard s{p.X.middleCols(part.row_offset(), part.local_rows()),
          std::vector<std::int32_t>(p.y.begin() + part.row_offset(),
                                    p.y.begin() + part.row_offset() + part.local_rows())};
  return s;
}

MatrixD probes(Index D, Index b) {
  MatrixD V(D, b);
  for (Index i = 0; i < D; ++i)
    for (Index j = 0; j < b; ++j) V(i, j) = std::cos(0.31 * static_cast<double>(i) - 0.9 * static_cast<double>(j));
  return V;
}

/// The dense Hessian (or GGN) from D serial products on all samples.
MatrixD dense_curvature(const Problem& p, Curvature curvature) {
  const auto lin = seigh::nn::linearize(p.model, p.theta, p.X, p.y, Loss::cross_entropy);
  const Index D = p.theta.size();
  MatrixD H(D, D);
  seigh::nn::hvp(lin, MatrixD::Identity(D, D), H, curvature);
  return 0.5 * (H + H.transpose());
}

}  // namespace

TEST_CASE("sharded products equal the serial product on all samples (MLP and CNN)", "[nn][hessian_operator]") {
  const auto& comm = world();
  // N = 2 leaves a rank without samples at 3 ranks; N = 11 splits unevenly.
  for (const bool cnn : {false, true}) {
    for (Index N : {Index{2}, Index{11}}) {
      for (Curvature curvature : {Curvature::hessian, Curvature::ggn}) {
        INFO((cnn ? "CNN" : "MLP") << " N=" << N << " curvature=" << static_cast<int>(curvature));
        const Problem p = cnn ? make_problem_for(seigh::nn::parse_model_spec(kCnnSpec), N) : make_problem(N);
        const Shard s = shard_of(p);
        HessianOperator<double> op(comm, p.model, p.theta, s.X, s.y, Loss::cross_entropy, curvature);
        const Index D = p.theta.size();
        REQUIRE(op.dim() == D);
        REQUIRE(op.total_samples() == N);

        const auto serial = seigh::nn::linearize(p.model, p.theta, p.X, p.y, Loss::cross_entropy);
        // Loss and gradient: the mean over all N samples, on every rank.
        CHECK(std::abs(op.loss() - serial.loss()) <= 1e-14 * std::abs(serial.loss()));
        CHECK((op.gradient() - serial.gradient()).norm() <= 1e-13 * serial.gradient().norm());

        for (Index b : {Index{1}, Index{5}}) {
          const MatrixD V = probes(D, b);
          MatrixD expected(D, b);
          seigh::nn::hvp(serial, V, expected, curvature);
          MatrixD Y(op.partition().local_rows(), b);
          op.apply(V, Y);
          // Only the order of the sums differs (shards, then the reduction):
          // float64 agreement to ~1e-15 relative; 1e-10 is the floor.
          const MatrixD mine = expected.middleRows(op.partition().row_offset(), op.partition().local_rows());
          INFO("b=" << b << " difference " << (Y - mine).norm() << " of " << expected.norm());
          CHECK((Y - mine).norm() <= 1e-12 * expected.norm());
        }
      }
    }
  }
}

TEST_CASE("consecutive applies with different b equal a fresh operator's, bit for bit", "[nn][hessian_operator]") {
  // The operator keeps its R-pass workspace and product block between
  // applies (grown to the widest block, never shrunk): b = 5, 2, 7, 1 on one
  // operator must give exactly what a fresh operator gives for each b.
  const auto& comm = world();
  for (const bool cnn : {false, true}) {
    const Problem p = cnn ? make_problem_for(seigh::nn::parse_model_spec(kCnnSpec), 11) : make_problem(11);
    const Shard s = shard_of(p);
    const Index D = p.theta.size();
    HessianOperator<float> reused(comm, p.model, VectorF(p.theta.cast<float>()), MatrixF(s.X.cast<float>()), s.y,
                                  Loss::cross_entropy);
    for (Index b : {Index{5}, Index{2}, Index{7}, Index{1}}) {
      INFO((cnn ? "CNN" : "MLP") << " b=" << b);
      const MatrixF V = probes(D, b).cast<float>();
      MatrixF Y(reused.partition().local_rows(), b);
      reused.apply(V, Y);
      HessianOperator<float> fresh(comm, p.model, VectorF(p.theta.cast<float>()), MatrixF(s.X.cast<float>()), s.y,
                                   Loss::cross_entropy);
      MatrixF expected(fresh.partition().local_rows(), b);
      fresh.apply(V, expected);
      CHECK(Y == expected);
    }
  }
}

TEST_CASE("float32 operator agrees with the float64 one", "[nn][hessian_operator]") {
  const auto& comm = world();
  const Problem p = make_problem(9);
  const Shard s = shard_of(p);
  HessianOperator<double> op64(comm, p.model, p.theta, s.X, s.y, Loss::cross_entropy);
  const VectorF theta32 = p.theta.cast<float>();
  const MatrixF X32 = s.X.cast<float>();
  HessianOperator<float> op32(comm, p.model, theta32, X32, s.y, Loss::cross_entropy);
  const MatrixD V = probes(p.theta.size(), 3);
  MatrixD Y64(op64.partition().local_rows(), 3);
  MatrixF Y32(op32.partition().local_rows(), 3);
  op64.apply(V, Y64);
  op32.apply(V.cast<float>(), Y32);
  // Single precision through a 3-layer net: a few float epsilons relative.
  const double scale = comm.sum(Y64.squaredNorm());
  const double diff = comm.sum((Y32.cast<double>() - Y64).squaredNorm());
  INFO("relative difference " << std::sqrt(diff / scale));
  CHECK(std::sqrt(diff / scale) <= 1e-5);
}

TEST_CASE("exact solve on the Hessian operator matches the dense Hessian", "[nn][hessian_operator]") {
  const auto& comm = world();
  const Problem p = make_problem(11);
  const Shard s = shard_of(p);
  HessianOperator<double> op(comm, p.model, p.theta, s.X, s.y, Loss::cross_entropy);
  const MatrixD H = dense_curvature(p, Curvature::hessian);
  Eigen::SelfAdjointEigenSolver<MatrixD> dense(H);
  VectorD truth = dense.eigenvalues();
  std::sort(truth.data(), truth.data() + truth.size(),
            [](double a, double b) { return std::abs(a) > std::abs(b); });

  seigh::eig::ExactOptions options;
  options.k = 6;
  options.block = 8;
  VectorD spectrum;
  const auto result = seigh::eig::exact_eigh(comm, op, options, &spectrum);
  INFO("exact " << spectrum.head(6).transpose() << "\ndense " << truth.head(6).transpose());
  CHECK((spectrum - truth).cwiseAbs().maxCoeff() <= 1e-12 * truth.cwiseAbs().maxCoeff());
  // The Hessian of a tanh net with cross-entropy is indefinite away from a
  // minimum: the test is meaningful only if both signs occur.
  CHECK(truth.minCoeff() < 0);
  CHECK(truth.maxCoeff() > 0);
}

TEST_CASE("SEIGH on the Gauss-Newton operator recovers its exact low-rank spectrum", "[nn][hessian_operator]") {
  const auto& comm = world();
  // The cross-entropy GGN has rank ≤ N·(C − 1) = 4·2 = 8: with o = 12 ≥ 8
  // the sketch captures its range and SEIGH is exact up to rounding.
  const Problem p = make_problem(4);
  const Shard s = shard_of(p);
  HessianOperator<double> op(comm, p.model, p.theta, s.X, s.y, Loss::cross_entropy, Curvature::ggn);
  const MatrixD G = dense_curvature(p, Curvature::ggn);
  Eigen::SelfAdjointEigenSolver<MatrixD> dense(G);
  const VectorD truth = dense.eigenvalues().reverse().head(8);  // PSD: by magnitude = descending
  REQUIRE(truth(7) > 1e-8 * truth(0));                          // rank really is 8

  seigh::eig::SketchOptions options;
  options.k = 8;
  options.outer = 12;
  options.inner = 24;
  options.block = 5;
  options.error_probes = 0;
  const auto result = seigh::eig::sketched_eigh(comm, op, options, seigh::random::make_rng_state(3));
  INFO("seigh " << result.eigenvalues.transpose() << "\ndense " << truth.transpose());
  CHECK((result.eigenvalues - truth).cwiseAbs().maxCoeff() <= 1e-8 * truth(0));
  CHECK(result.counts.products == 12 + 24);
}

TEST_CASE("a non-finite shard fails on every rank with one collective error", "[nn][hessian_operator]") {
  const auto& comm = world();
  Problem p = make_problem(5);
  // Only the last sample is poisoned: it lives on the last rank only.
  p.X(0, 4) = std::numeric_limits<double>::quiet_NaN();
  const Shard s = shard_of(p);
  try {
    HessianOperator<double> op(comm, p.model, p.theta, s.X, s.y, Loss::cross_entropy);
    FAIL("no error for a NaN sample");
  } catch (const seigh::Error& e) {
    INFO(e.what());
    CHECK(e.collective());
    CHECK_THAT(e.what(), Catch::Contains("finite"));
  }
}

TEST_CASE("a model that does not fit the data is refused collectively", "[nn][hessian_operator]") {
  const auto& comm = world();
  const Problem p = make_problem(5);
  seigh::data::Dataset dataset;
  dataset.x = p.X.cast<float>().topRows(4);  // 4 features, the model wants 6
  dataset.y = p.y;
  dataset.classes = 3;
  dataset.sample_shape = {1, 1, 4};
  const VectorF theta = p.theta.cast<float>();
  try {
    (void)seigh::nn::make_hessian_operator<float>(comm, p.model, theta, dataset, Loss::cross_entropy);
    FAIL("no error for mismatched features");
  } catch (const seigh::Error& e) {
    INFO(e.what());
    CHECK(e.collective());
  }
}

TEST_CASE("a CNN refuses data of another sample shape collectively, even with its feature count",
          "[nn][hessian_operator][cnn]") {
  const auto& comm = world();
  const Problem p = make_problem_for(seigh::nn::parse_model_spec(kCnnSpec), 4);
  seigh::data::Dataset dataset;
  dataset.x = p.X.cast<float>();
  dataset.y = p.y;
  dataset.classes = 5;
  dataset.sample_shape = {2, 7, 9};  // 126 features, as the model's 2x9x7, but transposed planes
  const VectorF theta = p.theta.cast<float>();
  try {
    (void)seigh::nn::make_hessian_operator<float>(comm, p.model, theta, dataset, Loss::cross_entropy);
    FAIL("no error for a 2x7x9 data set");
  } catch (const seigh::Error& e) {
    INFO(e.what());
    CHECK(e.collective());
    CHECK_THAT(e.what(), Catch::Contains("takes samples of shape 2x9x7") && Catch::Contains("are 2x7x9"));
  }
}
