#pragma once
/// \file
/// Progress lines for long work: rank 0 prints "[  12.3 s] phase: done/total
/// (45%), 3.1 products/s, ETA 15 s" to stderr (rate and ETA once a unit has
/// finished since the phase's first report), at most every `interval` seconds per phase
/// and always when a phase completes.

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::app {

class ProgressPrinter {
 public:
  /// `unit` names what is counted (singular, e.g. "product"); the
  /// out-of-core passes' phases count row blocks whatever `unit` says.
  explicit ProgressPrinter(const dist::Comm& comm, bool enabled = true, std::string unit = "product",
                           double interval = 2.0)
      : enabled_(enabled && comm.is_root()), interval_(interval), unit_(std::move(unit)), start_(Clock::now()) {}

  void operator()(const std::string& phase, Index done, Index total) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (phase != phase_) {
      // Rates and the ETA count from the phase's first report, and from the
      // units done by then: the first report often comes after a unit (or,
      // on resume, after hundreds done by an earlier run), which took no
      // time here.
      phase_ = phase;
      phase_start_ = now;
      done_at_start_ = done;
      last_ = now - std::chrono::hours(1);
    }
    const bool finished = done >= total;
    if (!finished && seconds(last_, now) < interval_) return;
    last_ = now;
    const double elapsed = seconds(phase_start_, now);
    const double fraction = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    std::fprintf(stderr, "[%8.1f s] %s: %lld/%lld (%.0f%%)", seconds(start_, now), phase.c_str(),
                 static_cast<long long>(done), static_cast<long long>(total), 100.0 * fraction);
    // A phase of one unit (e.g. the exact path's dense solve) has no rate;
    // slow units (the out-of-core passes' row blocks) read better as seconds
    // per unit than as 0.0 per second.
    const Index done_here = done - done_at_start_;
    if (elapsed > 0 && total > 1 && done_here > 0) {
      const double rate = static_cast<double>(done_here) / elapsed;
      const std::string unit = unit_of(phase);
      if (rate >= 1.0) std::fprintf(stderr, ", %.1f %ss/s", rate, unit.c_str());
      else std::fprintf(stderr, ", %.1f s per %s", 1.0 / rate, unit.c_str());
      if (!finished) std::fprintf(stderr, ", ETA %.0f s", static_cast<double>(total - done) / rate);
    }
    if (finished) std::fprintf(stderr, " in %.1f s", elapsed);
    std::fprintf(stderr, "\n");
  }

 private:
  /// The streamed passes of eig/out_of_core.cpp step through row blocks.
  std::string unit_of(const std::string& phase) const {
    if (phase == "gram" || phase == "orth" || phase == "eigenvectors V = Q U")
      return "row block";
    return unit_;
  }
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }
  bool enabled_;
  double interval_;
  std::string unit_;
  Clock::time_point start_, phase_start_, last_;
  std::string phase_;
  Index done_at_start_ = 0;
};

}  // namespace seigh::app
