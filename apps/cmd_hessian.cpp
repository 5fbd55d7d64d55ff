/// \file
/// `seigh hessian`: top eigenpairs of a network's loss Hessian at one or
/// more training checkpoints (DESIGN.md §4), by SEIGH, exact or Lanczos,
/// on a class-balanced Hessian data set sharded over the ranks.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "solver_cli.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/io/checkpoint.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/nn/hessian_operator.hpp"
#include "seigh/nn/model.hpp"

namespace seigh::app {

namespace {

namespace fs = std::filesystem;

/// Plain configuration filled from the command line.
struct HessianConfig {
  std::vector<std::string> checkpoints;
  std::string run_dir;
  std::string steps;
  std::string hessian_data = "train:500,test:500";
  std::string curvature = "hessian";
  std::string out_dir;
  bool skip_existing = false;
  data::LoadOptions load;
  SolverConfig solver;
};

OptionSpec hessian_options(HessianConfig& c) {
  // Network derivatives run in float32 unless asked (the nn module's default).
  c.solver.precision = "float32";
  OptionSpec spec{
      "hessian",
      "mpirun -np P seigh hessian --checkpoint CKPT.h5 [more.h5 ...] | --run DIR [--steps LIST]\n"
      "                                  --k K [--method seigh|exact|lanczos] [options] --out EIG.h5 | --out-dir DIR",
      "Top-k eigenpairs of the loss Hessian at training checkpoints. The model, the dataset and the loss come\n"
      "from the checkpoint's attributes; the Hessian data is a class-balanced selection of that dataset\n"
      "(--hessian-data, default train:500,test:500: the first 50 samples of each class of each split), split\n"
      "over the ranks. The loss is the mean over those samples. Several checkpoints reuse the loaded data and\n"
      "write one result each (--out-dir DIR: DIR/<checkpoint name>.eig.h5).\n\n"
      "Steps (--steps): a comma list of steps t or ranges START:STOP:STEP (STOP inclusive), e.g. 0:1000:100.",
      {},
      {}};
  spec.options.add_options()
      ("checkpoint", po::value(&c.checkpoints)->multitoken()->value_name("FILE.h5"), "checkpoint(s) of seigh train")
      ("run", po::value(&c.run_dir)->value_name("DIR"), "a seigh train run directory: its checkpoints/*.h5")
      ("steps", po::value(&c.steps)->value_name("LIST"), "with --run: only these steps (default: all)")
      ("hessian-data", po::value(&c.hessian_data)->default_value(c.hessian_data)->value_name("SEL"),
       "the Hessian samples (selection of the checkpoint's dataset)")
      ("curvature", po::value(&c.curvature)->default_value(c.curvature), "hessian | ggn (Gauss-Newton)")
      ("data-dir", po::value(&c.load.data_dir)->value_name("DIR"), "directory of the Fashion-MNIST IDX files")
      ("out-dir", po::value(&c.out_dir)->value_name("DIR"), "one result per checkpoint: DIR/<checkpoint name>.eig.h5")
      ("skip-existing", po::bool_switch(&c.skip_existing),
       "with --out-dir: keep results that already exist (whatever settings made them) and compute only the\n"
       "missing ones, e.g. to continue an interrupted sweep (results are renamed into place only when complete;\n"
       "a measurement interrupted mid-way is continued from its sketch file, as with --resume)");
  add_solver_options(spec.options, c.solver);
  return spec;
}

/// Steps of a `--steps` list: t or START:STOP:STEP items.
std::set<Index> parse_step_filter(const std::string& text) {
  std::set<Index> steps;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    std::smatch m;
    if (std::regex_match(item, m, std::regex(R"((\d+))"))) {
      steps.insert(std::stoll(m[1]));
    } else if (std::regex_match(item, m, std::regex(R"((\d+):(\d+):(\d+))"))) {
      const Index start = std::stoll(m[1]), stop = std::stoll(m[2]), step = std::stoll(m[3]);
      require_option(step >= 1 && start <= stop, "--steps: bad range '" + item + "' (START <= STOP, STEP >= 1)");
      for (Index t = start; t <= stop; t += step) steps.insert(t);
    } else {
      throw UsageError("--steps: cannot read '" + item + "' (a step t or a range START:STOP:STEP)");
    }
  }
  require_option(!steps.empty(), "--steps: no steps given");
  return steps;
}

/// The checkpoints to process, in order: --checkpoint files as given, then
/// a run directory's checkpoints/step_<t>.h5 by step (filtered). The same on
/// every rank (rank 0 lists the directory; the list is broadcast).
std::vector<std::string> resolve_checkpoints(const dist::Comm& comm, const HessianConfig& c) {
  std::vector<std::string> list = c.checkpoints;
  if (!c.run_dir.empty()) {
    std::string joined;
    dist::collective(comm, [&] {
      if (!comm.is_root()) return;
      const fs::path dir = fs::path(c.run_dir) / "checkpoints";
      SEIGH_REQUIRE(fs::is_directory(dir)) << "--run " << c.run_dir << ": no checkpoints directory " << dir.string()
                                           << " (is it a seigh train run directory?)";
      std::map<Index, std::string> by_step;
      const std::regex name(R"(step_(\d+)\.h5)");
      for (const auto& entry : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string file = entry.path().filename().string();
        if (std::regex_match(file, m, name)) by_step[std::stoll(m[1])] = entry.path().string();
      }
      const std::set<Index> wanted = c.steps.empty() ? std::set<Index>{} : parse_step_filter(c.steps);
      for (const Index t : wanted)
        SEIGH_REQUIRE(by_step.count(t)) << "--steps: the run " << c.run_dir << " has no checkpoint at step " << t;
      for (const auto& [step, path] : by_step)
        if (wanted.empty() || wanted.count(step)) joined += path + "\n";
      SEIGH_REQUIRE(!joined.empty()) << "--run " << c.run_dir << ": no checkpoints in " << dir.string();
    });
    std::stringstream lines(comm.broadcast_string(joined));
    for (std::string line; std::getline(lines, line);) list.push_back(line);
  }
  return list;
}

std::string string_attribute(const io::Checkpoint& checkpoint, const std::string& name, const std::string& path,
                             const std::string& fallback = {}) {
  if (!checkpoint.attributes.count(name) && !fallback.empty()) return fallback;
  return io::attribute<std::string>(checkpoint, name, path);
}

/// The result path of one checkpoint.
std::string result_path(const HessianConfig& c, const std::string& checkpoint) {
  if (!c.solver.out.empty()) return c.solver.out;
  if (c.out_dir.empty()) return {};
  return (fs::path(c.out_dir) / (fs::path(checkpoint).stem().string() + ".eig.h5")).string();
}

template <class Scalar>
int solve_checkpoint(const dist::Comm& comm, const HessianConfig& c, eig::Ordering ordering,
                     const std::string& path, const io::Checkpoint& checkpoint, const data::Dataset& samples) {
  const std::string model_spec = string_attribute(checkpoint, "model", path);
  const std::string loss_name = string_attribute(checkpoint, "loss", path, "cross-entropy");
  const Index step = io::attribute<std::int64_t>(checkpoint, "step", path);
  const nn::Model model = dist::collective(comm, [&] { return nn::parse_model_spec(model_spec); });
  const nn::Loss loss = nn::parse_loss(loss_name);
  const nn::Curvature curvature = nn::parse_curvature(c.curvature);
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(checkpoint.params.size() == model.parameter_count())
        << path << ": /params has " << checkpoint.params.size() << " entries, the model " << model_spec << " has "
        << model.parameter_count() << " parameters";
  });
  const Vector<Scalar> theta = checkpoint.params.template cast<Scalar>();
  if (comm.is_root()) {
    // Before the (possibly long, possibly memory-exhausting) linearisation:
    // the largest shard's operator memory, and the lever.
    const Index largest_shard = (samples.size() + comm.size() - 1) / comm.size();
    const Index block = c.solver.sketch.block;
    const nn::HessianOperatorMemory m = nn::estimate_memory<Scalar>(model, largest_shard, block);
    std::printf("seigh hessian: operator memory per rank ~ %.2f GB (linearisation of %lld samples %.2f GB, R-pass "
                "workspace at --block %lld %.2f GB, product block %.2f GB; the solver's own D x k blocks come on "
                "top)%s\n",
                m.total() / 1e9, static_cast<long long>(largest_shard), m.linearization / 1e9,
                static_cast<long long>(block), m.workspace / 1e9, m.product / 1e9,
                m.workspace + m.product > 2e9 ? "; the workspace and product block scale with --block: lower it "
                                                "(or use more ranks) if that does not fit"
                                              : "");
    std::fflush(stdout);
  }
  auto op = nn::make_hessian_operator<Scalar>(comm, model, theta, samples, loss, curvature);

  const std::string absolute = fs::absolute(path).string();
  if (comm.is_root())
    std::printf("seigh hessian: %s (step %lld): %s, %s %s (N = %lld), %s of the %s loss = %.6g, |grad| = %.4g\n",
                path.c_str(), static_cast<long long>(step), model_spec.c_str(), samples.name.c_str(),
                samples.selection.c_str(), static_cast<long long>(samples.size()), c.curvature.c_str(),
                loss_name.c_str(), op.loss(), static_cast<double>(op.gradient().norm()));
  // What identifies this operator in a resumable sketch file: the same
  // checkpoint, data and curvature, nothing else.
  const std::string operator_text = "hessian(checkpoint=" + absolute + ",step=" + std::to_string(step) +
                                    ",model=" + model_spec + ",data=" + samples.name + ":" + samples.selection +
                                    ",curvature=" + c.curvature + ")";
  eig::AttributeList attributes{{"operator", operator_text},
                                {"checkpoint", absolute},
                                {"step", static_cast<std::int64_t>(step)},
                                {"model", model_spec},
                                {"dataset", samples.name},
                                {"hessian_data", samples.selection},
                                {"hessian_samples", static_cast<std::int64_t>(samples.size())},
                                {"loss", loss_name},
                                {"curvature", c.curvature},
                                {"loss_value", op.loss()},
                                {"gradient_norm", static_cast<double>(op.gradient().norm())}};
  std::string split_names;
  for (const auto& name : samples.split_names) split_names += (split_names.empty() ? "" : ",") + name;
  attributes.emplace_back("hessian_split_names", split_names);
  // Which samples the Hessian was computed on, one entry per sample.
  const eig::ExtraWriter samples_writer = [&](io::File& file) {
    io::write_replicated(file, "/hessian_source_split", samples.source_split, io::DType::int32);
    io::write_replicated(file, "/hessian_source_index", samples.source_index, io::DType::int64);
  };
  SolverConfig solver = c.solver;
  solver.out = result_path(c, path);
  if (c.skip_existing && !solver.resume) {
    // Continuing an interrupted sweep includes the measurement it was in:
    // its sketch file is resumed (the identity check still applies).
    const std::string sketch = solver.sketch_path();
    solver.resume = comm.broadcast_value<int>(comm.is_root() && fs::exists(sketch) ? 1 : 0) != 0;
    if (solver.resume && comm.is_root())
      std::printf("seigh hessian: continuing the interrupted measurement in %s\n", sketch.c_str());
  }
  return solve_and_report<Scalar>(comm, op, solver, ordering, nullptr, attributes, "hessian", samples_writer);
}

