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
///     cnn(CxHxW,LAYER,...,LAYER)   e.g. cnn(1x28x28,conv(8,3,1,1),relu,maxpool(2,2,0),flatten,linear(10))
///     LAYER := conv(O,K,S,P) | maxpool(K,S,P) | avgpool(K,S,P) | flatten | linear(O) | ACT
///
/// (conv_layers.hpp): CxHxW is the input sample shape (channels, height,
/// width, as the data's [N, C, H, W]); conv(O,K,S,P) is nn.Conv2d(C_in, O,
/// K, stride=S, padding=P) with bias; maxpool/avgpool(K,S,P) are
/// nn.MaxPool2d / nn.AvgPool2d(K, stride=S, padding=P) (count_include_pad
/// as PyTorch's default); flatten is nn.Flatten(); linear(O) is
/// nn.Linear(F, O) on a flat input of F features (so it must follow flatten
/// or another linear); ACT is an activation applied elementwise to any
/// shape. Every argument is written out (no defaults): O, K, S ≥ 1 and
/// P ≥ 0, decimal without leading zeros. The layers run in the order
/// written, nothing is added; the last must produce a flat C x 1 x 1 output
/// (C = the classes: the logits).
///
/// Named presets expand to their cnn(...) spec (the canonical string, which
/// checkpoints store):
///
///     3c3d   DeepOBS's cifar10_3c3d (Schneider, Balles, Hennig 2019)
///            adapted to 1x28x28 input, D = 892,010:
///            cnn(1x28x28,conv(64,5,1,0),relu,maxpool(3,2,1),conv(96,3,1,0),relu,maxpool(3,2,1),
///                conv(128,3,1,1),relu,maxpool(3,2,1),flatten,linear(512),relu,linear(256),relu,linear(10))
///            (one line, no spaces). DeepOBS pools 3x3/2 with TensorFlow's
///            'same' padding, which pads asymmetrically (0 before, 1 after,
///            at the 24x24 and 10x10 maps) and gives ⌈H/2⌉ outputs;
///            PyTorch's symmetric padding=1 gives the same output sizes
///            (24→12, 10→5, 5→3) and hence the same parameter count, but
///            its windows start one pixel earlier at the first two pools
///            (at the 5x5 map the two paddings coincide). Convolutions are
///            as DeepOBS: 5x5 'valid', 3x3 'valid', 3x3 'same' (padding=1).
///            On 3x32x32 input the same layers give DeepOBS's 895,210.
///
/// format(parse(s)) == s for every canonical s, and parse(format(m))
/// rebuilds m; non-canonical strings (spaces, leading zeros, upper case
/// activation names) are refused with an error naming the position, so one
/// model has exactly one spec.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/nn/activation.hpp"
#include "seigh/nn/conv_layers.hpp"
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
  /// samples of shape `sample` (the data's (C, H, W)) and produces `classes`
  /// logits. A model with a flat input (an MLP, F x 1 x 1) takes any sample
  /// shape with F scalars (read in C order, as nn.Flatten would); a model
  /// with spatial input (a CNN) needs exactly its C x H x W.
  void check_data(const Shape& sample, Index classes) const;

  /// One line per layer: "0: linear(256->20)  256 -> 20  params [0, 5140)".
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

/// One layer of a cnn(...) spec (grammar above).
struct CnnLayer {
  enum class Kind { conv, maxpool, avgpool, flatten, linear, activation };
  Kind kind = Kind::flatten;
  Index out = 0;          ///< conv: output channels; linear: output features
  Window2d window;        ///< conv, maxpool, avgpool
  Activation activation = Activation::relu;  ///< activation
};

/// The sequential CNN on samples of shape `input` (grammar above). Throws
/// seigh::Error naming the layer for sizes that do not chain.
[[nodiscard]] Model make_cnn(const Shape& input, std::span<const CnnLayer> layers);

/// "cnn(CxHxW,...)" of make_cnn's arguments (not validated).
[[nodiscard]] std::string format_cnn_spec(const Shape& input, std::span<const CnnLayer> layers);

/// The cnn(...) spec a named preset expands to ("3c3d"), or nullopt.
[[nodiscard]] std::optional<std::string> model_preset(std::string_view name);

/// Builds the model of a spec string (grammar above) or of a named preset
/// (its spec() is then the expanded canonical string). Throws seigh::Error
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
