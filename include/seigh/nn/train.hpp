#pragma once
/// \file
/// Data-parallel training with checkpoints and exact restart (DESIGN.md §3,
/// §4).
///
/// ## One step t (θ_t → θ_{t+1}), on P ranks
///
///  1. batch t = B sample indices from the sampler (sampler.hpp); rank r
///     takes the contiguous positions dist::local_range(r, B, P);
///  2. each rank: loss and gradient of its part with weight 1/B
///     (nn::loss_and_gradient), so the parts sum to the batch mean;
///  3. one allreduce of [∇L (D), L] in float32;
///  4. if anything in it is not finite the run stops (divergence) before
///     θ changes; else every rank applies the same update
///     (optimizer.hpp) with η_t (schedule.hpp).
///
/// θ is replicated: every rank holds it, identical bit for bit. The result
/// depends on P only through the order of the float sums (the shards and
/// the allreduce).
///
/// ## Checkpoints (steps from checkpoint_schedule.hpp, always 0 and T)
///
/// At a checkpoint step t (θ_t, before update t) the run evaluates the loss
/// and accuracy on two fixed evaluation sets (sharded over the ranks),
/// writes OUT/checkpoints/step_<t>.h5 (io/checkpoint.hpp; attributes below),
/// then rewrites OUT/metrics.h5 with one more row (atomically), then calls
/// the progress callback.
///
/// Checkpoint attributes: model, step, seed, dataset, selection, loss,
/// optimizer, lr, schedule, batch, steps, eval_train, eval_test,
/// optimizer_step, n_ranks, seigh_version, format; datasets /params and the
/// optimizer's /optimizer/… vectors (optimizer.hpp).
///
/// ## Resume
///
/// From a checkpoint at step s: model, dataset, selection, loss, optimizer,
/// lr, schedule, batch and seed must equal the run's (else an error lists
/// every difference); θ and the optimizer state are read, metrics rows after
/// s are dropped, and the run continues at step s. Since the sampler and
/// the schedule are functions of the step, the later checkpoints equal an
/// uninterrupted run's bit for bit at the same rank count.

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/nn/loss.hpp"
#include "seigh/nn/model.hpp"
#include "seigh/nn/optimizer.hpp"
#include "seigh/nn/schedule.hpp"

