#include "seigh/nn/optimizer.hpp"

#include <cmath>
#include <string>

#include "seigh/core/error.hpp"
#include "seigh/nn/schedule.hpp"

namespace seigh::nn {

std::string_view name(OptimizerKind kind) {
  switch (kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::momentum: return "momentum";
    case OptimizerKind::adam: return "adam";
  }
  return "unknown";
}

OptimizerKind parse_optimizer(std::string_view text) {
  for (const auto kind : {OptimizerKind::sgd, OptimizerKind::momentum, OptimizerKind::adam})
    if (text == name(kind)) return kind;
  SEIGH_FAIL() << "unknown optimizer '" << text << "' (valid: sgd, momentum, adam)";
}

void validate(const OptimizerConfig& c) {
  if (c.kind == OptimizerKind::momentum) {
    SEIGH_REQUIRE(std::isfinite(c.momentum) && c.momentum >= 0)
        << "--momentum must be finite and >= 0, got " << c.momentum;
  }
  if (c.kind == OptimizerKind::adam) {
    SEIGH_REQUIRE(std::isfinite(c.beta1) && c.beta1 >= 0 && c.beta1 < 1) << "--beta1 must be in [0, 1), got " << c.beta1;
    SEIGH_REQUIRE(std::isfinite(c.beta2) && c.beta2 >= 0 && c.beta2 < 1) << "--beta2 must be in [0, 1), got " << c.beta2;
    SEIGH_REQUIRE(std::isfinite(c.eps) && c.eps > 0) << "--eps must be finite and > 0, got " << c.eps;
  }
}

std::string format_optimizer(const OptimizerConfig& c) {
  switch (c.kind) {
    case OptimizerKind::sgd: return "sgd";
    case OptimizerKind::momentum: return "momentum(" + format_number(c.momentum) + ")";
    case OptimizerKind::adam:
      return "adam(" + format_number(c.beta1) + "," + format_number(c.beta2) + "," + format_number(c.eps) + ")";
  }
  return "unknown";
}

OptimizerState make_optimizer_state(const OptimizerConfig& config, Index D) {
  OptimizerState state;
  if (config.kind == OptimizerKind::momentum) state.momentum = VectorF::Zero(D);
  if (config.kind == OptimizerKind::adam) {
    state.adam_m = VectorF::Zero(D);
    state.adam_v = VectorF::Zero(D);
  }
  return state;
}

void optimizer_step(const OptimizerConfig& config, OptimizerState& state, double lr,
                    const Eigen::Ref<const VectorF>& grad, Eigen::Ref<VectorF> theta) {
  const Index D = theta.size();
  SEIGH_REQUIRE(grad.size() == D) << "optimizer: gradient has " << grad.size() << " entries, θ has " << D;
  const float eta = static_cast<float>(lr);
  switch (config.kind) {
    case OptimizerKind::sgd:
      theta -= eta * grad;
      break;
    case OptimizerKind::momentum: {
      SEIGH_REQUIRE(state.momentum.size() == D) << "optimizer: momentum buffer has " << state.momentum.size()
                                                << " entries, θ has " << D;
      const float mu = static_cast<float>(config.momentum);
      state.momentum = mu * state.momentum + grad;
      theta -= eta * state.momentum;
      break;
    }
    case OptimizerKind::adam: {
      SEIGH_REQUIRE(state.adam_m.size() == D && state.adam_v.size() == D)
          << "optimizer: Adam buffers have " << state.adam_m.size() << " and " << state.adam_v.size()
          << " entries, θ has " << D;
      const double t = static_cast<double>(state.step + 1);
      const float b1 = static_cast<float>(config.beta1);
      const float b2 = static_cast<float>(config.beta2);
      // torch.optim.Adam (single-tensor path): step_size = lr / bc1,
      // denom = sqrt(v) / sqrt(bc2) + eps, θ -= step_size * m / denom.
      const float step_size = static_cast<float>(lr / (1 - std::pow(config.beta1, t)));
      const float bc2_sqrt = static_cast<float>(std::sqrt(1 - std::pow(config.beta2, t)));
      const float eps = static_cast<float>(config.eps);
      // 1 − β in double, then rounded (as torch's Python-float `1 - beta2`):
      // 1 − float(0.999) would lose 4 digits to cancellation.
      const float c1 = static_cast<float>(1 - config.beta1);
      const float c2 = static_cast<float>(1 - config.beta2);
      state.adam_m = b1 * state.adam_m + c1 * grad;
      state.adam_v = b2 * state.adam_v + (c2 * grad.array().square()).matrix();
      theta.array() -= step_size * state.adam_m.array() / (state.adam_v.array().sqrt() / bc2_sqrt + eps);
      break;
    }
  }
  ++state.step;
}

}  // namespace seigh::nn
