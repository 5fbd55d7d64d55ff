// bench_hvp: throughput of the distributed Hessian operator (exact block
// HVPs, nn/hessian_operator.hpp) next to the machine's float32 GEMM rate.
//
//   mpirun -np P build/experiments/bench_hvp [--case small|large|cnn|all] [--blocks 1,32]
//                                            [--reps N] [--budget SECONDS] [--quick]
//                                            [--cnn-samples N] [--fresh-output]
//
// Cases (issue #4; cnn: issue #7):
//   small  the paper's MLP 256-20-20-20-20-20-10 tanh on fmnist16,
//          train:500,test:500 (1000 samples, D = 7030)
//   large  MLP 784-3000-3000-10 tanh on the first 256 fmnist training
//          samples (D = 11,388,010); --quick uses 784-1000-1000-10.
//   cnn    the 3c3d preset (DeepOBS cifar10_3c3d on 1x28x28, D = 892,010)
//          on the first N fmnist 28x28 training samples (--cnn-samples,
//          default 128; the R-pass workspace is 754 KB per sample and
//          direction in float32 (nn::pass_footprint), so N = 128 at b = 32
//          needs ≈ 3.1 GB per rank).
// Parameters: PyTorch-style initialisation, seed 0; float32 throughout;
// probe blocks of b Gaussian-like columns.
//
// Reported per case and b: seconds per apply (median over reps, slowest
// rank), products per second (b / seconds), GFLOP/s of the GEMMs of one
// block HVP on all N samples (nn::hvp_flops; convolutions count their im2col
// GEMMs, im2col/col2im and pooling themselves are not counted) per rank, and that rate over
// the per-rank float32 GEMM rate measured right before, all ranks running
// concurrently. The apply includes the reduce-scatter of the D x b shard
// products. --fresh-output gives every apply a new, untouched output block
// (as a SEIGH run's sketch columns are), so the apply pays the output's
// first-touch page faults. Nothing is asserted: this is a measuring program.
#include <mpi.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "seigh/core/memory.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/nn/hessian_operator.hpp"
#include "seigh/nn/hvp_flops.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/model.hpp"

using seigh::Index;
using seigh::bench::median_seconds;
using seigh::bench::now_since;

namespace {

struct Config {
  std::string which = "all";
  std::vector<Index> blocks{1, 32};
  int reps = 5;
  double budget = 60;
  bool quick = false;
  Index cnn_samples = 128;
  bool fresh_output = false;  // a new output block per apply, as a run's sketch columns are
};

Config parse(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + arg);
      return argv[++i];
    };
    if (arg == "--case") cfg.which = value();
    else if (arg == "--reps") cfg.reps = std::stoi(value());
    else if (arg == "--budget") cfg.budget = std::stod(value());
    else if (arg == "--quick") cfg.quick = true;
    else if (arg == "--fresh-output") cfg.fresh_output = true;
    else if (arg == "--cnn-samples") cfg.cnn_samples = std::stoll(value());
    else if (arg == "--blocks") {
      cfg.blocks.clear();
      std::stringstream list(value());
      for (std::string item; std::getline(list, item, ',');) cfg.blocks.push_back(std::stoll(item));
    } else if (arg == "--help") {
      std::printf("usage: bench_hvp [--case small|large|cnn|all] [--blocks 1,32] [--reps N] [--budget S] [--quick]"
                  " [--cnn-samples N] [--fresh-output]\n");
      std::exit(0);
    } else {
      throw std::runtime_error("unknown option " + arg);
    }
  }
  return cfg;
}

struct Case {
  std::string name;
  std::string model;  // spec or preset
  std::string dataset;
  std::string selection;
  Index samples;  // first `samples` of the selection
};

