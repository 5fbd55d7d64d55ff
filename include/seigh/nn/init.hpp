#pragma once
/// \file
/// Default parameter initialisation, addressed by global parameter index.
///
/// ## Mapping (the contract; checkpoints and tests rely on it)
///
/// For a user seed (and optional user stream), let
/// `s = random::derive(random::make_rng_state(seed, user_stream), Stream::init)`.
/// Flat parameter i (global index in θ, DESIGN.md §4 layout) is
///
///     (w0, w1, w2, w3) = random::draw(s, a = i, b = 0)     // one Philox4x32-10 block
///     u                = random::uniform_open01(w0, w1)    // in (0, 1), double
///     θ_i              = bound_i · (2u − 1)                 // computed in double
///
/// rounded to the parameter precision, with bound_i = 1/√fan_in of the layer
/// that owns i (Linear: fan_in = in; both its weight and its bias). This is
/// the distribution of PyTorch's nn.Linear defaults: kaiming_uniform_(a=√5)
/// gives bound √(6/((1+5)·fan_in)) = 1/√fan_in for W, and the bias is drawn
/// from U(−1/√fan_in, 1/√fan_in). (PyTorch's *values* are not reproduced:
/// they come from its own sequential generator.)
///
/// Consequences: θ_i depends on (seed, user_stream, i, bound_i) only — not
/// on the other layers' shapes beyond the offset of i, not on the order in
/// which layers are initialised, not on rank or thread count; two models
/// that share their first layers share those parameters; any sub-range can
/// be generated alone. Words w2, w3 are unused (reserved).

#include <cstdint>

#include "seigh/core/types.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::nn {

class Model;

/// θ_i = bound · (2u − 1) with u from the init stream `init_state` at
/// address (i, 0) (the mapping above). `init_state` must have role init.
[[nodiscard]] double uniform_parameter(const random::RngState& init_state, Index i, double bound);

/// θ (model.parameter_count()) initialised from `seed` (and `user_stream`)
/// by each layer's default (the mapping above), in double.
[[nodiscard]] VectorD init_parameters_double(const Model& model, std::uint64_t seed, std::uint32_t user_stream = 0);

/// θ in precision Scalar: the double values rounded to Scalar.
template <class Scalar>
[[nodiscard]] Vector<Scalar> init_parameters(const Model& model, std::uint64_t seed, std::uint32_t user_stream = 0) {
  return init_parameters_double(model, seed, user_stream).template cast<Scalar>();
}

}  // namespace seigh::nn
