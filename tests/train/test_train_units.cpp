// Training building blocks without MPI: optimizers against hand-computed
// iterates on a quadratic, schedules against their closed forms, the
// checkpoint-step grammar, and the sampler (permutations, determinism,
// epoch crossing, values pinned by the independent NumPy reference
// tests/train/sampler_reference.py).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "seigh/nn/checkpoint_schedule.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"
#include "seigh/nn/optimizer.hpp"
#include "seigh/nn/sampler.hpp"
#include "seigh/nn/schedule.hpp"
#include "seigh/nn/train.hpp"

using seigh::Index;
using seigh::VectorF;
using namespace seigh::nn;

namespace {

/// n steps of `config` on L(θ) = Σ_i a_i θ_i² / 2 (g = a ⊙ θ); returns the iterates.
std::vector<VectorF> run_quadratic(const OptimizerConfig& config, const VectorF& a, VectorF theta, double lr, int n) {
  OptimizerState state = make_optimizer_state(config, theta.size());
  std::vector<VectorF> iterates;
  for (int k = 0; k < n; ++k) {
    const VectorF g = a.cwiseProduct(theta);
    optimizer_step(config, state, lr, g, theta);
    iterates.push_back(theta);
  }
  CHECK(state.step == n);
  return iterates;
}

// float32 arithmetic of a few steps against double hand values: 1e-6
// relative covers a handful of float roundings.
void check_close(float got, double expected) {
  INFO("got " << got << ", expected " << expected);
  CHECK(std::abs(got - expected) <= 1e-6 * std::max(1.0, std::abs(expected)));
}

}  // namespace

TEST_CASE("sgd: theta_k = (1 - lr a)^k theta_0 on a quadratic") {
  const VectorF a = (VectorF(2) << 2.0f, 0.5f).finished();
  const VectorF theta0 = (VectorF(2) << 1.0f, -2.0f).finished();
  const auto it = run_quadratic({OptimizerKind::sgd}, a, theta0, 0.1, 3);
  for (int k = 0; k < 3; ++k) {
    check_close(it[k][0], std::pow(0.8, k + 1));
    check_close(it[k][1], -2 * std::pow(0.95, k + 1));
  }
}

TEST_CASE("momentum: b = mu b + g, theta -= lr b (torch.optim.SGD), by hand") {
  // a = 2, θ0 = 1, lr 0.1, μ 0.9: g0 = 2, b1 = 2, θ1 = 0.8; g1 = 1.6,
  // b2 = 3.4, θ2 = 0.46; g2 = 0.92, b3 = 3.98, θ3 = 0.062.
  OptimizerConfig config{OptimizerKind::momentum};
  config.momentum = 0.9;
  const auto it = run_quadratic(config, VectorF::Constant(1, 2.0f), VectorF::Constant(1, 1.0f), 0.1, 3);
  check_close(it[0][0], 0.8);
  check_close(it[1][0], 0.46);
  check_close(it[2][0], 0.062);
}

TEST_CASE("adam: torch.optim.Adam with bias correction, by hand") {
  // Double-precision iterates of the torch.optim.Adam formulas (β 0.9,
  // 0.999, ε 1e-8, lr 0.1); the first step is lr·sign(g) up to ε.
  const VectorF a = (VectorF(2) << 2.0f, 0.5f).finished();
  const VectorF theta0 = (VectorF(2) << 1.0f, -2.0f).finished();
  const auto it = run_quadratic({OptimizerKind::adam}, a, theta0, 0.1, 3);
  check_close(it[0][0], 0.9000000005);
  check_close(it[1][0], 0.8004122286917927);
  check_close(it[2][0], 0.7015862729460302);
  check_close(it[0][1], -1.900000001);
  check_close(it[1][1], -1.8001664876318761);
  check_close(it[2][1], -1.7006233943434113);
}