void run_case(const seigh::dist::Comm& comm, const Config& cfg, const Case& c) {
  const bool root = comm.is_root();
  const auto t_load = std::chrono::steady_clock::now();
  seigh::data::Dataset data = seigh::data::load_dataset(c.dataset, c.selection, {});
  if (c.samples < data.size()) data = seigh::data::slice(data, 0, c.samples);
  const double load_s = now_since(t_load);
  const seigh::nn::Model model = seigh::nn::parse_model_spec(c.model);
  const seigh::VectorF theta = seigh::nn::init_parameters<float>(model, 0);
  const Index D = model.parameter_count(), N = data.size();

  comm.barrier();
  const auto t_build = std::chrono::steady_clock::now();
  auto op = seigh::nn::make_hessian_operator<float>(comm, model, theta, data, seigh::nn::Loss::cross_entropy);
  const double build_s = comm.max(now_since(t_build));
  if (root) {
    std::printf("\n## %s: %s, %s %s (N = %lld), D = %lld\n", c.name.c_str(), model.spec().c_str(), c.dataset.c_str(),
                c.selection.c_str(), static_cast<long long>(N), static_cast<long long>(D));
    std::printf("  data load %.2f s; operator build (forward + backward on the shards) %.2f s, %.2f GFLOP/s per rank; "
                "loss %.6f\n",
                load_s, build_s, seigh::nn::linearize_flops(model, N) / comm.size() / build_s / 1e9, op.loss());
  }
  for (const Index b : cfg.blocks) {
    const double gemm = seigh::bench::square_gemm_gflops<float>(comm, 1000, 3);
    seigh::MatrixF X(D, b);
    for (Index j = 0; j < b; ++j)
      for (Index i = 0; i < D; ++i) X(i, j) = static_cast<float>(std::sin(0.001 * static_cast<double>(i) + j));
    seigh::MatrixF Y(op.partition().local_rows(), b);
    op.apply(X, Y);  // warm-up: allocates the workspaces once
    const double shard0 = op.shard_seconds(), reduce0 = op.reduce_seconds();
    const auto t = median_seconds(comm, cfg.reps, cfg.budget, [&] {
      if (cfg.fresh_output) {
        // Untouched memory, as each block of a run's sketch is: the apply
        // pays its first-touch page faults.
        seigh::MatrixF fresh(op.partition().local_rows(), b);
        op.apply(X, fresh);
      } else {
        op.apply(X, Y);
      }
    });
    // Mean split of an apply on the slowest rank: R-passes on the shard vs
    // the reduce-scatter (which includes waiting for the other ranks).
    const double shard_mean = comm.max((op.shard_seconds() - shard0) / t.runs);
    const double reduce_mean = comm.max((op.reduce_seconds() - reduce0) / t.runs);
    const double flops = seigh::nn::hvp_flops(model, N, b);
    const double per_rank = flops / comm.size() / t.median / 1e9;
    if (root)
      std::printf("  b = %3lld: %.4f s per apply [%d runs], %.1f products/s, %.2f GFLOP/s per rank "
                  "(%.3g flop per apply) = %.0f%% of the float32 GEMM rate (%.1f GFLOP/s per rank)\n",
                  static_cast<long long>(b), t.median, t.runs, static_cast<double>(b) / t.median, per_rank, flops,
                  100.0 * per_rank / gemm, gemm);
    if (root)
      std::printf("          mean per apply (max over ranks): shard R-passes %.4f s, reduce-scatter %.4f s\n",
                  shard_mean, reduce_mean);
  }
  const double rss = static_cast<double>(comm.max(seigh::peak_rss_bytes())) / (1 << 20);
  if (root) std::printf("  peak RSS so far (max over ranks) %.0f MiB\n", rss);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 0;
  try {
    const Config cfg = parse(argc, argv);
    const seigh::dist::Comm comm;
    if (comm.is_root())
      std::printf("# bench_hvp: %d rank(s), CPU %s, float32, single-threaded ranks\n", comm.size(),
                  seigh::bench::cpu_model().c_str());
    const Case small{"small", "mlp(256-20-20-20-20-20-10,tanh)", "fmnist16", "train:500,test:500", 1000};
    const Case large{"large", cfg.quick ? "mlp(784-1000-1000-10,tanh)" : "mlp(784-3000-3000-10,tanh)", "fmnist",
                     "train:all", 256};
    const Case cnn{"cnn", "3c3d", "fmnist", "train:all", cfg.cnn_samples};
    if (cfg.which == "small" || cfg.which == "all") run_case(comm, cfg, small);
    if (cfg.which == "large" || cfg.which == "all") run_case(comm, cfg, large);
    if (cfg.which == "cnn" || cfg.which == "all") run_case(comm, cfg, cnn);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_hvp: error: %s\n", e.what());
    status = 1;
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return status;
}
