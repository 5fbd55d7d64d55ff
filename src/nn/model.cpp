#include "seigh/nn/model.hpp"

#include <cctype>
#include <sstream>

#include "seigh/core/error.hpp"
#include "seigh/nn/init.hpp"
#include "seigh/nn/conv_layers.hpp"
#include "seigh/nn/layers.hpp"

namespace seigh::nn {

// ------------------------------------------------------------------ Model

Model::Model(std::vector<std::shared_ptr<const Layer>> layers, std::string spec)
    : layers_(std::move(layers)), spec_(std::move(spec)) {
  SEIGH_REQUIRE(!layers_.empty()) << "a model needs at least one layer";
  offsets_.reserve(layers_.size() + 1);
  offsets_.push_back(0);
  first_param_ = layers_.size();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    SEIGH_REQUIRE(layers_[i] != nullptr) << "layer " << i << " is null";
    if (i > 0) {
      SEIGH_REQUIRE(layers_[i]->in_shape() == layers_[i - 1]->out_shape())
          << "layer " << i << " (" << layers_[i]->name() << ") takes shape " << to_string(layers_[i]->in_shape())
          << " but layer " << i - 1 << " (" << layers_[i - 1]->name() << ") produces "
          << to_string(layers_[i - 1]->out_shape());
    }
    if (layers_[i]->parameter_count() > 0 && first_param_ == layers_.size()) first_param_ = i;
    offsets_.push_back(offsets_.back() + layers_[i]->parameter_count());
  }
}

void Model::check_data(const Shape& sample, Index classes) const {
  const Shape in = input_shape();
  if (in.height == 1 && in.width == 1) {
    SEIGH_REQUIRE(input_size() == sample.size())
        << "model " << spec_ << " takes " << input_size() << " input features (its first width) but the data has "
        << sample.size() << " features per sample (" << to_string(sample) << ")";
  } else {
    SEIGH_REQUIRE(in == sample) << "model " << spec_ << " takes samples of shape " << to_string(in)
                                << " (channels x height x width) but the data's samples are " << to_string(sample);
  }
  SEIGH_REQUIRE(output_size() == classes)
      << "model " << spec_ << " produces " << output_size() << " logits (its last width) but the data has "
      << classes << " classes";
}

std::string Model::describe() const {
  std::ostringstream out;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    out << i << ": " << layers_[i]->name() << "  " << to_string(layers_[i]->in_shape()) << " -> "
        << to_string(layers_[i]->out_shape()) << "  params [" << offsets_[i] << ", " << offsets_[i + 1] << ")\n";
  }
  return out.str();
}

// ------------------------------------------------------------------ MLP

namespace {

void check_widths(std::span<const Index> widths) {
  SEIGH_REQUIRE(widths.size() >= 2) << "an MLP needs at least 2 widths (inputs and classes), got " << widths.size();
  for (std::size_t i = 0; i < widths.size(); ++i) {
    SEIGH_REQUIRE(widths[i] >= 1 && widths[i] <= 1000000000)
        << "MLP width " << i << " is " << widths[i] << "; widths must be in [1, 10^9]";
  }
}

}  // namespace

std::string format_mlp_spec(std::span<const Index> widths, Activation activation) {
  check_widths(widths);
  std::string s = "mlp(";
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (i > 0) s += '-';
    s += std::to_string(widths[i]);
  }
  s += ',';
  s += name(activation);
  s += ')';
  return s;
}

Model make_mlp(std::span<const Index> widths, Activation activation) {
  std::string spec = format_mlp_spec(widths, activation);
  std::vector<std::shared_ptr<const Layer>> layers;
  for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
    layers.push_back(std::make_shared<Linear>(widths[i], widths[i + 1]));
    if (i + 2 < widths.size()) layers.push_back(std::make_shared<ActivationLayer>(activation, Shape{widths[i + 1]}));
  }
  return Model(std::move(layers), std::move(spec));
}

// ------------------------------------------------------------------ parser

namespace {

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' || c == '>';
}

class TermParser {
 public:
  explicit TermParser(std::string_view text) : text_(text) {}

  SpecTerm parse_all() {
    SEIGH_REQUIRE(!text_.empty()) << "empty model spec";
    SpecTerm t = term();
    if (pos_ != text_.size()) fail("unexpected '" + std::string(1, text_[pos_]) + "' after the end of the spec");
    return t;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    SEIGH_FAIL() << "malformed model spec '" << std::string(text_) << "' at position " << pos_ << ": " << what;
  }

