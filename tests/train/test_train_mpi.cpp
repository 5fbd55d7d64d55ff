// nn::train at 1, 2 and 3 ranks on a small synthetic data set (an HDF5
// file, so no Fashion-MNIST loading): the trajectory against a serial
// reference computed here from the sampler's batches (rank-count
// invariance, batches that do not divide), θ replicated bit for bit,
// stop + resume bit-identical to an uninterrupted run for every optimizer,
// checkpoint round trip and atomicity, refusals (mismatching checkpoint,
// another run in OUT) and divergence.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <vector>

#include "expect_error.hpp"
#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/data/hdf5_dataset.hpp"
#include "seigh/io/checkpoint.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"
#include "seigh/nn/sampler.hpp"
#include "seigh/nn/train.hpp"
#include "seigh/nn/train_metrics.hpp"

using seigh::Index;
using seigh::MatrixF;
using seigh::VectorF;
using seigh::test::scratch;
using seigh::test::world;
using namespace seigh::nn;
namespace fs = std::filesystem;

namespace {

constexpr Index kFeatures = 6;
constexpr Index kSamples = 90;
const char* const kModel = "mlp(6-5-4-3,tanh)";

/// 90 samples of 3 separable-ish classes, written once per executable.
const std::string& data_file() {
  static const std::string path = [] {
    const std::string p = scratch("toy.h5");
    seigh::data::Dataset d;
    d.name = "toy";
    d.selection = "all";
    d.classes = 3;
    d.x.resize(kFeatures, kSamples);
    d.y.resize(kSamples);
    for (Index j = 0; j < kSamples; ++j) {
      const int c = static_cast<int>(j % 3);
      d.y[static_cast<std::size_t>(j)] = c;
      for (Index i = 0; i < kFeatures; ++i)
        d.x(i, j) = static_cast<float>(std::sin(0.7 * static_cast<double>(j * kFeatures + i)) + (i % 3 == c ? 1.0 : 0.0));
    }
    d.sample_shape = {1, 1, kFeatures};
    d.split_names = {"all"};
    d.source_split.assign(kSamples, 0);
    d.source_index.resize(kSamples);
    std::iota(d.source_index.begin(), d.source_index.end(), 0);
    seigh::data::write_dataset_file(world(), p, d);
    return p;
  }();
  return path;
}

TrainConfig toy_config(const std::string& out, OptimizerKind kind, Index batch, Index steps) {
  TrainConfig c;
  c.model = kModel;
  c.dataset = "file:" + data_file();
  c.selection = "all";
  c.eval_train = "all:30";
  c.eval_test = "all";
  c.optimizer.kind = kind;
  c.schedule.lr = kind == OptimizerKind::adam ? 0.01 : 0.2;
  c.batch = batch;
  c.steps = steps;
  c.seed = 5;
  c.checkpoints = "every:4";
  c.out_dir = out;
  c.run_ini = "out = " + out + "\n";
  return c;
}

/// θ after `steps` steps computed serially: the sampler's whole batch, the
/// gradient of its mean loss in one call, the same optimizer.
VectorF serial_reference(const TrainConfig& c) {
  const auto d = seigh::data::load_dataset(c.dataset, c.selection, {});
  const Model model = parse_model_spec(c.model);
  VectorF theta = init_parameters<float>(model, c.seed);
  OptimizerState state = make_optimizer_state(c.optimizer, theta.size());
  BatchSampler sampler(c.seed, d.size(), c.batch);
  VectorF grad(theta.size());
  for (Index t = 0; t < c.steps; ++t) {
    const auto idx = sampler.batch(t);
    MatrixF X(kFeatures, c.batch);
    std::vector<std::int32_t> y;
    for (std::size_t j = 0; j < idx.size(); ++j) {
      X.col(static_cast<Index>(j)) = d.x.col(idx[j]);
      y.push_back(d.y[static_cast<std::size_t>(idx[j])]);
    }
    loss_and_gradient(model, theta, X, y, c.loss, std::nullopt, grad);
    optimizer_step(c.optimizer, state, c.schedule.lr, grad, theta);
  }
  return theta;
}

/// True on every rank if `v` is bitwise the same on every rank.
bool replicated(const VectorF& v) {
  VectorF low = v, high = v;
  MPI_Allreduce(MPI_IN_PLACE, low.data(), static_cast<int>(v.size()), MPI_FLOAT, MPI_MIN, world().raw());
  MPI_Allreduce(MPI_IN_PLACE, high.data(), static_cast<int>(v.size()), MPI_FLOAT, MPI_MAX, world().raw());
  return low == v && high == v;
}

bool same_bits(const VectorF& a, const VectorF& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())) == 0;
}

