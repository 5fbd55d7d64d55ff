#include "seigh/nn/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "seigh/core/error.hpp"
#include "seigh/core/version.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/io/checkpoint.hpp"
#include "seigh/nn/checkpoint_schedule.hpp"
#include "seigh/nn/derivatives.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"
#include "seigh/nn/sampler.hpp"
#include "seigh/nn/train_metrics.hpp"

namespace seigh::nn {

namespace fs = std::filesystem;

std::string checkpoint_path(const std::string& out_dir, Index step, Index total_steps) {
  const int width = std::max<int>(8, static_cast<int>(std::to_string(total_steps).size()));
  char name[64];
  std::snprintf(name, sizeof name, "step_%0*lld.h5", width, static_cast<long long>(step));
  return (fs::path(out_dir) / "checkpoints" / name).string();
}
std::string metrics_path(const std::string& out_dir) { return (fs::path(out_dir) / "metrics.h5").string(); }
std::string run_ini_path(const std::string& out_dir) { return (fs::path(out_dir) / "run.ini").string(); }

Index evaluation_block(Index bytes_per_sample, Index budget_bytes) {
  SEIGH_REQUIRE(bytes_per_sample > 0 && budget_bytes > 0)
      << "evaluation_block: bytes per sample " << bytes_per_sample << " and budget " << budget_bytes
      << " must be positive";
  return std::clamp<Index>(budget_bytes / bytes_per_sample, 1, kEvaluationMaxBlock);
}

EvalSums evaluate_samples(const Model& model, const Eigen::Ref<const VectorF>& theta, const Eigen::Ref<const MatrixF>& X,
                          std::span<const std::int32_t> y, Loss loss, double weight, Index block) {
  SEIGH_REQUIRE(block >= 1) << "evaluation block must be >= 1, got " << block;
  SEIGH_REQUIRE(static_cast<Index>(y.size()) == X.cols())
      << "evaluation: " << X.cols() << " samples but " << y.size() << " labels";
  EvalSums sums;
  const Index n = X.cols();
  const float w = static_cast<float>(weight);
  for (Index j0 = 0; j0 < n; j0 += block) {
    const Index m = std::min(block, n - j0);
    const MatrixF logits = forward_logits(model, theta, X.middleCols(j0, m));
    const std::span<const std::int32_t> yb = y.subspan(static_cast<std::size_t>(j0), static_cast<std::size_t>(m));
    sums.loss += loss_value<float>(loss, logits, yb, w);
    for (Index j = 0; j < m; ++j) {
      Index best = 0;
      logits.col(j).maxCoeff(&best);
      if (best == yb[static_cast<std::size_t>(j)]) sums.correct += 1;
    }
  }
  return sums;
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Throws the same collective Error on every rank (for decisions every rank
/// makes identically from replicated data).
[[noreturn]] void fail_everywhere(const std::string& message) { throw Error(message, /*collective=*/true); }

// ---------------------------------------------------------------------------
// Run directory.

std::map<std::string, std::string> parse_ini(const std::string& text) {
  std::map<std::string, std::string> entries;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t\r");
      const auto e = s.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    entries[trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
  }
  return entries;
}

std::string ini_differences(const std::string& old_text, const std::string& new_text) {
  const auto a = parse_ini(old_text);
  const auto b = parse_ini(new_text);
  std::ostringstream out;
  for (const auto& [key, value] : a) {
    const auto found = b.find(key);
    if (found == b.end()) out << "\n  " << key << ": '" << value << "' there, not set here";
    else if (found->second != value) out << "\n  " << key << ": '" << value << "' there, '" << found->second << "' here";
  }
  for (const auto& [key, value] : b)
    if (!a.count(key)) out << "\n  " << key << ": not set there, '" << value << "' here";
  return out.str();
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Rank 0 checks and prepares OUT (refusing another run unless overwrite),
/// writes run.ini; the outcome is agreed. Collective.
void prepare_run_directory(const dist::Comm& comm, const TrainConfig& c, bool resuming) {
  dist::collective(comm, [&] {
    if (!comm.is_root()) return;
    const fs::path out(c.out_dir);
    SEIGH_REQUIRE(!c.out_dir.empty()) << "no output directory (--out DIR)";
    std::error_code ec;
    SEIGH_REQUIRE(!fs::exists(out) || fs::is_directory(out)) << "--out '" << c.out_dir << "' exists and is not a directory";
    const fs::path ini = run_ini_path(c.out_dir);
    if (!resuming && fs::exists(out) && !c.overwrite) {
      if (fs::exists(ini)) {
        const std::string differences = ini_differences(read_text(ini), c.run_ini);
        SEIGH_REQUIRE(differences.empty())
            << "--out '" << c.out_dir << "' holds another run (its run.ini differs:" << differences
            << "\n); use --overwrite to replace it, --resume CHECKPOINT to continue it, or another --out";
      } else {
        SEIGH_REQUIRE(fs::is_empty(out)) << "--out '" << c.out_dir
                                         << "' is not empty and holds no run.ini (not a seigh train run); use "
                                            "--overwrite to write into it anyway, or another --out";
      }
    }
    if (!resuming && c.overwrite && fs::exists(out)) {
      // Only this tool's own files go: the old run's checkpoints and metrics.
      const fs::path checkpoints = out / "checkpoints";
      if (fs::is_directory(checkpoints)) {
        for (const auto& entry : fs::directory_iterator(checkpoints)) {
          const std::string name = entry.path().filename().string();
          if (name.rfind("step_", 0) == 0) fs::remove(entry.path());
        }
      }
      fs::remove(metrics_path(c.out_dir));
    }
    fs::create_directories(out / "checkpoints", ec);
    SEIGH_REQUIRE(!ec) << "cannot create '" << (out / "checkpoints").string() << "': " << ec.message();
    const fs::path partial = ini.string() + ".partial";
    {
      std::ofstream file(partial);
      file << c.run_ini;
      SEIGH_REQUIRE(file.good()) << "cannot write '" << partial.string() << "'";
    }
    fs::rename(partial, ini, ec);
    SEIGH_REQUIRE(!ec) << "cannot write '" << ini.string() << "': " << ec.message();
  });
}

/// The checkpoint with the largest step in OUT/checkpoints. Collective.
std::string latest_checkpoint(const dist::Comm& comm, const std::string& out_dir) {
  std::string found;
  dist::collective(comm, [&] {
    if (!comm.is_root()) return;
    const fs::path dir = fs::path(out_dir) / "checkpoints";
    SEIGH_REQUIRE(fs::is_directory(dir)) << "--resume latest: no checkpoints directory '" << dir.string() << "'";
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("step_", 0) == 0 && entry.path().extension() == ".h5" && name.size() > 8) {
        if (found.empty() || name > fs::path(found).filename().string()) found = entry.path().string();
      }
    }
    SEIGH_REQUIRE(!found.empty()) << "--resume latest: no checkpoint in '" << dir.string() << "'";
  });
  return comm.broadcast_string(found);
}

// ---------------------------------------------------------------------------
// Evaluation.

/// Rank r's share of an evaluation set.
struct EvalShard {
  data::Dataset samples;  ///< this rank's contiguous share
  Index total = 0;        ///< N of the whole set
};

EvalShard make_shard(const dist::Comm& comm, const data::Dataset& d) {
  const dist::RowPartition p = comm.partition(d.size());
  return {data::slice(d, p.row_offset(), p.row_offset() + p.local_rows()), d.size()};
}

/// This rank's (weighted loss, correct predictions) on its shard, in
/// blocks of `block` samples (bounded memory).
void evaluate_shard(const Model& model, const VectorF& theta, const EvalShard& shard, Loss loss, Index block,
                    double& loss_sum, double& correct) {
  const Index n = shard.samples.size();
  if (n == 0) return;
  const EvalSums sums = evaluate_samples(model, theta, shard.samples.x, shard.samples.y, loss,
                                         1.0 / static_cast<double>(shard.total), block);
  loss_sum += sums.loss;
  correct += sums.correct;
}

/// Loss and accuracy on both evaluation sets: one allreduce. Collective.
EvalMetrics evaluate(const dist::Comm& comm, const Model& model, const VectorF& theta, const EvalShard& train_set,
                     const EvalShard& test_set, Loss loss, Index block) {
  VectorD sums = VectorD::Zero(4);
  dist::collective(comm, [&] {
    evaluate_shard(model, theta, train_set, loss, block, sums[0], sums[1]);
    evaluate_shard(model, theta, test_set, loss, block, sums[2], sums[3]);
  });
  comm.allreduce_sum(sums);
  return {sums[0], sums[1] / static_cast<double>(train_set.total), sums[2],
          sums[3] / static_cast<double>(test_set.total)};
}

// ---------------------------------------------------------------------------
// Resume checks.

/// The value in a "the loss is not finite (VALUE)" message, else NaN.
double loss_in_message(const std::string& message) {
  const std::string marker = "the loss is not finite (";
  const auto at = message.find(marker);
  if (at == std::string::npos) return std::numeric_limits<double>::quiet_NaN();
  return std::strtod(message.c_str() + at + marker.size(), nullptr);
}

}  // namespace

TrainResult train(const dist::Comm& comm, const TrainConfig& config_in, const TrainCallbacks& callbacks) {
  const auto t_start = Clock::now();
  TrainConfig c = config_in;
  c.schedule.total_steps = c.steps;

  // --- Configuration (identical on every rank: checked everywhere, agreed).
  Model model = dist::collective(comm, [&] {
    SEIGH_REQUIRE(c.steps >= 1) << "--steps must be >= 1, got " << c.steps;
    SEIGH_REQUIRE(c.batch >= 1) << "--batch must be >= 1, got " << c.batch;
    SEIGH_REQUIRE(c.stop_after_steps >= 0) << "--stop-after-steps must be >= 0";
    validate(c.schedule);
    validate(c.optimizer);
    SEIGH_REQUIRE(!c.model.empty()) << "no model (--model SPEC, e.g. mlp(256-20-20-20-20-20-10,tanh))";
    return parse_model_spec(c.model);
  });
  const std::vector<Index> checkpoints = dist::collective(comm, [&] { return checkpoint_steps(c.checkpoints, c.steps); });
  const bool resuming = !c.resume.empty();

  // --- Data (every rank loads the same small sets; failures agreed).
  const data::Dataset train_set = data::load_dataset(comm, c.dataset, c.selection, c.load);
  const data::Dataset eval_train_full = data::load_dataset(comm, c.dataset, c.eval_train, c.load);
  const data::Dataset eval_test_full = data::load_dataset(comm, c.dataset, c.eval_test, c.load);
  dist::collective(comm, [&] {
    const auto& shape = train_set.sample_shape;  // (C, H, W): a CNN checks all three, an MLP their product
    model.check_data(Shape{shape[0], shape[1], shape[2]}, train_set.classes);
  });
  const EvalShard eval_train = make_shard(comm, eval_train_full);
  const EvalShard eval_test = make_shard(comm, eval_test_full);
  // Evaluation blocks sized by the forward pass's memory per sample (3c3d:
  // ~0.3 MB, so ~800 samples in 256 MiB; an MLP: 4096, as before).
  const Index eval_block =
      dist::collective(comm, [&] { return evaluation_block(pass_footprint<float>(model).forward_peak); });
  const Index D = model.parameter_count();

  // --- Start: a fresh θ, or a checkpoint.
  const std::string resume_path = resuming && c.resume == "latest" ? latest_checkpoint(comm, c.out_dir) : c.resume;
  VectorF theta;
  OptimizerState state;
  Index start = 0;
  const std::string optimizer_text = format_optimizer(c.optimizer);
  const std::string schedule_text = format_schedule(c.schedule);
  const std::string loss_text(name(c.loss));
  if (resuming) {
    const io::Checkpoint ck = io::read_checkpoint(comm, resume_path);
    dist::collective(comm, [&] {
      std::ostringstream diff;
      const auto text = [&](const char* key, const std::string& mine) {
        const auto theirs = io::attribute<std::string>(ck, key, resume_path);
        if (theirs != mine) diff << "\n  " << key << ": checkpoint has '" << theirs << "', this run has '" << mine << "'";
      };
      const auto number = [&](const char* key, std::int64_t mine) {
        const auto theirs = io::attribute<std::int64_t>(ck, key, resume_path);
        if (theirs != mine) diff << "\n  " << key << ": checkpoint has " << theirs << ", this run has " << mine;
      };
      text("model", model.spec());
      text("dataset", train_set.name);
      text("selection", train_set.selection);
      text("loss", loss_text);
      text("optimizer", optimizer_text);
      const double lr = io::attribute<double>(ck, "lr", resume_path);
      if (lr != c.schedule.lr)
        diff << "\n  lr: checkpoint has " << format_number(lr) << ", this run has " << format_number(c.schedule.lr);
      text("schedule", schedule_text);
      number("batch", c.batch);
      number("seed", static_cast<std::int64_t>(c.seed));
      SEIGH_REQUIRE(diff.str().empty()) << "--resume: checkpoint '" << resume_path
                                        << "' belongs to another run:" << diff.str();
      SEIGH_REQUIRE(ck.params.size() == D) << "--resume: checkpoint '" << resume_path << "' has "
                                           << ck.params.size() << " parameters, the model has " << D;
      start = io::attribute<std::int64_t>(ck, "step", resume_path);
      SEIGH_REQUIRE(start >= 0 && start <= c.steps) << "--resume: checkpoint '" << resume_path << "' is at step "
                                                    << start << ", beyond --steps " << c.steps;
      theta = ck.params;
      state = make_optimizer_state(c.optimizer, D);
      state.step = io::attribute<std::int64_t>(ck, "optimizer_step", resume_path);
      const auto load_state = [&](const char* key, VectorF& into) {
        const auto found = ck.state.find(key);
        SEIGH_REQUIRE(found != ck.state.end()) << "--resume: checkpoint '" << resume_path << "' has no /optimizer/"
                                               << key << " for optimizer " << optimizer_text;
        into = found->second;
      };
      if (c.optimizer.kind == OptimizerKind::momentum) load_state("momentum", state.momentum);
      if (c.optimizer.kind == OptimizerKind::adam) {
        load_state("adam_m", state.adam_m);
        load_state("adam_v", state.adam_v);
      }
    });
  } else {
    theta = init_parameters<float>(model, c.seed);
    state = make_optimizer_state(c.optimizer, D);
  }
  prepare_run_directory(comm, c, resuming);

  // --- Metrics table: the rows up to the start (on resume).
  MetricsTable table;
  const std::string metrics_file = metrics_path(c.out_dir);
  if (resuming) {
    const bool have = comm.broadcast_value<int>(comm.is_root() && fs::exists(metrics_file)) != 0;
    if (have) {
      table = read_metrics(comm, metrics_file);
      table.truncate_after(start);
    }
  }
  const double seconds_before = table.rows() > 0 ? table.seconds.back() : 0.0;
  const std::vector<std::pair<std::string, std::string>> metrics_attributes{
      {"model", model.spec()},         {"dataset", train_set.name},        {"selection", train_set.selection},
      {"eval_train", eval_train_full.selection}, {"eval_test", eval_test_full.selection},
      {"optimizer", optimizer_text},   {"schedule", schedule_text},        {"seigh_version", version_string()}};

  TrainResult result;
  result.first_step = start;
  result.last_checkpoint = resuming ? resume_path : std::string();
  Index last_checkpoint_step = start;
  double batch_loss = std::numeric_limits<double>::quiet_NaN();
  const auto run_start = Clock::now();

  // Evaluate at step t; write the checkpoint (unless it is the resume
  // point, which exists), then the metrics row, then report.
  double checkpoint_seconds = 0;
  Index checkpoints_done = 0;
  const auto checkpoint_at = [&](Index t, bool write_file) {
    const auto checkpoint_start = Clock::now();
    const EvalMetrics m = evaluate(comm, model, theta, eval_train, eval_test, c.loss, eval_block);
    const double lr = learning_rate(c.schedule, t);
    std::string path;
    if (write_file) {
      path = checkpoint_path(c.out_dir, t, c.steps);
      io::Checkpoint ck;
      ck.params = theta;
      ck.attributes = {{"model", model.spec()},
                       {"step", std::int64_t{t}},
                       {"seed", static_cast<std::int64_t>(c.seed)},
                       {"dataset", train_set.name},
                       {"selection", train_set.selection},
                       {"loss", loss_text},
                       {"optimizer", optimizer_text},
                       {"lr", c.schedule.lr},
                       {"lr_at_step", lr},
                       {"schedule", schedule_text},
                       {"batch", std::int64_t{c.batch}},
                       {"steps", std::int64_t{c.steps}},
                       {"eval_train", eval_train_full.selection},
                       {"eval_test", eval_test_full.selection},
                       {"optimizer_step", std::int64_t{state.step}},
                       {"n_ranks", std::int64_t{comm.size()}},
                       {"seigh_version", version_string()},
                       {"train_loss", m.train_loss},
                       {"train_accuracy", m.train_accuracy},
                       {"test_loss", m.test_loss},
                       {"test_accuracy", m.test_accuracy}};
      if (state.momentum.size() > 0) ck.state["momentum"] = state.momentum;
      if (state.adam_m.size() > 0) ck.state["adam_m"] = state.adam_m;
      if (state.adam_v.size() > 0) ck.state["adam_v"] = state.adam_v;
      io::write_checkpoint(comm, path, ck);
      result.last_checkpoint = path;
      last_checkpoint_step = t;
    }
    const double seconds = seconds_before + since(run_start);
    table.truncate_after(t - 1);
    table.step.push_back(t);
    table.train_loss.push_back(m.train_loss);
    table.train_accuracy.push_back(m.train_accuracy);
    table.test_loss.push_back(m.test_loss);
    table.test_accuracy.push_back(m.test_accuracy);
    table.lr.push_back(lr);
    table.seconds.push_back(comm.broadcast_value(seconds));
    write_metrics(comm, metrics_file, table, metrics_attributes);
    result.metrics = m;
    result.last_checkpoint_step = t;
    checkpoint_seconds += since(checkpoint_start);
    ++checkpoints_done;
    const auto later = static_cast<double>(checkpoints.end() - std::upper_bound(checkpoints.begin(), checkpoints.end(), t));
    const double eta = result.steps_run > 0
                           ? static_cast<double>(c.steps - t) * result.step_seconds / static_cast<double>(result.steps_run) +
                                 later * checkpoint_seconds / static_cast<double>(checkpoints_done)
                           : std::numeric_limits<double>::quiet_NaN();
    if (callbacks.on_checkpoint)
      callbacks.on_checkpoint({t, c.steps, start, lr, batch_loss, m, since(run_start), eta, path});
  };

  BatchSampler sampler(c.seed, train_set.size(), c.batch);
  const dist::RowRange mine = dist::local_range(comm.rank(), c.batch, comm.size());
  const Index F = train_set.features();
  MatrixF X(F, mine.size());
  std::vector<std::int32_t> y(static_cast<std::size_t>(mine.size()));
  VectorF buffer(D + 1);  // [∇L, L]: the one allreduce of a step

  Index t = start;
  while (true) {
    if (t == start && resuming) {
      // The resume point exists; its metrics row may not (killed between
      // the checkpoint and the metrics file).
      if (table.rows() == 0 || table.step.back() != start) checkpoint_at(t, false);
    } else if (std::binary_search(checkpoints.begin(), checkpoints.end(), t)) {
      checkpoint_at(t, true);
    }
    if (t == c.steps) break;
    if (c.stop_after_steps > 0 && t - start == c.stop_after_steps) break;

    const auto step_start = Clock::now();
    const std::vector<Index> indices = sampler.batch_part(t, mine.begin, mine.end);
    for (std::size_t j = 0; j < indices.size(); ++j) {
      X.col(static_cast<Index>(j)) = train_set.x.col(indices[j]);
      y[j] = train_set.y[static_cast<std::size_t>(indices[j])];
    }
    double local_loss = 0;
    buffer.setZero();
    if (!indices.empty()) {
      try {
        local_loss = loss_and_gradient(model, theta, X, y, c.loss, 1.0 / static_cast<double>(c.batch),
                                       buffer.head(D));
      } catch (const Error& e) {
        // Not finite here; the allreduce tells every rank (NaN/Inf spread).
        local_loss = loss_in_message(e.what());
        if (std::isfinite(local_loss)) local_loss = std::numeric_limits<double>::quiet_NaN();
      }
    }
    buffer[D] = static_cast<float>(local_loss);
    comm.allreduce_sum(buffer);
    batch_loss = buffer[D];
    const auto diverged = [&](const std::string& what) {
      std::ostringstream message;
      message << "training diverged at step " << t << " (" << what << "); ";
      if (result.last_checkpoint.empty()) message << "no checkpoint was written";
      else message << "the last checkpoint, step " << last_checkpoint_step << ", is intact: " << result.last_checkpoint;
      fail_everywhere(message.str());
    };
    if (!std::isfinite(batch_loss)) diverged("loss = " + format_number(batch_loss));
    if (!buffer.head(D).allFinite()) diverged("loss = " + format_number(batch_loss) + ", gradient not finite");
    optimizer_step(c.optimizer, state, learning_rate(c.schedule, t), buffer.head(D), theta);
    if (!theta.allFinite())
      diverged("loss = " + format_number(batch_loss) + "; the update made the parameters non-finite");
    result.step_seconds += since(step_start);
    ++t;
    ++result.steps_run;
  }
  result.last_step = t;
  result.completed = t == c.steps;
  result.theta = std::move(theta);
  result.optimizer = std::move(state);
  result.seconds = since(t_start);
  return result;
}

}  // namespace seigh::nn