  SpecTerm term() {
    SpecTerm t;
    t.position = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_])) t.word += text_[pos_++];
    if (t.word.empty()) {
      if (pos_ == text_.size()) fail("expected a word, found the end of the spec");
      fail("expected a word, found '" + std::string(1, text_[pos_]) + "'");
    }
    if (pos_ < text_.size() && text_[pos_] == '(') {
      t.call = true;
      ++pos_;
      while (true) {
        t.args.push_back(term());
        if (pos_ == text_.size()) fail("missing ')'");
        if (text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (text_[pos_] == ')') {
          ++pos_;
          break;
        }
        fail("expected ',' or ')', found '" + std::string(1, text_[pos_]) + "'");
      }
    }
    return t;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

/// Positive decimal without sign or leading zeros, ≤ 10^9.
Index parse_width(const std::string& token, std::string_view spec) {
  bool ok = !token.empty() && token.size() <= 10 && token[0] != '0';
  for (char c : token) ok = ok && std::isdigit(static_cast<unsigned char>(c)) != 0;
  Index value = 0;
  if (ok) value = std::stoll(token);
  SEIGH_REQUIRE(ok && value <= 1000000000)
      << "malformed model spec '" << std::string(spec) << "': width '" << token
      << "' is not a positive integer ≤ 10^9 without leading zeros";
  return value;
}

Model build_mlp(const SpecTerm& t, std::string_view spec) {
  SEIGH_REQUIRE(t.call && t.args.size() == 2)
      << "malformed model spec '" << std::string(spec) << "': expected mlp(W0-W1-...-WL,ACTIVATION), e.g. "
      << "mlp(256-20-20-20-20-20-10,tanh)";
  for (const SpecTerm& a : t.args) {
    SEIGH_REQUIRE(!a.call) << "malformed model spec '" << std::string(spec) << "': mlp argument '" << a.word
                           << "(...)' must be a plain word";
  }
  std::vector<Index> widths;
  const std::string& w = t.args[0].word;
  std::size_t start = 0;
  while (true) {
    const std::size_t dash = w.find('-', start);
    widths.push_back(parse_width(w.substr(start, dash == std::string::npos ? std::string::npos : dash - start), spec));
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  SEIGH_REQUIRE(widths.size() >= 2) << "malformed model spec '" << std::string(spec)
                                    << "': an MLP needs at least 2 widths (inputs and classes), got '" << w << "'";
  const Activation act = parse_activation(t.args[1].word);
  return make_mlp(widths, act);
}

[[noreturn]] void fail_at(std::string_view spec, std::size_t position, const std::string& what) {
  SEIGH_FAIL() << "malformed model spec '" << std::string(spec) << "' at position " << position << ": " << what;
}

// ------------------------------------------------------------------ CNN

/// Decimal in [minimum, 10^9] without sign or leading zeros ("0" allowed when minimum is 0).
Index parse_number(const std::string& token, std::size_t position, Index minimum, const std::string& what,
                   std::string_view spec) {
  bool ok = !token.empty() && token.size() <= 10 && (token == "0" || token[0] != '0');
  for (char c : token) ok = ok && std::isdigit(static_cast<unsigned char>(c)) != 0;
  const Index value = ok ? std::stoll(token) : -1;
  if (!ok || value < minimum || value > 1000000000) {
    fail_at(spec, position,
            what + " '" + token + "' is not an integer in [" + std::to_string(minimum) +
                ", 10^9] without sign or leading zeros");
  }
  return value;
}

/// The numbers of `t`'s arguments (each a plain word), named by `names`.
std::vector<Index> parse_arguments(const SpecTerm& t, const std::vector<std::string>& names, const std::string& usage,
                                   std::string_view spec) {
  if (!t.call || t.args.size() != names.size()) fail_at(spec, t.position, "expected " + usage);
  std::vector<Index> values;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const SpecTerm& a = t.args[i];
    if (a.call) fail_at(spec, a.position, t.word + " argument '" + a.word + "(...)' must be a number");
    values.push_back(parse_number(a.word, a.position, names[i] == "padding" ? 0 : 1, t.word + " " + names[i], spec));
  }
  return values;
}

std::string shape_word(const Shape& s) {
  return std::to_string(s.channels) + "x" + std::to_string(s.height) + "x" + std::to_string(s.width);
}

std::string cnn_term(const CnnLayer& l) {
  const auto window = [&](const char* word) {
    return std::string(word) + "(" + std::to_string(l.window.kernel) + "," + std::to_string(l.window.stride) + "," +
           std::to_string(l.window.padding) + ")";
  };
  switch (l.kind) {
    case CnnLayer::Kind::conv:
      return "conv(" + std::to_string(l.out) + "," + std::to_string(l.window.kernel) + "," +
             std::to_string(l.window.stride) + "," + std::to_string(l.window.padding) + ")";
    case CnnLayer::Kind::maxpool: return window("maxpool");
    case CnnLayer::Kind::avgpool: return window("avgpool");
    case CnnLayer::Kind::flatten: return "flatten";
    case CnnLayer::Kind::linear: return "linear(" + std::to_string(l.out) + ")";
    case CnnLayer::Kind::activation: return std::string(name(l.activation));
  }
  return "?";
}

std::shared_ptr<const Layer> make_cnn_layer(const Shape& in, const CnnLayer& l) {
  switch (l.kind) {
    case CnnLayer::Kind::conv: return std::make_shared<Conv2d>(in, l.out, l.window);
    case CnnLayer::Kind::maxpool: return std::make_shared<MaxPool2d>(in, l.window);
    case CnnLayer::Kind::avgpool: return std::make_shared<AvgPool2d>(in, l.window);
    case CnnLayer::Kind::flatten: return std::make_shared<Flatten>(in);
    case CnnLayer::Kind::linear:
      SEIGH_REQUIRE(in.height == 1 && in.width == 1)
          << "linear(" << l.out << ") needs a flat input but gets " << to_string(in) << " (put flatten before it)";
      return std::make_shared<Linear>(in.channels, l.out);
    case CnnLayer::Kind::activation: return std::make_shared<ActivationLayer>(l.activation, in);
  }
  SEIGH_FAIL() << "unknown cnn layer kind";
}

/// Builds the layers in order; `fail(i, message)` reports (throws) a
/// problem with layer i (i = layers.size() for the model as a whole).
template <class Fail>
Model assemble_cnn(const Shape& input, std::span<const CnnLayer> layers, Fail&& fail) {
  if (input.channels < 1 || input.height < 1 || input.width < 1) fail(0, "empty input shape " + shape_word(input));
  if (layers.empty()) fail(0, "a cnn needs at least one layer");
  std::vector<std::shared_ptr<const Layer>> built;
  Shape shape = input;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    try {
      built.push_back(make_cnn_layer(shape, layers[i]));
    } catch (const Error& e) {
      fail(i, e.what());
    }
    shape = built.back()->out_shape();
  }
  if (shape.height != 1 || shape.width != 1) {
    fail(layers.size() - 1, "the last layer produces " + shape_word(shape) +
                                "; the logits must be flat (end with flatten or linear)");
  }
  return Model(std::move(built), format_cnn_spec(input, layers));
}