std::string dir(const std::string& name) { return scratch("np" + std::to_string(world().size()) + "_" + name); }

}  // namespace

TEST_CASE("training at P ranks follows the serial trajectory (B = 25 and B = 2 do not divide 2 or 3)") {
  for (const auto kind : {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam}) {
    // B = 2 leaves a rank without samples at 3 ranks (once is enough).
    for (const Index batch : {Index{25}, Index{2}}) {
      if (batch == 2 && kind != OptimizerKind::sgd) continue;
      TrainConfig c = toy_config(dir("inv_" + std::string(name(kind)) + std::to_string(batch)), kind, batch, 7);
      c.checkpoints = "7";
      const TrainResult r = train(world(), c);
      CHECK(r.completed);
      CHECK(r.last_step == 7);
      const VectorF reference = serial_reference(c);
      // float32 sums in another order (shards, then the allreduce): a few
      // ulps per step, ~1e-6 relative after 7 steps; 1e-5 leaves margin.
      const float scale = reference.cwiseAbs().maxCoeff();
      const float error = (r.theta - reference).cwiseAbs().maxCoeff();
      INFO(name(kind) << " B = " << batch << ": max |θ − serial| = " << error << ", max |θ| = " << scale);
      CHECK(error <= 1e-5f * scale);
      CHECK(replicated(r.theta));
      // The final checkpoint holds exactly the final θ.
      const auto ck = seigh::io::read_checkpoint(world(), checkpoint_path(c.out_dir, 7, 7));
      CHECK(same_bits(ck.params, r.theta));
      CHECK(seigh::io::attribute<std::int64_t>(ck, "step", "") == 7);
      CHECK(seigh::io::attribute<std::string>(ck, "model", "") == kModel);
      CHECK(seigh::io::attribute<std::int64_t>(ck, "n_ranks", "") == world().size());
    }
  }
}

TEST_CASE("stop after 6 steps + resume from the last checkpoint = uninterrupted run, bit for bit") {
  for (const auto kind : {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam}) {
    const std::string tag(name(kind));
    const TrainConfig whole = toy_config(dir("whole_" + tag), kind, 25, 12);
    (void)train(world(), whole);
    TrainConfig part = toy_config(dir("part_" + tag), kind, 25, 12);
    part.stop_after_steps = 6;
    const TrainResult stopped = train(world(), part);
    CHECK(!stopped.completed);
    CHECK(stopped.last_step == 6);
    CHECK(stopped.last_checkpoint == checkpoint_path(part.out_dir, 4, 12));
    part.stop_after_steps = 0;
    part.resume = "latest";
    const TrainResult resumed = train(world(), part);
    CHECK(resumed.first_step == 4);
    CHECK(resumed.completed);
    const auto a = seigh::io::read_checkpoint(world(), checkpoint_path(whole.out_dir, 12, 12));
    const auto b = seigh::io::read_checkpoint(world(), checkpoint_path(part.out_dir, 12, 12));
    INFO(tag);
    CHECK(same_bits(a.params, b.params));
    REQUIRE(a.state.size() == b.state.size());
    CHECK(a.state.size() == (kind == OptimizerKind::sgd ? 0u : kind == OptimizerKind::momentum ? 1u : 2u));
    for (const auto& [key, vector] : a.state) CHECK(same_bits(vector, b.state.at(key)));
    CHECK(seigh::io::attribute<std::int64_t>(b, "optimizer_step", "") == 12);
    // The metrics table: the same rows (the killed run's rows after step 4
    // were replaced), the same values.
    const auto ma = read_metrics(world(), metrics_path(whole.out_dir));
    const auto mb = read_metrics(world(), metrics_path(part.out_dir));
    CHECK(ma.step == mb.step);
    CHECK(ma.step == std::vector<std::int64_t>{0, 4, 8, 12});
    CHECK(ma.test_loss == mb.test_loss);
    CHECK(ma.train_accuracy == mb.train_accuracy);
  }
}

