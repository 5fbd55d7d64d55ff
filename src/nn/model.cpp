#include "seigh/nn/model.hpp"

#include <cctype>
#include <sstream>

#include "seigh/core/error.hpp"
#include "seigh/nn/init.hpp"
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

void Model::check_data(Index features, Index classes) const {
  SEIGH_REQUIRE(input_size() == features)
      << "model " << spec_ << " takes " << input_size() << " input features (its first width) but the data has "
      << features << " features per sample";
  SEIGH_REQUIRE(output_size() == classes)
      << "model " << spec_ << " produces " << output_size() << " logits (its last width) but the data has "
      << classes << " classes";
}

std::string Model::describe() const {
  std::ostringstream out;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    out << i << ": " << layers_[i]->name() << "  params [" << offsets_[i] << ", " << offsets_[i + 1] << ")\n";
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

}  // namespace

SpecTerm parse_spec_term(std::string_view spec) { return TermParser(spec).parse_all(); }

Model parse_model_spec(std::string_view spec) {
  const SpecTerm t = parse_spec_term(spec);
  if (t.word == "mlp") {
    Model m = build_mlp(t, spec);
    // One model, one spec: refuse non-canonical spellings.
    SEIGH_REQUIRE(m.spec() == spec) << "model spec '" << std::string(spec) << "' is not canonical; write '"
                                    << m.spec() << "'";
    return m;
  }
  SEIGH_FAIL() << "unknown model family '" << t.word << "' in spec '" << std::string(spec) << "' (known: mlp)";
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