Model build_cnn(const SpecTerm& t, std::string_view spec) {
  const std::string usage = "cnn(CxHxW,LAYER,...), e.g. cnn(1x28x28,conv(8,3,1,1),relu,maxpool(2,2,0),flatten,linear(10))";
  if (!t.call || t.args.size() < 2) fail_at(spec, t.position, "expected " + usage);
  // Input shape: three positive numbers joined by 'x'.
  const SpecTerm& shape_term = t.args[0];
  if (shape_term.call) fail_at(spec, shape_term.position, "the input shape must be CxHxW, e.g. 1x28x28");
  std::vector<Index> dims;
  std::size_t start = 0;
  const std::string& w = shape_term.word;
  while (true) {
    const std::size_t cut = w.find('x', start);
    const std::string part = w.substr(start, cut == std::string::npos ? std::string::npos : cut - start);
    dims.push_back(parse_number(part, shape_term.position + start, 1, "input dimension", spec));
    if (cut == std::string::npos) break;
    start = cut + 1;
  }
  if (dims.size() != 3) fail_at(spec, shape_term.position, "the input shape '" + w + "' must be CxHxW, e.g. 1x28x28");
  const Shape input{dims[0], dims[1], dims[2]};

  std::vector<CnnLayer> layers;
  std::vector<std::size_t> positions;
  for (std::size_t i = 1; i < t.args.size(); ++i) {
    const SpecTerm& a = t.args[i];
    CnnLayer l;
    if (a.word == "conv") {
      const auto v = parse_arguments(a, {"channels", "kernel", "stride", "padding"},
                                     "conv(OUT_CHANNELS,KERNEL,STRIDE,PADDING)", spec);
      l = {CnnLayer::Kind::conv, v[0], Window2d{v[1], v[2], v[3]}, Activation::relu};
    } else if (a.word == "maxpool" || a.word == "avgpool") {
      const auto v = parse_arguments(a, {"kernel", "stride", "padding"}, a.word + "(KERNEL,STRIDE,PADDING)", spec);
      l = {a.word == "maxpool" ? CnnLayer::Kind::maxpool : CnnLayer::Kind::avgpool, 0, Window2d{v[0], v[1], v[2]},
           Activation::relu};
    } else if (a.word == "linear") {
      const auto v = parse_arguments(a, {"features"}, "linear(OUT_FEATURES)", spec);
      l = {CnnLayer::Kind::linear, v[0], {}, Activation::relu};
    } else {
      if (a.word == "flatten") {
        l.kind = CnnLayer::Kind::flatten;
      } else {
        try {
          l = {CnnLayer::Kind::activation, 0, {}, parse_activation(a.word)};
        } catch (const Error&) {
          fail_at(spec, a.position,
                  "unknown layer '" + a.word +
                      "' (known: conv(O,K,S,P), maxpool(K,S,P), avgpool(K,S,P), flatten, linear(O), tanh, relu, "
                      "sigmoid, gelu, softplus)");
        }
      }
      if (a.call) fail_at(spec, a.position, "'" + a.word + "' takes no arguments");
    }
    layers.push_back(l);
    positions.push_back(a.position);
  }
  return assemble_cnn(input, layers, [&](std::size_t i, const std::string& what) {
    fail_at(spec, i < positions.size() ? positions[i] : t.position, what);
  });
}