TEST_CASE("checkpoint files: round trip, no partial file left, a failed write keeps the old file") {
  seigh::io::Checkpoint ck;
  ck.params = VectorF::LinSpaced(11, -1.0f, 1.0f);
  ck.attributes = {{"model", std::string("m")}, {"step", std::int64_t{42}}, {"lr", 0.3}};
  ck.state["momentum"] = VectorF::Constant(11, 0.5f);
  const std::string path = dir("roundtrip.h5");
  seigh::io::write_checkpoint(world(), path, ck);
  CHECK(!fs::exists(path + ".partial"));
  const auto back = seigh::io::read_checkpoint(world(), path);
  CHECK(same_bits(back.params, ck.params));
  CHECK(same_bits(back.state.at("momentum"), ck.state.at("momentum")));
  CHECK(seigh::io::attribute<std::int64_t>(back, "step", path) == 42);
  CHECK(seigh::io::attribute<double>(back, "lr", path) == 0.3);
  CHECK(seigh::io::attribute<std::string>(back, "model", path) == "m");
  CHECK(seigh::io::attribute<std::string>(back, "format", path) == "seigh-checkpoint-1");
  auto bad = ck;
  bad.params = VectorF::Zero(11);
  bad.state["adam_m"] = VectorF::Zero(3);  // wrong length: refused
  const auto e = seigh::test::expect_error([&] { seigh::io::write_checkpoint(world(), path, bad); });
  CHECK(e.collective());
  CHECK_THAT(e.what(), Catch::Contains("adam_m") && Catch::Contains("has 3 entries"));
  CHECK(same_bits(seigh::io::read_checkpoint(world(), path).params, ck.params));
  CHECK(!fs::exists(path + ".partial"));
}

TEST_CASE("resume refuses a checkpoint of another run, listing every difference") {
  const TrainConfig first = toy_config(dir("mismatch"), OptimizerKind::sgd, 25, 4);
  (void)train(world(), first);
  TrainConfig other = first;
  other.model = "mlp(6-7-3,tanh)";
  other.schedule.lr = 0.1;
  other.resume = checkpoint_path(first.out_dir, 4, 4);
  const auto e = seigh::test::expect_error([&] { (void)train(world(), other); });
  CHECK(e.collective());
  CHECK_THAT(e.what(), Catch::Contains("belongs to another run") && Catch::Contains("model: checkpoint has 'mlp(6-5-4-3,tanh)'") &&
                           Catch::Contains("lr: checkpoint has 0.2, this run has 0.1"));
}

TEST_CASE("an output directory holding another run is refused unless --overwrite") {
  TrainConfig c = toy_config(dir("occupied"), OptimizerKind::sgd, 25, 4);
  (void)train(world(), c);
  (void)train(world(), c);  // the same run again: allowed (identical files)
  c.run_ini += "lr = 0.5\n";
  const auto e = seigh::test::expect_error([&] { (void)train(world(), c); });
  CHECK(e.collective());
  CHECK_THAT(e.what(), Catch::Contains("holds another run") && Catch::Contains("lr: not set there, '0.5' here") &&
                           Catch::Contains("--overwrite"));
  c.overwrite = true;
  CHECK(train(world(), c).completed);
}

TEST_CASE("divergence stops the run with the step and the intact last checkpoint") {
  TrainConfig c = toy_config(dir("diverge"), OptimizerKind::sgd, 25, 40);
  c.model = "mlp(6-32-32-3,relu)";
  c.loss = Loss::mse;
  c.schedule.lr = 1e6;
  c.checkpoints = "every:1";
  const auto e = seigh::test::expect_error([&] { (void)train(world(), c); });
  CHECK(e.collective());
  const std::string message = e.what();
  INFO(message);
  CHECK_THAT(message, Catch::Contains("training diverged at step ") && Catch::Contains("the last checkpoint, step "));
  const auto at = message.find("is intact: ");
  REQUIRE(at != std::string::npos);
  const std::string path = message.substr(at + 11);
  const auto ck = seigh::io::read_checkpoint(world(), path);
  CHECK(ck.params.allFinite());
  CHECK(!fs::exists(path + ".partial"));
}