int run_hessian(const dist::Comm& comm, const std::vector<std::string>& args) {
  HessianConfig c;
  OptionSpec spec = hessian_options(c);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  const eig::Ordering ordering = check_solver_options(*vm, c.solver);
  require_option(!c.checkpoints.empty() || !c.run_dir.empty(), "give the checkpoint(s): --checkpoint FILE or --run DIR");
  require_option(c.steps.empty() || !c.run_dir.empty(), "--steps filters the checkpoints of --run DIR");
  require_exclusive(*vm, {"out", "out-dir"});
  require_option(!c.skip_existing || !c.out_dir.empty(), "--skip-existing needs --out-dir DIR");
  require_option(c.curvature == "hessian" || c.curvature == "ggn",
                 "unknown --curvature '" + c.curvature + "' (valid: hessian, ggn)");

  std::vector<std::string> checkpoints = resolve_checkpoints(comm, c);
  if (c.skip_existing) {
    // Decided on rank 0 and broadcast, so every rank skips the same ones.
    std::vector<std::string> missing;
    for (const auto& path : checkpoints) {
      const bool exists = comm.is_root() && fs::exists(result_path(c, path));
      if (comm.broadcast_value(static_cast<int>(exists)) == 0) missing.push_back(path);
      else if (comm.is_root()) std::printf("seigh hessian: %s exists, skipped\n", result_path(c, path).c_str());
    }
    checkpoints = std::move(missing);
    if (checkpoints.empty()) {
      if (comm.is_root()) std::printf("seigh hessian: every result exists already; nothing to do\n");
      return kExitOk;
    }
  }
  require_option(checkpoints.size() == 1 || c.solver.out.empty(),
                 "--out names one result, but " + std::to_string(checkpoints.size()) +
                     " checkpoints are given: use --out-dir DIR");
  require_option(checkpoints.size() == 1 || c.solver.sketch_file.empty(),
                 "--sketch names one measurement file, but " + std::to_string(checkpoints.size()) +
                     " checkpoints are given (with --out-dir each result keeps its own)");
  if (!c.out_dir.empty() && comm.is_root()) fs::create_directories(c.out_dir);
  comm.barrier();
  for (const auto& path : checkpoints) check_output_writable(comm, result_path(c, path));

  // The data set is loaded once and reused while the checkpoints agree on it.
  std::string loaded_dataset;
  data::Dataset samples;
  int status = kExitOk;
  for (const auto& path : checkpoints) {
    const io::Checkpoint checkpoint = io::read_checkpoint(comm, path);
    const std::string dataset = string_attribute(checkpoint, "dataset", path);
    if (dataset != loaded_dataset) {
      samples = data::load_dataset(comm, dataset, c.hessian_data, c.load);
      loaded_dataset = dataset;
    }
    const int code = c.solver.precision == "float32"
                         ? solve_checkpoint<float>(comm, c, ordering, path, checkpoint, samples)
                         : solve_checkpoint<double>(comm, c, ordering, path, checkpoint, samples);
    status = std::max(status, code);
  }
  return status;
}

}  // namespace

Command hessian_command() {
  return {"hessian", "top eigenpairs of a network's loss Hessian at training checkpoints", run_hessian};
}

}  // namespace seigh::app