constexpr const char* k3c3d =
    "cnn(1x28x28,conv(64,5,1,0),relu,maxpool(3,2,1),conv(96,3,1,0),relu,maxpool(3,2,1),conv(128,3,1,1),relu,"
    "maxpool(3,2,1),flatten,linear(512),relu,linear(256),relu,linear(10))";

}  // namespace

std::string format_cnn_spec(const Shape& input, std::span<const CnnLayer> layers) {
  std::string s = "cnn(" + shape_word(input);
  for (const CnnLayer& l : layers) {
    s += ',';
    s += cnn_term(l);
  }
  return s + ")";
}

Model make_cnn(const Shape& input, std::span<const CnnLayer> layers) {
  return assemble_cnn(input, layers, [&](std::size_t i, const std::string& what) {
    SEIGH_FAIL() << "cnn layer " << i << (i < layers.size() ? " (" + cnn_term(layers[i]) + ")" : "") << ": " << what;
  });
}

std::optional<std::string> model_preset(std::string_view name) {
  if (name == "3c3d") return std::string(k3c3d);
  return std::nullopt;
}

SpecTerm parse_spec_term(std::string_view spec) { return TermParser(spec).parse_all(); }

Model parse_model_spec(std::string_view spec) {
  const SpecTerm t = parse_spec_term(spec);
  if (const auto preset = model_preset(t.word)) {
    if (t.call) fail_at(spec, t.position, "the preset '" + t.word + "' takes no arguments");
    return parse_model_spec(*preset);
  }
  if (t.word == "mlp" || t.word == "cnn") {
    Model m = t.word == "mlp" ? build_mlp(t, spec) : build_cnn(t, spec);
    // One model, one spec: refuse non-canonical spellings.
    SEIGH_REQUIRE(m.spec() == spec) << "model spec '" << std::string(spec) << "' is not canonical; write '"
                                    << m.spec() << "'";
    return m;
  }
  SEIGH_FAIL() << "unknown model family '" << t.word << "' in spec '" << std::string(spec)
               << "' (known: mlp(...), cnn(...), and the preset 3c3d)";
}

// ------------------------------------------------------------------ init

double uniform_parameter(const random::RngState& init_state, Index i, double bound) {
  const random::PhiloxBlock w = random::draw(init_state, static_cast<std::uint64_t>(i), 0);
  const double u = random::uniform_open01(w[0], w[1]);
  return bound * (2.0 * u - 1.0);
}

VectorD init_parameters_double(const Model& model, std::uint64_t seed, std::uint32_t user_stream) {
  const random::RngState state = random::derive(random::make_rng_state(seed, user_stream), random::Stream::init);
  VectorD theta(model.parameter_count());
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const Index off = model.parameter_offset(i);
    model.layer(i).init(state, off, theta.segment(off, layer.parameter_count()));
  }
  return theta;
}

}  // namespace seigh::nn
