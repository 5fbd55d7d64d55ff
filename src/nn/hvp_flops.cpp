#include "seigh/nn/hvp_flops.hpp"

namespace seigh::nn {

double hvp_flops(const Model& model, Index samples, Index directions, Curvature curvature) {
  const std::size_t first = model.first_parameter_layer();
  double total = 0;
  for (std::size_t i = first; i < model.layer_count(); ++i) {
    total += model.layer(i).r_pass_flops(samples, directions, i > first, i > first, curvature);
  }
  return total;
}

double linearize_flops(const Model& model, Index samples) {
  const std::size_t first = model.first_parameter_layer();
  double total = 0;
  for (std::size_t i = first; i < model.layer_count(); ++i) {
    total += model.layer(i).forward_backward_flops(samples, i > first);
  }
  return total;
}

}  // namespace seigh::nn