TEST_CASE("optimizer names and validation") {
  CHECK(parse_optimizer("adam") == OptimizerKind::adam);
  CHECK(format_optimizer({OptimizerKind::sgd}) == "sgd");
  CHECK(format_optimizer({OptimizerKind::momentum, 0.9}) == "momentum(0.9)");
  CHECK(format_optimizer({OptimizerKind::adam}) == "adam(0.9,0.999,1e-08)");
  CHECK_THROWS_WITH(parse_optimizer("rmsprop"), Catch::Contains("unknown optimizer 'rmsprop'"));
  OptimizerConfig bad{OptimizerKind::adam};
  bad.beta2 = 1.0;
  CHECK_THROWS_WITH(validate(bad), Catch::Contains("--beta2"));
}

TEST_CASE("schedules: constant, StepLR and CosineAnnealingLR closed forms") {
  Schedule s;
  s.lr = 0.3;
  CHECK(learning_rate(s, 0) == 0.3);
  CHECK(learning_rate(s, 4999) == 0.3);
  s = Schedule{ScheduleKind::step, 1.0, 10, 0.5};
  CHECK(learning_rate(s, 0) == 1.0);
  CHECK(learning_rate(s, 9) == 1.0);
  CHECK(learning_rate(s, 10) == 0.5);
  CHECK(learning_rate(s, 25) == 0.25);
  CHECK(format_schedule(s) == "step(10,0.5)");
  s = Schedule{ScheduleKind::cosine, 1.0, 0, 0.1, 0.1, 100};
  CHECK(learning_rate(s, 0) == Approx(1.0).epsilon(1e-15));
  CHECK(learning_rate(s, 25) == Approx(0.8681980515339464).epsilon(1e-14));
  CHECK(learning_rate(s, 50) == Approx(0.55).epsilon(1e-14));
  CHECK(learning_rate(s, 100) == Approx(0.1).epsilon(1e-14));
  CHECK(format_schedule(s) == "cosine(0.1,100)");
  CHECK_THROWS_WITH(validate(Schedule{ScheduleKind::constant, 0.0}), Catch::Contains("--lr must be > 0"));
  CHECK_THROWS_WITH(validate(Schedule{ScheduleKind::constant, -1.0}), Catch::Contains("--lr must be > 0"));
  CHECK_THROWS_WITH(validate(Schedule{ScheduleKind::step, 1.0, 0}), Catch::Contains("--step-size"));
}

TEST_CASE("checkpoint steps: every, lists with ranges, log-spaced, always 0 and T") {
  const auto paper = checkpoint_steps("0:1000:5,1100:5000:100", 5000);
  CHECK(paper.size() == 201 + 40);
  CHECK(paper[1] == 5);
  CHECK(std::binary_search(paper.begin(), paper.end(), 1000));
  CHECK(std::binary_search(paper.begin(), paper.end(), 1100));
  CHECK(paper.back() == 5000);
  CHECK(checkpoint_steps("every:3", 10) == std::vector<Index>{0, 3, 6, 9, 10});
  CHECK(checkpoint_steps("7,3", 10) == std::vector<Index>{0, 3, 7, 10});
  CHECK(checkpoint_steps("log:5", 1000) == std::vector<Index>{0, 1, 10, 100, 1000});
  CHECK(checkpoint_steps("log:4", 1000) == std::vector<Index>{0, 1, 32, 1000});
  CHECK(checkpoint_steps("log:10", 3) == std::vector<Index>{0, 1, 2, 3});  // fewer than K when T is small
  CHECK_THROWS_WITH(checkpoint_steps("0:6000:5", 5000), Catch::Contains("beyond the last step 5000"));
  CHECK_THROWS_WITH(checkpoint_steps("5001", 5000), Catch::Contains("beyond the last step 5000"));
  CHECK(checkpoint_steps("every:6000", 5000) == std::vector<Index>{0, 5000});  // the default every:100 on a short run
  CHECK_THROWS_WITH(checkpoint_steps("5:1:1", 10), Catch::Contains("bad checkpoint range '5:1:1'"));
  CHECK_THROWS_WITH(checkpoint_steps("1:5:0", 10), Catch::Contains("bad checkpoint range"));
  CHECK_THROWS_WITH(checkpoint_steps("abc", 10), Catch::Contains("bad checkpoint step 'abc'"));
  CHECK_THROWS_WITH(checkpoint_steps("every:0", 10), Catch::Contains("every:N"));
  CHECK_THROWS_WITH(checkpoint_steps("log:1", 10), Catch::Contains("log:K"));
  CHECK_THROWS_WITH(checkpoint_steps("", 10), Catch::Contains("empty checkpoint schedule"));
}

