#pragma once
/// \file
/// Sequential models and their spec strings.
///
/// ## Spec grammar (the `model` attribute of checkpoints)
///
///     spec   := term                       (the whole string, nothing else)
///     term   := word [ "(" term { "," term } ")" ]
///     word   := 1*( "a".."z" | "A".."Z" | "0".."9" | "_" | "." | "-" | ">" )
///
/// No whitespace anywhere. The top-level word names the model family; its
/// arguments are family-specific:
///
///     mlp(W0-W1-...-WL,ACT)     e.g. mlp(256-20-20-20-20-20-10,tanh)
///
/// with L ≥ 1 positive decimal widths (no sign, no leading zeros, ≤ 10^9)
/// joined by '-' and ACT one of tanh, relu, sigmoid, gelu, softplus
/// (activation.hpp). It builds Linear(W0→W1), ACT, Linear(W1→W2), ACT, …,
/// Linear(W_{L−1}→W_L): no activation after the last Linear (the loss takes
/// logits). W0 is the number of input features, W_L the number of classes.
///
/// format(parse(s)) == s for every canonical s, and parse(format(m))
/// rebuilds m; non-canonical strings (spaces, leading zeros, upper case
/// activation names) are refused with an error, so one model has exactly one
/// spec. A later `cnn(...)` family (conv/pool/flatten terms as nested terms,
/// e.g. `cnn(3x32x32,conv(64,3,1,1),relu,maxpool(2),flatten,linear(10))`)
/// parses with the same term grammar and is dispatched by
/// parse_model_spec() on the family word.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/nn/activation.hpp"
#include "seigh/nn/layer.hpp"

namespace seigh::nn {

/// A sequential network: layers in order, shapes chained, and the canonical
/// spec that rebuilds it. Immutable; copies share the (immutable) layers.
class Model {
 public:
  /// Throws seigh::Error if `layers` is empty or a layer's in_shape differs
  /// from the previous layer's out_shape.
  Model(std::vector<std::shared_ptr<const Layer>> layers, std::string spec);

  /// Canonical spec string (grammar above).
  [[nodiscard]] const std::string& spec() const { return spec_; }
  [[nodiscard]] std::size_t layer_count() const { return layers_.size(); }
  [[nodiscard]] const Layer& layer(std::size_t i) const { return *layers_.at(i); }
  /// Index in θ of the first parameter of layer i (DESIGN.md §4 layout:
  /// layers in order, each layer's block contiguous).
  [[nodiscard]] Index parameter_offset(std::size_t i) const { return offsets_.at(i); }
  /// D, the length of θ.
  [[nodiscard]] Index parameter_count() const { return offsets_.back(); }
  [[nodiscard]] Shape input_shape() const { return layers_.front()->in_shape(); }
  [[nodiscard]] Shape output_shape() const { return layers_.back()->out_shape(); }
  /// Features per sample (rows of X).
  [[nodiscard]] Index input_size() const { return input_shape().size(); }
  /// Number of logits = number of classes.
  [[nodiscard]] Index output_size() const { return output_shape().size(); }
  /// Index of the first layer with parameters (layer_count() if none):
  /// below it nothing depends on θ.
  [[nodiscard]] std::size_t first_parameter_layer() const { return first_param_; }

  /// Throws seigh::Error with a clear message unless the model takes
  /// `features` inputs (the first width) and produces `classes` logits (the
  /// last width).
  void check_data(Index features, Index classes) const;

  /// One line per layer: "linear(256->20)  params [0, 5140)".
  [[nodiscard]] std::string describe() const;

 private:
  std::vector<std::shared_ptr<const Layer>> layers_;
  std::vector<Index> offsets_;  // layer_count() + 1 entries
  std::size_t first_param_ = 0;
  std::string spec_;
};

/// The MLP of `widths` (≥ 2 entries, all ≥ 1) with `activation` between
/// Linears (grammar above).
[[nodiscard]] Model make_mlp(std::span<const Index> widths, Activation activation);

/// "mlp(W0-...-WL,ACT)"; validates like make_mlp().
[[nodiscard]] std::string format_mlp_spec(std::span<const Index> widths, Activation activation);

/// Builds the model of a spec string (grammar above). Throws seigh::Error
/// naming the position and the problem for malformed specs, unknown
/// families and unknown activations.
[[nodiscard]] Model parse_model_spec(std::string_view spec);

/// A parsed spec term: `word` or `word(arg,...)` (grammar above); exposed
/// for families added later and for tests.
struct SpecTerm {
  std::string word;
  std::vector<SpecTerm> args;
  bool call = false;  ///< true when written with parentheses
  std::size_t position = 0;  ///< offset of `word` in the spec string
};

/// Parses the term grammar (no semantics). Throws seigh::Error on syntax
/// errors with the offending position.
[[nodiscard]] SpecTerm parse_spec_term(std::string_view spec);

}  // namespace seigh::nn
