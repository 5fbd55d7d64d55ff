#pragma once
/// \file
/// Learning-rate schedules, as the PyTorch schedulers stepped once per
/// training step (η_t is the rate of the update from θ_t to θ_{t+1}):
///
///   constant  η_t = η
///   step      η_t = η · γ^⌊t / step_size⌋              (torch.optim.lr_scheduler.StepLR)
///   cosine    η_t = η_min + (η − η_min)(1 + cos(π t / T))/2,  T = the run's steps
///                                                       (CosineAnnealingLR, T_max = T,
///                                                       its closed form)
///
/// Pure functions of t, so a resumed run uses the same rates.

#include <string>
#include <string_view>

#include "seigh/core/types.hpp"

namespace seigh::nn {

enum class ScheduleKind { constant, step, cosine };

/// "constant", "step", "cosine".
[[nodiscard]] std::string_view name(ScheduleKind kind);
/// Inverse of name(); throws seigh::Error listing the valid names.
[[nodiscard]] ScheduleKind parse_schedule_kind(std::string_view text);

struct Schedule {
  ScheduleKind kind = ScheduleKind::constant;
  double lr = 0.1;        ///< η (> 0)
  Index step_size = 0;    ///< step: decay every step_size steps (≥ 1)
  double gamma = 0.1;     ///< step: factor (> 0)
  double eta_min = 0;     ///< cosine: final rate (≥ 0)
  Index total_steps = 0;  ///< cosine: T, the run's steps (≥ 1)
};

/// Throws seigh::Error naming the bad value (lr ≤ 0 or non-finite,
/// step_size < 1 for step, gamma ≤ 0, eta_min < 0 or > lr, T < 1 for cosine).
void validate(const Schedule& schedule);

/// η_t for step t ≥ 0 (formulas above).
[[nodiscard]] double learning_rate(const Schedule& schedule, Index t);

/// Canonical text (the checkpoint's `schedule` attribute): "constant",
/// "step(1000,0.1)" (step_size, γ), "cosine(0,5000)" (η_min, T); numbers in
/// shortest round-trip form. η itself is the `lr` attribute.
[[nodiscard]] std::string format_schedule(const Schedule& schedule);

/// Shortest text that reads back as the same double ("0.3", "1e-08").
[[nodiscard]] std::string format_number(double value);

}  // namespace seigh::nn
