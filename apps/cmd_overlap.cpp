/// \file
/// `seigh overlap`: magnitude masks against Hessian eigenspaces for a list
/// of k, with the chance level, the best possible mask, the random-mask
/// control and the principal-angle metrics; across a run also mask
/// stability and eigenspace overlap against the last checkpoint
/// (DESIGN.md §2, §4). Options → metrics library.

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"
#include "seigh/metrics/overlap_analysis.hpp"
#include "seigh/metrics/overlap_file.hpp"
#include "seigh/metrics/overlap_report.hpp"
#include "seigh/metrics/streamed_rows.hpp"

namespace seigh::app {

namespace {

namespace fs = std::filesystem;

/// Plain configuration filled from the command line.
struct OverlapConfig {
  std::vector<std::string> eig_files;
  std::vector<std::string> params_files;
  std::string k_list;
  Index random_masks = 20;
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  std::string out;
};

OptionSpec overlap_options(OverlapConfig& c) {
  OptionSpec spec{
      "overlap",
      "mpirun -np P seigh overlap --eig EIG.h5 [more.h5 ...] [--params CKPT.h5 ...] --k 10,50,100 [options]",
      "Magnitude masks against Hessian eigenspaces (DESIGN.md §2). For each k: the overlap\n"
      "||V_k[M_k,:]||_F^2 / k of the mask M_k of the k largest |theta_i| with the top-k eigenvectors V_k, the\n"
      "chance level k/D, the best possible mask (the k rows of V_k of largest norm), a control of R random\n"
      "masks (mean and standard deviation; must sit at chance) and the principal-angle metrics (geodesic,\n"
      "chordal, projection, Fubini-Study, Binet-Cauchy, IoU). theta is /params of --params, else of the\n"
      "checkpoint named by the eig file's 'checkpoint' attribute (written by seigh hessian). With several\n"
      "--eig files (a run) the results are ordered by step and compared with the last one: mask stability\n"
      "|M_t & M_T|/k and the eigenspace overlap ||V_t,k^T V_T,k||_F^2 / k.",
      {},
      {}};
  spec.options.add_options()
      ("eig", po::value(&c.eig_files)->multitoken()->required()->value_name("FILE.h5"),
       "eigen-result file(s) (/eigenvectors [K, D])")
      ("params", po::value(&c.params_files)->multitoken()->value_name("CKPT.h5"),
       "checkpoint(s) with /params [D], one per --eig file (default: each eig file's 'checkpoint' attribute)")
      ("k", po::value(&c.k_list)->required()->value_name("LIST"), "mask sizes, e.g. 10,50,100,355")
      ("random-masks", po::value(&c.random_masks)->default_value(c.random_masks)->value_name("R"),
       "random masks of the control (0 disables)")
      ("seed", po::value(&c.seed)->default_value(c.seed), "seed of the random masks")
      ("stream", po::value(&c.stream)->default_value(c.stream), "user stream of the random masks")
      ("out", po::value(&c.out)->value_name("FILE.h5"), "write the overlap result");
  return spec;
}

/// "10,50,100" → sorted distinct positive integers.
std::vector<Index> parse_k_list(const std::string& text) {
  std::vector<Index> ks;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require_option(used == item.size() && !item.empty() && value >= 1,
                   "--k: '" + item + "' is not a positive integer (expected a list like 10,50,100)");
    ks.push_back(value);
  }
  require_option(!ks.empty(), "--k: empty list");
  std::sort(ks.begin(), ks.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
  return ks;
}

/// One eig file and where its θ comes from.
struct Source {
  std::string eig;
  std::string params;
  Index K = 0;  ///< eigenvectors in the file
  Index D = 0;
  std::optional<std::int64_t> step;
};

/// Path of a checkpoint named in an eig file: as written if it exists,
/// else relative to the eig file's directory. Decided on rank 0.
std::string resolve_checkpoint(const dist::Comm& comm, const std::string& named, const std::string& eig) {
  std::string resolved = named;
  if (comm.is_root() && !fs::path(named).is_absolute() && !fs::exists(named)) {
    const fs::path beside = fs::path(eig).parent_path() / named;
    if (fs::exists(beside)) resolved = beside.string();
  }
  return comm.broadcast_string(resolved);
}

/// Open every eig file and its parameters, check shapes and k. Collective;
/// every error is agreed on all ranks.
Source inspect(const dist::Comm& comm, const std::string& eig, const std::string& params_option,
               const std::vector<Index>& ks) {
  Source s;
  s.eig = eig;
  const io::File file = io::File::open(comm, eig);
  dist::require_all(comm, io::exists(file, "/eigenvectors"),
                    "'" + eig + "' has no /eigenvectors: not an eigen-result file (seigh hessian / seigh eig --out)");
  const std::vector<Index> shape = io::dataset_shape(file, "/eigenvectors");
  dist::require_all(comm, shape.size() == 2,
                    "'" + eig + "': /eigenvectors has shape " + io::format_shape(shape) + ", expected [k, D]");
  s.K = shape[0];
  s.D = shape[1];
  for (const Index k : ks) {
    dist::require_all(comm, k <= s.K,
                      "k = " + std::to_string(k) + " exceeds the " + std::to_string(s.K) + " eigenvectors in " + eig);
    dist::require_all(comm, k <= s.D,
                      "k = " + std::to_string(k) + " exceeds the dimension D = " + std::to_string(s.D) + " of " + eig);
  }
  if (io::has_attribute(file, "/", "step")) s.step = io::read_attribute<std::int64_t>(file, "/", "step");
  if (!params_option.empty()) {
    s.params = params_option;
  } else {
    dist::require_all(comm, io::has_attribute(file, "/", "checkpoint"),
                      "'" + eig + "' names no checkpoint (no 'checkpoint' attribute): give the parameters with --params CKPT.h5");
    s.params = resolve_checkpoint(comm, io::read_attribute<std::string>(file, "/", "checkpoint"), eig);
  }
  const io::File ckpt = io::File::open(comm, s.params);
  dist::require_all(comm, io::exists(ckpt, "/params"),
                    "'" + s.params + "' has no /params: not a checkpoint (seigh train)");
  const std::vector<Index> pshape = io::dataset_shape(ckpt, "/params");
  dist::require_all(comm, pshape.size() == 1 && pshape[0] == s.D,
                    "D mismatch: '" + eig + "' has eigenvectors of D = " + std::to_string(s.D) + " but /params in '" +
                        s.params + "' has shape " + io::format_shape(pshape));
  if (!s.step && io::has_attribute(ckpt, "/", "step")) s.step = io::read_attribute<std::int64_t>(ckpt, "/", "step");
  return s;
}

/// θ of a checkpoint, replicated.
VectorF read_params(const dist::Comm& comm, const std::string& path) {
  const io::File file = io::File::open(comm, path);
  const std::vector<float> values = io::read_replicated<float>(file, "/params");
  return Eigen::Map<const VectorF>(values.data(), static_cast<Index>(values.size()));
}

int run_overlap(const dist::Comm& comm, const std::vector<std::string>& args) {
  OverlapConfig c;
  OptionSpec spec = overlap_options(c);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  const std::vector<Index> ks = parse_k_list(c.k_list);
  require_option(c.params_files.empty() || c.params_files.size() == c.eig_files.size(),
                 "--params: give one checkpoint per --eig file (" + std::to_string(c.eig_files.size()) +
                     " eig files, " + std::to_string(c.params_files.size()) + " --params)");
  require_option(c.random_masks >= 0, "--random-masks must be >= 0");
  if (!c.out.empty()) {
    const fs::path parent = fs::absolute(c.out).parent_path();
    const bool ok = comm.broadcast_value<int>(comm.is_root() ? fs::is_directory(parent) : 0) != 0;
    dist::require_all(comm, ok, "cannot create " + c.out + ": " + parent.string() + " is not a directory");
  }

  std::vector<Source> sources;
  for (std::size_t i = 0; i < c.eig_files.size(); ++i) {
    sources.push_back(inspect(comm, c.eig_files[i], c.params_files.empty() ? "" : c.params_files[i], ks));
  }
  const Index D = sources.front().D;
  for (const Source& s : sources) {
    dist::require_all(comm, s.D == D,
                      "D mismatch: '" + s.eig + "' has D = " + std::to_string(s.D) + ", '" + sources.front().eig +
                          "' has D = " + std::to_string(D));
  }
  const bool run = sources.size() > 1;
  if (run) {
    for (const Source& s : sources) {
      dist::require_all(comm, s.step.has_value(),
                        "cannot order the run: '" + s.eig + "' and its checkpoint '" + s.params +
                            "' carry no 'step' attribute");
    }
    std::stable_sort(sources.begin(), sources.end(), [](const Source& a, const Source& b) { return *a.step < *b.step; });
  }

  metrics::OverlapOptions options;
  options.random_masks = c.random_masks;
  options.rng = random::make_rng_state(c.seed, c.stream);
  const Index n = static_cast<Index>(sources.size());
  metrics::OverlapTable table = metrics::OverlapTable::sized(ks, n, run);
  table.D = D;
  table.random_masks = c.random_masks;
  table.seed = c.seed;
  table.stream = c.stream;
  for (const Source& s : sources) {
    table.eig_files.push_back(s.eig);
    table.params_files.push_back(s.params);
    if (s.step) table.step.push_back(*s.step);
  }
  if (!run && table.step.size() != 1) table.step.clear();

  // Each result is streamed once in row blocks (metrics/streamed_rows.hpp):
  // memory O(row_block·max k) per rank, not D·max k / P, and the same
  // numbers as the in-memory analysis. The reference (last result) first:
  // its masks and rows are needed by every other row of a run.
  const dist::RowPartition partition = comm.partition(D);
  const Index row_block = metrics::default_overlap_row_block(D);
  const Index last = n - 1;
  const auto analyse = [&](Index t, const io::File& eig, const io::File& reference,
                           const std::vector<metrics::Mask>* masks_T) {
    const Source& s = sources[static_cast<std::size_t>(t)];
    const std::vector<metrics::Mask> masks = metrics::magnitude_masks(comm, read_params(comm, s.params), ks);
    const metrics::StreamedRows rows =
        metrics::stream_rows(comm, eig, "/eigenvectors", partition, ks, masks, run ? &reference : nullptr, row_block);
    metrics::fill_row(table, t, metrics::analyse_mask_inputs(comm, D, rows.inputs, options));
    if (run) metrics::fill_run_row(table, t, *rows.cross, masks, masks_T != nullptr ? *masks_T : masks);
    return masks;
  };
  const io::File file_T = io::File::open(comm, sources[static_cast<std::size_t>(last)].eig);
  const std::vector<metrics::Mask> masks_T = analyse(last, file_T, file_T, nullptr);
  for (Index t = 0; t < last; ++t) {
    const io::File file = io::File::open(comm, sources[static_cast<std::size_t>(t)].eig);
    analyse(t, file, file_T, &masks_T);
  }

  if (!c.out.empty()) metrics::write_overlap_result(comm, c.out, table);
  if (comm.is_root()) {
    std::cout << metrics::format_overlap_table(table);
    if (!c.out.empty()) std::cout << "wrote " << c.out << "\n";
    std::cout << std::flush;
  }
  return kExitOk;
}

}  // namespace

Command overlap_command() {
  return {"overlap", "magnitude masks vs Hessian eigenspaces (overlap, chance, best, random control, angles)",
          run_overlap};
}

}  // namespace seigh::app
