#include "seigh/metrics/overlap_file.hpp"

#include <limits>
#include <sstream>

#include "seigh/core/version.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

namespace seigh::metrics {

namespace {

constexpr const char* kFormat = "seigh-overlap-1";

std::string join_lines(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "\n" : "") + items[i];
  return out;
}

std::vector<std::string> split_lines(const std::string& text, std::size_t expected) {
  std::vector<std::string> items;
  if (expected == 0) return items;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) items.push_back(line);
  while (items.size() < expected) items.emplace_back();
  return items;
}

}  // namespace

OverlapTable OverlapTable::sized(std::vector<Index> ks, Index n_results, bool run) {
  OverlapTable table;
  table.k = std::move(ks);
  table.run = run;
  const Index nk = static_cast<Index>(table.k.size());
  const MatrixD nan = MatrixD::Constant(n_results, nk, std::numeric_limits<double>::quiet_NaN());
  for (auto& [name, matrix] : table.metrics()) *matrix = nan;
  return table;
}

std::vector<std::pair<std::string, const MatrixD*>> OverlapTable::metrics() const {
  std::vector<std::pair<std::string, const MatrixD*>> list = {
      {"overlap", &overlap},       {"chance", &chance},         {"best", &best},
      {"random_mean", &random_mean}, {"random_std", &random_std}, {"geodesic", &geodesic},
      {"chordal", &chordal},       {"projection", &projection}, {"fubini_study", &fubini_study},
      {"binet_cauchy", &binet_cauchy}, {"iou", &iou}};
  if (run) {
    const std::vector<std::pair<std::string, const MatrixD*>> extra = {
        {"mask_stability", &mask_stability},
        {"eigenspace_overlap", &eigenspace_overlap},
        {"eigenspace_geodesic", &eigenspace_geodesic},
        {"eigenspace_chordal", &eigenspace_chordal},
        {"eigenspace_projection", &eigenspace_projection},
        {"eigenspace_fubini_study", &eigenspace_fubini_study},
        {"eigenspace_binet_cauchy", &eigenspace_binet_cauchy},
        {"eigenspace_iou", &eigenspace_iou}};
    list.insert(list.end(), extra.begin(), extra.end());
  }
  return list;
}

std::vector<std::pair<std::string, MatrixD*>> OverlapTable::metrics() {
  std::vector<std::pair<std::string, MatrixD*>> list;
  for (const auto& [name, matrix] : std::as_const(*this).metrics()) list.emplace_back(name, const_cast<MatrixD*>(matrix));
  return list;
}

void write_overlap_result(const dist::Comm& comm, const std::string& path, const OverlapTable& table) {
  const Index nk = static_cast<Index>(table.k.size());
  const Index n = table.results();
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(nk >= 1 && n >= 1) << "overlap result: empty table (" << n << " results, " << nk << " k values)";
    SEIGH_REQUIRE(table.run || n == 1) << "overlap result: " << n << " results need the run layout";
    for (const auto& [name, matrix] : table.metrics()) {
      SEIGH_REQUIRE(matrix->rows() == n && matrix->cols() == nk)
          << "overlap result: /" << name << " is " << matrix->rows() << " x " << matrix->cols() << ", expected " << n
          << " x " << nk;
    }
    SEIGH_REQUIRE(!table.run || static_cast<Index>(table.step.size()) == n)
        << "overlap result: " << table.step.size() << " steps for " << n << " results";
    SEIGH_REQUIRE(static_cast<Index>(table.eig_files.size()) == n &&
                  static_cast<Index>(table.params_files.size()) == n)
        << "overlap result: source files do not match the " << n << " results";
  });
  io::OutputFile output(comm, path);
  io::File& file = output.file();
  std::vector<std::int64_t> ks(table.k.begin(), table.k.end());
  io::write_replicated(file, "/k", ks, io::DType::int64);
  for (const auto& [name, matrix] : table.metrics()) {
    if (table.run) {
      io::write_replicated(file, "/" + name, *matrix, io::DType::float64);
    } else {
      const VectorD row = matrix->row(0).transpose();
      io::write_replicated(file, "/" + name, row, io::DType::float64);
    }
  }
  if (table.run) io::write_replicated(file, "/step", table.step, io::DType::int64);
  io::write_attribute(file, "/", "format", kFormat);
  io::write_attribute(file, "/", "run", static_cast<std::int64_t>(table.run ? 1 : 0));
  io::write_attribute(file, "/", "n_results", static_cast<std::int64_t>(n));
  io::write_attribute(file, "/", "D", static_cast<std::int64_t>(table.D));
  io::write_attribute(file, "/", "random_masks", static_cast<std::int64_t>(table.random_masks));
  io::write_attribute(file, "/", "seed", static_cast<std::int64_t>(table.seed));
  io::write_attribute(file, "/", "stream", static_cast<std::int64_t>(table.stream));
  io::write_attribute(file, "/", "eig_files", join_lines(table.eig_files));
  io::write_attribute(file, "/", "params_files", join_lines(table.params_files));
  if (!table.run && table.step.size() == 1) io::write_attribute(file, "/", "step", table.step[0]);
  io::write_attribute(file, "/", "seigh_version", version_string());
  output.commit();
}

OverlapTable read_overlap_result(const dist::Comm& comm, const std::string& path) {
  const io::File file = io::File::open(comm, path);
  dist::require_all(comm,
                    io::has_attribute(file, "/", "format") &&
                        io::read_attribute<std::string>(file, "/", "format") == kFormat,
                    "'" + path + "' is not a seigh overlap result (format attribute '" + kFormat + "' missing)");
  const bool run = io::read_attribute<std::int64_t>(file, "/", "run") != 0;
  const Index n = io::read_attribute<std::int64_t>(file, "/", "n_results");
  const std::vector<std::int64_t> ks = io::read_replicated<std::int64_t>(file, "/k");
  OverlapTable table = OverlapTable::sized(std::vector<Index>(ks.begin(), ks.end()), n, run);
  const Index nk = static_cast<Index>(ks.size());
  for (auto& [name, matrix] : table.metrics()) {
    const std::vector<double> values = io::read_replicated<double>(file, "/" + name);
    dist::require_all(comm, static_cast<Index>(values.size()) == n * nk,
                      "'" + path + "': /" + name + " does not hold " + std::to_string(n) + " x " +
                          std::to_string(nk) + " values");
    // C order [n, nk] (or [nk] for one result): row t, column j at t·nk + j.
    for (Index t = 0; t < n; ++t)
      for (Index j = 0; j < nk; ++j) (*matrix)(t, j) = values[static_cast<std::size_t>(t * nk + j)];
  }
  if (run) table.step = io::read_replicated<std::int64_t>(file, "/step");
  else if (io::has_attribute(file, "/", "step")) table.step = {io::read_attribute<std::int64_t>(file, "/", "step")};
  table.D = io::read_attribute<std::int64_t>(file, "/", "D");
  table.random_masks = io::read_attribute<std::int64_t>(file, "/", "random_masks");
  table.seed = static_cast<std::uint64_t>(io::read_attribute<std::int64_t>(file, "/", "seed"));
  table.stream = static_cast<std::uint32_t>(io::read_attribute<std::int64_t>(file, "/", "stream"));
  table.eig_files = split_lines(io::read_attribute<std::string>(file, "/", "eig_files"), static_cast<std::size_t>(n));
  table.params_files =
      split_lines(io::read_attribute<std::string>(file, "/", "params_files"), static_cast<std::size_t>(n));
  return table;
}

}  // namespace seigh::metrics
