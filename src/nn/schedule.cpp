#include "seigh/nn/schedule.hpp"

#include <charconv>
#include <cmath>
#include <numbers>

#include "seigh/core/error.hpp"

namespace seigh::nn {

std::string_view name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step";
    case ScheduleKind::cosine: return "cosine";
  }
  return "unknown";
}

ScheduleKind parse_schedule_kind(std::string_view text) {
  for (const auto kind : {ScheduleKind::constant, ScheduleKind::step, ScheduleKind::cosine})
    if (text == name(kind)) return kind;
  SEIGH_FAIL() << "unknown schedule '" << text << "' (valid: constant, step, cosine)";
}

void validate(const Schedule& s) {
  SEIGH_REQUIRE(std::isfinite(s.lr) && s.lr > 0) << "--lr must be > 0, got " << format_number(s.lr);
  if (s.kind == ScheduleKind::step) {
    SEIGH_REQUIRE(s.step_size >= 1) << "--step-size must be >= 1 for --schedule step, got " << s.step_size;
    SEIGH_REQUIRE(std::isfinite(s.gamma) && s.gamma > 0) << "--gamma must be > 0, got " << format_number(s.gamma);
  }
  if (s.kind == ScheduleKind::cosine) {
    SEIGH_REQUIRE(std::isfinite(s.eta_min) && s.eta_min >= 0 && s.eta_min <= s.lr)
        << "--eta-min must be in [0, lr], got " << format_number(s.eta_min);
    SEIGH_REQUIRE(s.total_steps >= 1) << "cosine schedule needs the run's steps >= 1";
  }
}

double learning_rate(const Schedule& s, Index t) {
  switch (s.kind) {
    case ScheduleKind::constant: return s.lr;
    case ScheduleKind::step: return s.lr * std::pow(s.gamma, static_cast<double>(t / s.step_size));
    case ScheduleKind::cosine:
      return s.eta_min + (s.lr - s.eta_min) *
                             (1 + std::cos(std::numbers::pi * static_cast<double>(t) /
                                           static_cast<double>(s.total_steps))) / 2;
  }
  return s.lr;
}

std::string format_number(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::string("?");
}

std::string format_schedule(const Schedule& s) {
  switch (s.kind) {
    case ScheduleKind::constant: return "constant";
    case ScheduleKind::step: return "step(" + std::to_string(s.step_size) + "," + format_number(s.gamma) + ")";
    case ScheduleKind::cosine:
      return "cosine(" + format_number(s.eta_min) + "," + std::to_string(s.total_steps) + ")";
  }
  return "unknown";
}

}  // namespace seigh::nn