TEST_CASE("sampler: every epoch is a permutation, deterministic, seeds and epochs differ") {
  const auto state = seigh::random::derive(seigh::random::make_rng_state(3), seigh::random::Stream::sampler);
  const Index n = 1001;
  std::vector<Index> sorted(static_cast<std::size_t>(n));
  std::iota(sorted.begin(), sorted.end(), Index{0});
  for (std::uint64_t e = 0; e < 3; ++e) {
    auto p = epoch_permutation(state, e, n);
    CHECK(p == epoch_permutation(state, e, n));
    std::sort(p.begin(), p.end());
    CHECK(p == sorted);
  }
  CHECK(epoch_permutation(state, 0, n) != epoch_permutation(state, 1, n));
  const auto other = seigh::random::derive(seigh::random::make_rng_state(4), seigh::random::Stream::sampler);
  CHECK(epoch_permutation(state, 0, n) != epoch_permutation(other, 0, n));
  // Only the sampler role is accepted (a stream reserved for something
  // else would silently correlate the order with, e.g., the init).
  CHECK_THROWS_WITH(epoch_permutation(seigh::random::derive(seigh::random::make_rng_state(3),
                                                            seigh::random::Stream::init), 0, n),
                    Catch::Contains("role sampler"));
}

TEST_CASE("sampler: values pinned by the NumPy reference (tests/train/sampler_reference.py)") {
  const auto state = seigh::random::derive(seigh::random::make_rng_state(7), seigh::random::Stream::sampler);
  CHECK(epoch_permutation(state, 0, 10) == std::vector<Index>{7, 3, 9, 1, 4, 8, 6, 5, 2, 0});
  CHECK(epoch_permutation(state, 1, 10) == std::vector<Index>{7, 8, 1, 5, 3, 4, 2, 0, 6, 9});
  // B = 4 over n = 10: batch 2 crosses from epoch 0 into epoch 1, batch 5
  // (positions 20..23) lies in epoch 2.
  BatchSampler sampler(7, 10, 4);
  const std::vector<std::vector<Index>> expected{{7, 3, 9, 1}, {4, 8, 6, 5}, {2, 0, 7, 8},
                                                 {1, 5, 3, 4}, {2, 0, 6, 9}, {9, 8, 7, 0}};
  for (Index t = 0; t < 6; ++t) CHECK(sampler.batch(t) == expected[static_cast<std::size_t>(t)]);
  // Random access and parts agree with whole batches.
  BatchSampler fresh(7, 10, 4);
  CHECK(fresh.batch(4) == expected[4]);
  CHECK(fresh.batch_part(2, 1, 3) == std::vector<Index>{0, 7});
  const auto big = seigh::random::derive(seigh::random::make_rng_state((std::uint64_t{1} << 40) + 3),
                                         seigh::random::Stream::sampler);
  const auto p = epoch_permutation(big, 5, 1000);
  CHECK(std::vector<Index>(p.begin(), p.begin() + 8) == std::vector<Index>{976, 310, 402, 788, 746, 396, 754, 478});
}

TEST_CASE("sampler: a batch larger than the data set spans several epochs") {
  BatchSampler sampler(1, 3, 7);
  const auto b = sampler.batch(0);
  REQUIRE(b.size() == 7);
  for (int e = 0; e < 2; ++e) {
    std::set<Index> epoch(b.begin() + 3 * e, b.begin() + 3 * e + 3);
    CHECK(epoch == std::set<Index>{0, 1, 2});
  }
}

