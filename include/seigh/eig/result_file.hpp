#pragma once
/// \file
/// The eigen-result file (DESIGN.md §4 contract, read by h5py):
///
///     /eigenvalues   float64 [k]      ordered (|λ| descending unless the
///                                     `ordering` attribute says algebraic)
///     /eigenvectors  float32 [k, D]   row i = unit eigenvector i
///     attributes on /: method, D, k, n_ranks, hvps (this run's products; a
///     resumed SEIGH run adds hvps_resumed, those of the runs it continued), seconds, ordering,
///       seigh_version, and where they apply outer, inner, test_matrix,
///       seed, operator, error_probes, relative_error (+ its 95% interval
///       relative_error_low / relative_error_high), residual_frobenius2,
///       operator_frobenius2, sketch_rank, cholqr_passes (SEIGH: 2, 1 or 0 for
///       TSQR), sketch_condition (out-of-core SEIGH: κ₂(Y)), converged, and the per-phase
///       wall times seconds_<phase> (e.g. seconds_measure_core) plus
///       operator_seconds (time inside the operator on rank 0).
///
/// The file is written under PATH.partial and renamed when complete.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "seigh/core/version.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/eig/result.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

namespace seigh::eig {

/// Extra attributes a caller records (operator, seed, checkpoint, ...).
using AttributeValue = std::variant<std::int64_t, double, std::string>;
using AttributeList = std::vector<std::pair<std::string, AttributeValue>>;

/// Writes a caller's own datasets into the open result file before it is
/// committed (e.g. the samples a Hessian was computed on). Collective.
using ExtraWriter = std::function<void(io::File&)>;

/// Create the /eigenvectors dataset [k, D] float32 of a result file, to be
/// filled by row spans (out-of-core) or written whole. Collective.
inline void create_eigenvectors_dataset(io::File& file, Index k, Index D) {
  io::create_dataset(file, "/eigenvectors", {k, D}, io::DType::float32, io::Layout::chunked);
}

/// Write `result` to PATH (atomically), with the caller's attributes and,
/// if given, its extra datasets. If the eigenvectors were streamed into
/// PATH.partial already (result.eigenvectors_file == PATH, out-of-core),
/// that file is completed instead of created. Collective.
template <class Scalar>
void write_eigen_result(const dist::Comm& comm, const std::string& path, const EigenResult<Scalar>& result,
                        Ordering ordering, const AttributeList& extra, const ExtraWriter& extra_datasets = {}) {
  const bool streamed = !result.eigenvectors_file.empty();
  SEIGH_REQUIRE(!streamed || result.eigenvectors_file == path)
      << "the eigenvectors were streamed into '" << result.eigenvectors_file << ".partial', not '" << path
      << ".partial'";
  io::OutputFile output = streamed ? io::OutputFile::reopen(comm, path) : io::OutputFile(comm, path);
  io::File& file = output.file();
  io::write_replicated(file, "/eigenvalues", result.eigenvalues, io::DType::float64);
  if (!streamed) {
    create_eigenvectors_dataset(file, result.eigenvectors.cols(), result.eigenvectors.global_rows());
    io::write_rows_at(file, "/eigenvectors", result.eigenvectors, 0);
  }
  const auto put = [&](const std::string& name, const AttributeValue& value) {
    std::visit([&](const auto& v) { io::write_attribute(file, "/", name, v); }, value);
  };
  put("method", result.method);
  put("D", static_cast<std::int64_t>(result.eigenvectors.global_rows()));
  put("k", static_cast<std::int64_t>(result.eigenvalues.size()));
  put("n_ranks", static_cast<std::int64_t>(comm.size()));
  put("hvps", static_cast<std::int64_t>(result.counts.products));
  if (result.resumed_products > 0) put("hvps_resumed", static_cast<std::int64_t>(result.resumed_products));
  put("seconds", result.seconds);
  put("ordering", name(ordering));
  put("seigh_version", version_string());
  put("converged", static_cast<std::int64_t>(result.converged ? 1 : 0));
  if (result.method == "seigh") {
    put("sketch_rank", static_cast<std::int64_t>(result.sketch_rank));
    put("cholqr_passes", static_cast<std::int64_t>(result.cholqr_passes));
    if (result.sketch_condition > 0) put("sketch_condition", result.sketch_condition);
  }
  if (result.error) {
    put("error_probes", static_cast<std::int64_t>(result.error->probes));
    put("relative_error", result.error->relative_error());
    const auto [low, high] = result.error->relative_error_interval(0.025);
    put("relative_error_low", low);
    put("relative_error_high", high);
    put("residual_frobenius2", result.error->residual_frobenius2);
    put("operator_frobenius2", result.error->operator_frobenius2);
  }
  for (const auto& [phase, seconds] : result.timings) put("seconds_" + phase, seconds);
  put("operator_seconds", result.counts.seconds);
  for (const auto& [name, value] : extra) put(name, value);
  if (extra_datasets) extra_datasets(file);
  output.commit();
}

/// An eigen-result file read back: values replicated, vectors distributed.
struct EigenFile {
  VectorD eigenvalues;
  dist::BlockRowMatrix<float> eigenvectors;  ///< D x k
  std::string method;
};

/// Read PATH written by write_eigen_result. Collective.
inline EigenFile read_eigen_result(const dist::Comm& comm, const std::string& path) {
  const io::File file = io::File::open(comm, path);
  EigenFile result;
  const std::vector<double> values = io::read_replicated<double>(file, "/eigenvalues");
  result.eigenvalues = Eigen::Map<const VectorD>(values.data(), static_cast<Index>(values.size()));
  result.eigenvectors = io::read_rows<float>(file, "/eigenvectors");
  SEIGH_REQUIRE(result.eigenvectors.cols() == result.eigenvalues.size())
      << "'" << path << "': /eigenvectors has " << result.eigenvectors.cols() << " rows but /eigenvalues has "
      << result.eigenvalues.size() << " entries";
  result.method = io::read_attribute<std::string>(file, "/", "method");
  return result;
}

}  // namespace seigh::eig
