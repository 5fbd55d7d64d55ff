#include "seigh/linop/synthetic.hpp"

#include <Eigen/QR>
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "seigh/core/error.hpp"
#include "seigh/random/rng.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::linop {

namespace {

// User streams of the operator's own randomness (role `user`, so they can
// never meet the eigensolver's derived Ω/Ψ/Φ streams of the same seed).
constexpr std::uint32_t kReflectorStream = 1001;
constexpr std::uint32_t kBlockStream = 1002;
constexpr std::uint32_t kPermutationStream = 1003;

const std::map<std::string, SpectrumFamily>& family_names() {
  static const std::map<std::string, SpectrumFamily> names = {{"lowrank", SpectrumFamily::low_rank},
                                                                {"poly", SpectrumFamily::poly_decay},
                                                                {"exp", SpectrumFamily::exp_decay},
                                                                {"indefinite", SpectrumFamily::indefinite}};
  return names;
}

std::string family_name(SpectrumFamily family) {
  for (const auto& [name, value] : family_names())
    if (value == family) return name;
  return "?";
}

double parse_number(const std::string& key, const std::string& value) {
  std::size_t used = 0;
  double number = 0;
  try {
    number = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  SEIGH_REQUIRE(used == value.size() && !value.empty() && std::isfinite(number))
      << "synthetic operator: '" << key << "=" << value << "' is not a finite number";
  return number;
}

Index parse_count(const std::string& key, const std::string& value) {
  const double number = parse_number(key, value);
  SEIGH_REQUIRE(number >= 0 && number == std::floor(number) && number < 9.0e15)
      << "synthetic operator: '" << key << "=" << value << "' must be a non-negative integer";
  return static_cast<Index>(number);
}

}  // namespace

SyntheticSpec parse_synthetic_spec(const std::string& text) {
  std::stringstream stream(text);
  std::string item;
  std::getline(stream, item, ',');
  const auto family = family_names().find(item);
  SEIGH_REQUIRE(family != family_names().end())
      << "synthetic operator: unknown spectrum '" << item << "' (valid: lowrank, poly, exp, indefinite)";
  SyntheticSpec spec;
  spec.family = family->second;
  while (std::getline(stream, item, ',')) {
    const auto equals = item.find('=');
    SEIGH_REQUIRE(equals != std::string::npos) << "synthetic operator: expected key=value, got '" << item << "'";
    const std::string key = item.substr(0, equals);
    const std::string value = item.substr(equals + 1);
    if (key == "D") spec.dim = parse_count(key, value);
    else if (key == "R") spec.rank = parse_count(key, value);
    else if (key == "noise") spec.noise = parse_number(key, value);
    else if (key == "p" || key == "q") spec.decay = parse_number(key, value);
    else if (key == "block") spec.block = parse_count(key, value);
    else if (key == "reflectors") spec.reflectors = static_cast<int>(parse_count(key, value));
    else if (key == "seed") spec.seed = static_cast<std::uint64_t>(parse_count(key, value));
    else SEIGH_FAIL() << "synthetic operator: unknown key '" << key << "' (valid: D, R, noise, p, q, block, reflectors, seed)";
  }
  SEIGH_REQUIRE(spec.dim >= 1) << "synthetic operator: D must be >= 1";
  SEIGH_REQUIRE(spec.block >= 1) << "synthetic operator: block must be >= 1";
  SEIGH_REQUIRE(spec.decay > 0) << "synthetic operator: decay p/q must be > 0";
  return spec;
}

std::string to_string(const SyntheticSpec& spec) {
  std::ostringstream out;
  out.precision(17);
  out << family_name(spec.family) << ",D=" << spec.dim << ",R=" << spec.rank << ",noise=" << spec.noise
      << ",p=" << spec.decay << ",block=" << spec.block << ",reflectors=" << spec.reflectors << ",seed=" << spec.seed;
  return out.str();
}

VectorD synthetic_spectrum(const SyntheticSpec& spec) {
  const Index D = spec.dim;
  const Index R = std::min(spec.rank, D);
  VectorD lambda(D);
  for (Index i = 0; i < D; ++i) {
    const double x = static_cast<double>(i);
    switch (spec.family) {
      case SpectrumFamily::low_rank:
        lambda[i] = i < R ? 1.0 - x / (2.0 * static_cast<double>(R)) : spec.noise * static_cast<double>(D - i) / static_cast<double>(D);
        break;
      case SpectrumFamily::poly_decay:
        lambda[i] = i < R ? 1.0 : std::pow(x - static_cast<double>(R) + 2.0, -spec.decay);
        break;
      case SpectrumFamily::exp_decay:
        lambda[i] = i < R ? 1.0 : std::pow(10.0, -spec.decay * (x - static_cast<double>(R) + 1.0));
        break;
      case SpectrumFamily::indefinite:
        lambda[i] = (i % 3 == 1 ? -1.0 : 1.0) * std::pow(x + 1.0, -spec.decay);
        break;
    }
  }
  return lambda;
}

template <class Scalar>
SyntheticOperator<Scalar>::SyntheticOperator(const dist::Comm& comm, const SyntheticSpec& spec)
    : spec_(spec), partition_(comm.partition(spec.dim)), lambda_(synthetic_spectrum(spec)) {
  const Index D = spec_.dim;
  SEIGH_REQUIRE(spec_.reflectors >= 0) << "synthetic operator: reflectors must be >= 0";

  // Householder vectors: Gaussian columns, normalised.
  const random::TestMatrix u_source{random::TestMatrixKind::gaussian, D, spec_.reflectors,
                                    random::make_rng_state(spec_.seed, kReflectorStream), 8};
  reflectors_ = random::generate<double>(u_source, 0, D, 0, spec_.reflectors);
  for (Index i = 0; i < reflectors_.cols(); ++i) reflectors_.col(i).normalize();

  // Block-diagonal factor: Q_t from the QR of a Gaussian β_t x β_t block,
  // signs fixed so R has a positive diagonal (Q_t is then Haar distributed).
  const Index beta = std::min(spec_.block, D);
  const random::TestMatrix g_source{random::TestMatrixKind::gaussian, D, beta,
                                    random::make_rng_state(spec_.seed, kBlockStream), 8};
  blocks_.resize(beta, D);
  for (Index start = 0; start < D; start += beta) {
    const Index size = std::min(beta, D - start);
    const MatrixD G = random::generate<double>(g_source, start, size, 0, size);
    const Eigen::HouseholderQR<MatrixD> qr(G);
    MatrixD Q = qr.householderQ() * MatrixD::Identity(size, size);
    for (Index j = 0; j < size; ++j)
      if (qr.matrixQR()(j, j) < 0) Q.col(j) = -Q.col(j);
    blocks_.block(0, start, size, size) = Q;
  }

  // π: Fisher–Yates driven by counter-based draws (one per position).
  column_of_rank_.resize(static_cast<std::size_t>(D));
  for (Index i = 0; i < D; ++i) column_of_rank_[static_cast<std::size_t>(i)] = i;
  const random::RngState perm_state = random::make_rng_state(spec_.seed, kPermutationStream);
  for (Index i = D - 1; i > 0; --i) {
    const random::PhiloxBlock bits = random::draw(perm_state, static_cast<std::uint64_t>(i), 0);
    const std::uint64_t word = (static_cast<std::uint64_t>(bits[1]) << 32) | bits[0];
    const auto j = static_cast<Index>(word % static_cast<std::uint64_t>(i + 1));
    std::swap(column_of_rank_[static_cast<std::size_t>(i)], column_of_rank_[static_cast<std::size_t>(j)]);
  }
  column_lambda_.resize(D);
  for (Index i = 0; i < D; ++i) column_lambda_[column_of_rank_[static_cast<std::size_t>(i)]] = lambda_[i];
}

template <class Scalar>
void SyntheticOperator<Scalar>::apply_v(Eigen::Ref<MatrixD> Z) const {
  const Index beta = blocks_.rows();
  for (Index start = 0; start < spec_.dim; start += beta) {
    const Index size = std::min(beta, spec_.dim - start);
    Z.middleRows(start, size) = blocks_.block(0, start, size, size) * Z.middleRows(start, size);
  }
  for (Index i = reflectors_.cols() - 1; i >= 0; --i) {
    const auto u = reflectors_.col(i);
    Z.noalias() -= 2.0 * u * (u.transpose() * Z);
  }
}

template <class Scalar>
void SyntheticOperator<Scalar>::apply_v_transpose(Eigen::Ref<MatrixD> Z) const {
  for (Index i = 0; i < reflectors_.cols(); ++i) {
    const auto u = reflectors_.col(i);
    Z.noalias() -= 2.0 * u * (u.transpose() * Z);
  }
  const Index beta = blocks_.rows();
  for (Index start = 0; start < spec_.dim; start += beta) {
    const Index size = std::min(beta, spec_.dim - start);
    Z.middleRows(start, size) = blocks_.block(0, start, size, size).transpose() * Z.middleRows(start, size);
  }
}

template <class Scalar>
void SyntheticOperator<Scalar>::apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y) {
  SEIGH_REQUIRE(X.rows() == spec_.dim) << "synthetic operator: probe block has " << X.rows() << " rows, D = " << spec_.dim;
  SEIGH_REQUIRE(Y.rows() == partition_.local_rows() && Y.cols() == X.cols())
      << "synthetic operator: output block is " << Y.rows() << " x " << Y.cols() << ", expected "
      << partition_.local_rows() << " x " << X.cols();
  // The D x b float64 work block is kept between products: allocating (and
  // first-touching) 8·D·b fresh bytes per product costs more than the
  // product itself at D = 10^6 (experiments/benchmarks/RESULTS.md).
  // Grown to the widest block seen, never shrunk: a narrower last block
  // or the error probes reuse its leading columns.
  if (workspace_.rows() != X.rows() || workspace_.cols() < X.cols()) workspace_.resize(X.rows(), X.cols());
  Eigen::Ref<MatrixD> Z = workspace_.leftCols(X.cols());
  Z = X.template cast<double>();
  apply_v_transpose(Z);
  Z.array().colwise() *= column_lambda_.array();
  apply_v(Z);
  Y = Z.middleRows(partition_.row_offset(), partition_.local_rows()).template cast<Scalar>();
}

template <class Scalar>
MatrixD SyntheticOperator<Scalar>::eigenvectors(Index first, Index count) const {
  SEIGH_REQUIRE(first >= 0 && count >= 0 && first + count <= spec_.dim)
      << "synthetic operator: eigenvectors [" << first << ", " << first + count << ") outside [0, " << spec_.dim << ")";
  MatrixD E = MatrixD::Zero(spec_.dim, count);
  for (Index j = 0; j < count; ++j) E(column_of_rank_[static_cast<std::size_t>(first + j)], j) = 1.0;
  apply_v(E);
  return E;
}

template class SyntheticOperator<float>;
template class SyntheticOperator<double>;

}  // namespace seigh::linop
