/// \file
/// `seigh train`: data-parallel training with HDF5 checkpoints and exact
/// restart (nn::train). Thin: options → nn::TrainConfig, progress lines.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "commands.hpp"
#include "seigh/nn/checkpoint_schedule.hpp"
#include "seigh/nn/train.hpp"

namespace seigh::app {

namespace {

/// What the command line fills before it becomes a TrainConfig.
struct TrainOptions {
  nn::TrainConfig config;
  std::string loss = "cross-entropy";
  std::string optimizer = "sgd";
  std::string schedule = "constant";
  Index checkpoint_every = 0;
  std::string checkpoints;
  bool quiet = false;
};

OptionSpec train_options(TrainOptions& o) {
  auto& c = o.config;
  OptionSpec spec{"train", "mpirun -np P seigh train --model SPEC --lr LR --batch B --steps T --out DIR [options]",
                  "Train a model with data-parallel SGD (or momentum, Adam): the global batch is split over the\n"
                  "ranks, gradients are averaged with one allreduce per step, the sample order comes from the\n"
                  "counter-based RNG (independent of the rank count). Writes OUT/checkpoints/step_T.h5 (/params\n"
                  "float32 [D] in PyTorch's parameters_to_vector order, optimizer state, attributes),\n"
                  "OUT/metrics.h5 (train/test loss and accuracy per checkpoint) and OUT/run.ini (this\n"
                  "configuration: 'seigh train --config OUT/run.ini --resume latest' continues the run).\n\n"
                  "Checkpoints: --checkpoint-every N, or --checkpoints LIST with items STEP or START:STOP:STEP\n"
                  "(STOP inclusive), e.g. 0:1000:5,1100:5000:100, or --checkpoints log:K (K log-spaced steps).\n"
                  "Step 0 and the last step are always written.",
                  {},
                  {}};
  spec.options.add_options()
      ("model", po::value(&c.model)->required()->value_name("SPEC"), "e.g. mlp(256-20-20-20-20-20-10,tanh)")
      ("dataset", po::value(&c.dataset)->default_value(c.dataset)->value_name("NAME"), "fmnist | fmnist16 | file:PATH")
      ("select", po::value(&c.selection)->default_value(c.selection)->value_name("SEL"), "training samples")
      ("eval-train", po::value(&c.eval_train)->default_value(c.eval_train)->value_name("SEL"),
       "evaluation subset for the train metrics (class balanced)")
      ("eval-test", po::value(&c.eval_test)->default_value(c.eval_test)->value_name("SEL"),
       "evaluation subset for the test metrics")
      ("data-dir", po::value(&c.load.data_dir)->value_name("DIR"), "directory of the Fashion-MNIST IDX .gz files")
      ("loss", po::value(&o.loss)->default_value(o.loss), "cross-entropy | mse")
      ("optimizer", po::value(&o.optimizer)->default_value(o.optimizer), "sgd | momentum | adam (PyTorch's definitions)")
      ("momentum", po::value(&c.optimizer.momentum)->default_value(c.optimizer.momentum, "0.9")->value_name("MU"), "momentum: mu")
      ("beta1", po::value(&c.optimizer.beta1)->default_value(c.optimizer.beta1, "0.9")->value_name("B1"), "adam: beta1")
      ("beta2", po::value(&c.optimizer.beta2)->default_value(c.optimizer.beta2, "0.999")->value_name("B2"), "adam: beta2")
      ("eps", po::value(&c.optimizer.eps)->default_value(c.optimizer.eps, "1e-08")->value_name("EPS"), "adam: epsilon")
      ("lr", po::value(&c.schedule.lr)->required()->value_name("LR"), "learning rate (> 0)")
      ("schedule", po::value(&o.schedule)->default_value(o.schedule), "constant | step | cosine")
      ("step-size", po::value(&c.schedule.step_size)->default_value(0), "step: multiply lr by gamma every N steps")
      ("gamma", po::value(&c.schedule.gamma)->default_value(c.schedule.gamma, "0.1")->value_name("GAMMA"), "step: decay factor")
      ("eta-min", po::value(&c.schedule.eta_min)->default_value(c.schedule.eta_min), "cosine: final lr")
      ("batch", po::value(&c.batch)->required()->value_name("B"), "global batch size (split over the ranks)")
      ("steps", po::value(&c.steps)->required()->value_name("T"), "training steps T")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the initialisation and of the sample order")
      ("checkpoint-every", po::value(&o.checkpoint_every)->value_name("N"), "checkpoint every N steps (default 100)")
      ("checkpoints", po::value(&o.checkpoints)->value_name("LIST"), "checkpoint steps: LIST | log:K | every:N")
      ("out", po::value(&c.out_dir)->required()->value_name("DIR"), "run directory")
      ("overwrite", po::bool_switch(&c.overwrite), "replace another run in --out")
      ("resume", po::value(&c.resume)->value_name("CHECKPOINT"),
       "continue from a checkpoint (a path, or 'latest' in --out)")
      ("stop-after-steps", po::value(&c.stop_after_steps)->default_value(0),
       "for testing resume: stop after this many steps of this run")
      ("quiet", po::bool_switch(&o.quiet), "no progress lines");
  return spec;
}

/// Options that belong to another optimizer or schedule: an error, not
/// something to ignore silently.
void check_applicable(const po::variables_map& vm, const TrainOptions& o) {
  const auto given = [&](const char* name) { return vm.count(name) && !vm[name].defaulted(); };
  require_option(!given("momentum") || o.optimizer == "momentum",
                 "contradictory options: --momentum applies to --optimizer momentum, not " + o.optimizer);
  for (const char* name : {"beta1", "beta2", "eps"})
    require_option(!given(name) || o.optimizer == "adam",
                   std::string("contradictory options: --") + name + " applies to --optimizer adam, not " + o.optimizer);
  for (const char* name : {"step-size", "gamma"})
    require_option(!given(name) || o.schedule == "step",
                   std::string("contradictory options: --") + name + " applies to --schedule step, not " + o.schedule);
  require_option(!given("eta-min") || o.schedule == "cosine",
                 "contradictory options: --eta-min applies to --schedule cosine, not " + o.schedule);
  require_exclusive(vm, {"checkpoint-every", "checkpoints"});
}

/// The effective configuration as INI (OUT/run.ini): what the run does,
/// not how it was invoked (no resume, overwrite, stop-after-steps, quiet).
std::string run_ini(const TrainOptions& o) {
  const auto& c = o.config;
  std::ostringstream ini;
  ini << "# seigh train: the effective configuration of this run\n"
      << "model = " << c.model << "\n"
      << "dataset = " << c.dataset << "\n"
      << "select = " << c.selection << "\n"
      << "eval-train = " << c.eval_train << "\n"
      << "eval-test = " << c.eval_test << "\n";
  if (!c.load.data_dir.empty()) ini << "data-dir = " << c.load.data_dir << "\n";
  ini << "loss = " << o.loss << "\n"
      << "optimizer = " << o.optimizer << "\n";
  if (o.optimizer == "momentum") ini << "momentum = " << nn::format_number(c.optimizer.momentum) << "\n";
  if (o.optimizer == "adam")
    ini << "beta1 = " << nn::format_number(c.optimizer.beta1) << "\nbeta2 = " << nn::format_number(c.optimizer.beta2)
        << "\neps = " << nn::format_number(c.optimizer.eps) << "\n";
  ini << "lr = " << nn::format_number(c.schedule.lr) << "\n"
      << "schedule = " << o.schedule << "\n";
  if (o.schedule == "step")
    ini << "step-size = " << c.schedule.step_size << "\ngamma = " << nn::format_number(c.schedule.gamma) << "\n";
  if (o.schedule == "cosine") ini << "eta-min = " << nn::format_number(c.schedule.eta_min) << "\n";
  ini << "batch = " << c.batch << "\n"
      << "steps = " << c.steps << "\n"
      << "seed = " << c.seed << "\n"
      << "checkpoints = " << c.checkpoints << "\n"
      << "out = " << c.out_dir << "\n";
  return ini.str();
}

std::string format_seconds(double s) {
  char text[32];
  if (s < 120) std::snprintf(text, sizeof text, "%.0f s", s);
  else if (s < 7200) std::snprintf(text, sizeof text, "%.1f min", s / 60);
  else std::snprintf(text, sizeof text, "%.1f h", s / 3600);
  return text;
}

int run_train(const dist::Comm& comm, const std::vector<std::string>& args) {
  TrainOptions o;
  OptionSpec spec = train_options(o);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  check_applicable(*vm, o);
  nn::TrainConfig& c = o.config;
  try {
    c.loss = nn::parse_loss(o.loss);
    c.optimizer.kind = nn::parse_optimizer(o.optimizer);
    c.schedule.kind = nn::parse_schedule_kind(o.schedule);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  if (vm->count("checkpoint-every")) c.checkpoints = "every:" + std::to_string(o.checkpoint_every);
  else if (vm->count("checkpoints")) c.checkpoints = o.checkpoints;
  // Values (lr, batch, steps, the checkpoint steps) are checked by
  // nn::train before any work, as collective errors ("seigh: error: ...").
  c.run_ini = run_ini(o);

  const bool show = !o.quiet && comm.is_root();
  nn::TrainCallbacks callbacks;
  callbacks.on_checkpoint = [&](const nn::TrainProgress& p) {
    if (!show) return;
    const Index done = p.step - p.first_step;
    const double rate = p.seconds > 0 && done > 0 ? static_cast<double>(done) / p.seconds : 0;
    // No batch has been trained on at the run's first checkpoint: "-", not nan.
    char batch_loss[32] = "-";
    if (done > 0) std::snprintf(batch_loss, sizeof batch_loss, "%.4f", p.batch_loss);
    std::fprintf(stderr, "[%8.1f s] step %lld/%lld  lr %.4g  batch loss %s  train %.4f / %.2f%%  test %.4f / %.2f%%",
                 p.seconds, static_cast<long long>(p.step), static_cast<long long>(p.steps), p.lr, batch_loss,
                 p.metrics.train_loss, 100 * p.metrics.train_accuracy, p.metrics.test_loss,
                 100 * p.metrics.test_accuracy);
    if (rate > 0) std::fprintf(stderr, "  %.1f steps/s", rate);
    if (p.step < p.steps && std::isfinite(p.eta_seconds))
      std::fprintf(stderr, "  ETA %s", format_seconds(p.eta_seconds).c_str());
    std::fprintf(stderr, "\n");
  };
  if (show) {
    std::fprintf(stderr, "seigh train: %s on %s %s, %s, lr %s (%s), batch %lld, %lld steps, %d rank(s)%s\n",
                 c.model.c_str(), c.dataset.c_str(), c.selection.c_str(), o.optimizer.c_str(),
                 nn::format_number(c.schedule.lr).c_str(), o.schedule.c_str(), static_cast<long long>(c.batch),
                 static_cast<long long>(c.steps), comm.size(), c.resume.empty() ? "" : (", resuming from " + c.resume).c_str());
  }
  const nn::TrainResult r = nn::train(comm, c, callbacks);
  if (comm.is_root()) {
    std::printf("seigh train: %s at step %lld/%lld; %lld steps in %.1f s (%.1f steps/s in training steps); "
                "at step %lld: test accuracy %.2f%%, test loss %.4f; last checkpoint %s\n",
                r.completed ? "finished" : "stopped", static_cast<long long>(r.last_step),
                static_cast<long long>(c.steps), static_cast<long long>(r.steps_run), r.seconds,
                r.step_seconds > 0 ? static_cast<double>(r.steps_run) / r.step_seconds : 0.0,
                static_cast<long long>(r.last_checkpoint_step), 100 * r.metrics.test_accuracy, r.metrics.test_loss,
                r.last_checkpoint.c_str());
    std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

Command train_command() {
  return {"train", "train a model with data-parallel SGD, HDF5 checkpoints and exact restart", run_train};
}

}  // namespace seigh::app
