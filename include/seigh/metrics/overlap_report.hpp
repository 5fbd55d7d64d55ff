#pragma once
/// \file
/// The readable table `seigh overlap` prints: per result and k the overlap
/// of the magnitude mask, the chance level k/D, their ratio, the best-mask
/// overlap, the random control (mean ± sample std), the principal-angle
/// metrics, and for a run the mask stability and eigenspace overlap
/// against the last result.

#include <string>

#include "seigh/metrics/overlap_file.hpp"

namespace seigh::metrics {

/// The table as text (several lines, ending in a newline). Pure.
[[nodiscard]] std::string format_overlap_table(const OverlapTable& table);

}  // namespace seigh::metrics
