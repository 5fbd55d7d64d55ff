#include "seigh/metrics/overlap_report.hpp"

#include <cstdio>
#include <string>

namespace seigh::metrics {

namespace {

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

}  // namespace

std::string format_overlap_table(const OverlapTable& table) {
  std::string out;
  out += "seigh overlap: D = " + std::to_string(table.D) + ", " + std::to_string(table.results()) +
         (table.results() == 1 ? " result" : " results (run; stability and eigenspace overlap against the last)") +
         ", random masks R = " + std::to_string(table.random_masks) + " (seed " + std::to_string(table.seed) + ")\n";
  for (Index t = 0; t < table.results(); ++t) {
    out += "\n";
    if (table.run || !table.step.empty()) {
      out += "step " + std::to_string(table.step[static_cast<std::size_t>(t)]) + ": ";
    }
    out += table.eig_files[static_cast<std::size_t>(t)] + " (parameters " +
           table.params_files[static_cast<std::size_t>(t)] + ")\n";
    out += "       k     overlap      chance  ratio        best   random mean ± std         geodesic   chordal  "
           "projection  fubini-st  binet-c      iou";
    if (table.run) out += "  stability  eig-overlap";
    out += "\n";
    for (std::size_t j = 0; j < table.k.size(); ++j) {
      const auto c = static_cast<Index>(j);
      char head[32];
      std::snprintf(head, sizeof head, "%8lld", static_cast<long long>(table.k[j]));
      out += head;
      out += format("  %10.4e", table.overlap(t, c));
      out += format("  %10.4e", table.chance(t, c));
      out += format("  %5.2f", table.overlap(t, c) / table.chance(t, c));
      out += format("  %10.4e", table.best(t, c));
      out += format("  %10.4e", table.random_mean(t, c));
      out += format(" ± %9.2e", table.random_std(t, c));
      out += format("  %9.4f", table.geodesic(t, c));
      out += format("  %8.4f", table.chordal(t, c));
      out += format("  %10.4f", table.projection(t, c));
      out += format("  %9.6f", table.fubini_study(t, c));
      out += format("  %7.5f", table.binet_cauchy(t, c));
      out += format("  %7.5f", table.iou(t, c));
      if (table.run) {
        out += format("  %9.4f", table.mask_stability(t, c));
        out += format("  %11.4e", table.eigenspace_overlap(t, c));
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace seigh::metrics
