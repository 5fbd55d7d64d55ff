#pragma once
/// \file
/// The metrics table of a training run, OUT/metrics.h5: one row per
/// checkpoint, as 1-D datasets of equal length
///
///     /step int64, /train_loss, /train_accuracy, /test_loss,
///     /test_accuracy, /lr, /seconds float64
///
/// (accuracy as a fraction in [0, 1]; seconds = cumulative wall time of the
/// run, across resumes), plus attributes naming the run (model, dataset,
/// eval_train, eval_test). Rewritten whole, atomically, at every checkpoint.

#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::nn {

struct MetricsTable {
  std::vector<std::int64_t> step;
  std::vector<double> train_loss, train_accuracy, test_loss, test_accuracy, lr, seconds;
  [[nodiscard]] std::size_t rows() const { return step.size(); }
  /// Keep rows with step ≤ last_step.
  void truncate_after(Index last_step);
};

/// Write the table (rank 0's) with string attributes. Collective.
void write_metrics(const dist::Comm& comm, const std::string& path, const MetricsTable& table,
                   const std::vector<std::pair<std::string, std::string>>& attributes);

/// Read a table written by write_metrics. Collective.
[[nodiscard]] MetricsTable read_metrics(const dist::Comm& comm, const std::string& path);

}  // namespace seigh::nn