TEST_CASE("evaluation_block: as many samples as fit the budget, within [1, 4096]") {
  CHECK(evaluation_block(Index{1} << 20, Index{256} << 20) == 256);
  CHECK(evaluation_block(1000, 999) == 1);             // one sample over the budget still runs, alone
  CHECK(evaluation_block(1, Index{256} << 20) == 4096);
  CHECK(evaluation_block(3 * 1024, 10 * 1024) == 3);   // rounded down
  const seigh::Error error = seigh::test::expect_error([] { (void)evaluation_block(0, 100); });
  CHECK(std::string(error.what()).find("bytes per sample 0") != std::string::npos);
  // The paper's MLP keeps the former 4096-sample blocks (so its metrics are
  // unchanged bit for bit); 3c3d's blocks stay within the default budget.
  const Model mlp = parse_model_spec("mlp(256-20-20-20-20-20-10,tanh)");
  CHECK(evaluation_block(pass_footprint<float>(mlp).forward_peak) == kEvaluationMaxBlock);
  const Model cnn = parse_model_spec("3c3d");
  const Index per_sample = pass_footprint<float>(cnn).forward_peak;
  const Index block = evaluation_block(per_sample);
  INFO("3c3d: " << per_sample << " bytes per sample, block " << block);
  CHECK(block < kEvaluationMaxBlock);
  CHECK(block * per_sample <= kEvaluationBudgetBytes);
  CHECK((block + 1) * per_sample > kEvaluationBudgetBytes);
  // ... and that is at least the largest layer's input and output: conv1's
  // 1x28x28 -> 64x24x24 in float32.
  CHECK(per_sample >= (784 + 64 * 24 * 24) * 4);
}

TEST_CASE("evaluation is independent of the block size (to float rounding)") {
  // A small CNN with max pooling and an MLP; 23 samples in blocks of 1, 4,
  // 7, 23 and 64. The logits of a sample do not depend on its block except
  // through GEMM rounding (float: ~1e-7 relative), and the loss sums only
  // regroup: relative tolerance 1e-5 on the loss (float ε times the depth);
  // the correct count must agree exactly (no near-ties in these data: the
  // margins are checked below).
  for (const char* spec : {"cnn(1x8x8,conv(4,3,1,0),relu,maxpool(2,2,0),flatten,linear(6),tanh,linear(3))",
                           "mlp(12-9-3,tanh)"}) {
    const Model m = parse_model_spec(spec);
    const Index n = 23;
    const VectorF theta = 3.0f * init_parameters<float>(m, 5);
    seigh::MatrixF X(m.input_size(), n);
    std::vector<std::int32_t> y(static_cast<std::size_t>(n));
    for (Index j = 0; j < n; ++j) {
      for (Index f = 0; f < X.rows(); ++f)
        X(f, j) = static_cast<float>(std::sin(0.37 * static_cast<double>(j) + 1.1 * static_cast<double>(f)));
      y[static_cast<std::size_t>(j)] = static_cast<std::int32_t>((5 * j) % m.output_size());
    }
    const EvalSums whole = evaluate_samples(m, theta, X, y, Loss::cross_entropy, 1.0 / n, n);
    // Margins: the top two logits of every sample differ clearly.
    const seigh::MatrixF logits = forward_logits(m, theta, X);
    for (Index j = 0; j < n; ++j) {
      std::vector<float> col(logits.col(j).data(), logits.col(j).data() + logits.rows());
      std::sort(col.rbegin(), col.rend());
      CHECK(col[0] - col[1] > 1e-4f);
    }
    CHECK(whole.correct > 0);
    CHECK(whole.correct < n);
    for (Index block : {Index{1}, Index{4}, Index{7}, Index{64}}) {
      INFO(spec << " block " << block);
      const EvalSums sums = evaluate_samples(m, theta, X, y, Loss::cross_entropy, 1.0 / n, block);
      CHECK(std::abs(sums.loss - whole.loss) <= 1e-5 * std::abs(whole.loss));
      CHECK(sums.correct == whole.correct);
    }
    // The loss is w Σ ℓ_i: the same as evaluate_loss on all samples at once.
    CHECK(std::abs(whole.loss - evaluate_loss(m, theta, X, y, Loss::cross_entropy)) <= 1e-12 * whole.loss);
  }
}