namespace seigh::nn {

/// Everything a training run needs. Plain aggregate with defaults.
struct TrainConfig {
  std::string model;                           ///< model spec, e.g. "mlp(256-20-20-20-20-20-10,tanh)"
  std::string dataset = "fmnist16";            ///< data::load_dataset spec
  std::string selection = "train:all";         ///< training samples
  std::string eval_train = "train:1000";       ///< fixed evaluation subset ("train" metrics)
  std::string eval_test = "test:all";          ///< fixed evaluation subset ("test" metrics)
  data::LoadOptions load;                      ///< --data-dir
  Loss loss = Loss::cross_entropy;
  OptimizerConfig optimizer;
  Schedule schedule;                           ///< includes lr; total_steps is set from `steps`
  Index batch = 500;                           ///< global batch B ≥ 1
  Index steps = 0;                             ///< T ≥ 1
  std::uint64_t seed = 0;                      ///< init (role init) and sampler (role sampler)
  std::string checkpoints = "every:100";       ///< checkpoint_schedule.hpp grammar
  std::string out_dir;                         ///< run directory
  /// The run's effective configuration (INI text) for OUT/run.ini; an
  /// existing OUT/run.ini that differs means OUT holds another run.
  std::string run_ini;
  bool overwrite = false;                      ///< replace another run in OUT
  std::string resume;                          ///< checkpoint path, "latest" (in OUT), or empty
  Index stop_after_steps = 0;                  ///< testing: stop after this many steps of this run (0: off)
};

/// Loss and accuracy on the two evaluation sets.
struct EvalMetrics {
  double train_loss = 0, train_accuracy = 0;
  double test_loss = 0, test_accuracy = 0;
};

/// What the callback sees at each checkpoint.
struct TrainProgress {
  Index step = 0;           ///< t of the checkpoint
  Index steps = 0;          ///< T
  Index first_step = 0;     ///< where this run (or resume) started
  double lr = 0;            ///< η_t
  double batch_loss = 0;    ///< loss of the last batch (NaN at the first step of a run)
  EvalMetrics metrics;
  double seconds = 0;       ///< wall time of this run so far
  /// Estimated seconds to the end: remaining steps × the mean step time
  /// plus remaining checkpoints × the mean checkpoint time (evaluation and
  /// files) of this run so far; NaN until both have been measured.
  double eta_seconds = 0;
  std::string checkpoint;   ///< path written (empty if it already existed: resume point)
};

struct TrainCallbacks {
  std::function<void(const TrainProgress&)> on_checkpoint;  ///< rank 0 and the others alike
};

struct TrainResult {
  Index first_step = 0;       ///< 0, or the resume step
  Index last_step = 0;        ///< the step reached
  bool completed = false;     ///< last_step == T
  std::string last_checkpoint;
  Index last_checkpoint_step = 0;
  EvalMetrics metrics;        ///< at the last checkpoint evaluated (last_checkpoint_step)
  double seconds = 0;         ///< wall time of this call
  double step_seconds = 0;    ///< of which in training steps (sampling, gradient, allreduce, update)
  Index steps_run = 0;
  VectorF theta;              ///< θ at last_step (the same on every rank)
  OptimizerState optimizer;   ///< the optimizer state at last_step
};

/// Memory budget of one evaluation block (the forward pass's peak, see
/// nn::pass_footprint), and the largest block used even when more fit.
inline constexpr Index kEvaluationBudgetBytes = Index{256} << 20;
inline constexpr Index kEvaluationMaxBlock = 4096;

/// Samples per evaluation block for a forward pass that needs
/// bytes_per_sample at its peak (pass_footprint<float>(model).forward_peak):
/// as many as fit in budget_bytes, at least 1, at most kEvaluationMaxBlock.
/// MLPs get 4096 (a few KB per sample); 3c3d on 1x28x28 needs 576 KiB per
/// sample at its peak (the first ReLU: input, output twice, σ'), so 455 —
/// instead of 4096 samples × every layer's outputs and caches (~4.7 GB).
[[nodiscard]] Index evaluation_block(Index bytes_per_sample, Index budget_bytes = kEvaluationBudgetBytes);

/// Sums over the samples X (features x n), y of an evaluation: loss =
/// w Σ_i ℓ_i (w = weight) and correct = the number of samples whose largest
/// logit (first on ties) is the label; computed by forward_logits in blocks
/// of `block` samples, the loss summed per block then over blocks (so the
/// loss depends on the block size only by rounding). Local (no MPI).
struct EvalSums {
  double loss = 0;
  double correct = 0;
};
[[nodiscard]] EvalSums evaluate_samples(const Model& model, const Eigen::Ref<const VectorF>& theta,
                                        const Eigen::Ref<const MatrixF>& X, std::span<const std::int32_t> y, Loss loss,
                                        double weight, Index block);

/// The run directory's file names.
[[nodiscard]] std::string checkpoint_path(const std::string& out_dir, Index step, Index total_steps);
[[nodiscard]] std::string metrics_path(const std::string& out_dir);
[[nodiscard]] std::string run_ini_path(const std::string& out_dir);

/// Train (the algorithm above). Collective. Errors are collective
/// seigh::Errors: bad configuration, unloadable data, a model that does not
/// fit the data, an OUT that holds another run, a checkpoint that does not
/// match, and divergence ("training diverged at step t (loss = nan); the
/// last checkpoint, step s, is intact: PATH").
TrainResult train(const dist::Comm& comm, const TrainConfig& config, const TrainCallbacks& callbacks = {});

}  // namespace seigh::nn
