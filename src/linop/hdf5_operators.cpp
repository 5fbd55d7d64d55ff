#include "seigh/linop/hdf5_operators.hpp"

#include "seigh/dist/collective.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"
#include "seigh/random/test_matrix.hpp"

namespace seigh::linop {

std::pair<std::string, std::string> split_file_spec(const std::string& spec) {
  const auto colon = spec.rfind(':');
  SEIGH_REQUIRE(colon != std::string::npos && colon > 0 && colon + 1 < spec.size())
      << "operator '" << spec << "': expected FILE.h5:/DATASET or FILE.h5:lowrank";
  return {spec.substr(0, colon), spec.substr(colon + 1)};
}

namespace {
/// Collective: every rank's local block is finite, or one error everywhere.
template <class Scalar>
void require_finite_block(const dist::Comm& comm, const Matrix<Scalar>& local, const std::string& what) {
  dist::require_all(comm, local.allFinite(), what + " contains NaN or Inf");
}
}  // namespace

template <class Scalar>
DenseOperator<Scalar>::DenseOperator(const dist::Comm& comm, const std::string& path, const std::string& dataset,
                                     double symmetry_tolerance) {
  const io::File file = io::File::open(comm, path);
  const std::vector<Index> shape = io::dataset_shape(file, dataset);
  SEIGH_REQUIRE(shape.size() == 2 && shape[0] == shape[1] && shape[0] > 0)
      << "dataset '" << dataset << "' in '" << path << "' has shape " << io::format_shape(shape)
      << ", expected a square [D, D] matrix";
  const Index D = shape[0];
  // Reading the [D, D] dataset "as rows" with the column partition gives
  // local(i, j) = A(j, r0 + i), i.e. A[:, rows]ᵀ: the hyperslab of this
  // rank's columns, equal to A[rows, :] when A is symmetric.
  rows_ = io::read_rows<Scalar>(file, dataset, comm.partition(D));
  require_finite_block(comm, rows_.local(), "dataset '" + dataset + "' in '" + path + "'");

  // Symmetry probe: L = A[:, rows]ᵀ, so L·G = (AᵀG)[rows], while
  // A·G = Σ_q A[:, rows_q] G[rows_q] = Σ_q L_qᵀ G[rows_q] (reduce-scatter).
  const Index probes = 8;
  const random::TestMatrix gaussian{random::TestMatrixKind::gaussian, D, probes,
                                    random::make_rng_state(0x5e16a5, 7), 8};
  const Matrix<Scalar> G = random::generate<Scalar>(gaussian, 0, D, 0, probes);
  const auto part = rows_.partition();
  const Matrix<Scalar> at_g = rows_.local() * G;
  const Matrix<Scalar> partial = rows_.local().transpose() * G.middleRows(part.row_offset(), part.local_rows());
  Matrix<Scalar> a_g(part.local_rows(), probes);
  comm.reduce_scatter_rows<Scalar>(partial, part, a_g);
  VectorD norms(2);
  norms << (a_g - at_g).template cast<double>().squaredNorm(), a_g.template cast<double>().squaredNorm();
  comm.allreduce_sum(norms);
  asymmetry_ = norms[1] > 0 ? std::sqrt(norms[0] / norms[1]) : 0.0;
  SEIGH_REQUIRE(asymmetry_ <= symmetry_tolerance)
      << "dataset '" << dataset << "' in '" << path << "' is not symmetric: estimated ||A - A^T||_F / ||A||_F = "
      << asymmetry_ << " > " << symmetry_tolerance;
}

template <class Scalar>
void DenseOperator<Scalar>::apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y) {
  SEIGH_REQUIRE(X.rows() == dim() && Y.rows() == rows_.local_rows() && Y.cols() == X.cols())
      << "dense operator: shapes X " << X.rows() << " x " << X.cols() << ", Y " << Y.rows() << " x " << Y.cols()
      << " do not fit D = " << dim();
  Y.noalias() = rows_.local() * X;
}

template <class Scalar>
FactoredOperator<Scalar>::FactoredOperator(const dist::Comm& comm, const std::string& path) : comm_(&comm) {
  const io::File file = io::File::open(comm, path);
  const std::vector<Index> u_shape = io::dataset_shape(file, "/U");
  SEIGH_REQUIRE(u_shape.size() == 2 && u_shape[0] >= 1 && u_shape[1] >= 1)
      << "dataset '/U' in '" << path << "' has shape " << io::format_shape(u_shape) << ", expected [r, D]";
  const std::vector<double> lambda = io::read_replicated<double>(file, "/lambda");
  SEIGH_REQUIRE(static_cast<Index>(lambda.size()) == u_shape[0])
      << "'" << path << "': /lambda has " << lambda.size() << " entries but /U has " << u_shape[0] << " rows";
  lambda_ = Eigen::Map<const VectorD>(lambda.data(), static_cast<Index>(lambda.size()));
  SEIGH_REQUIRE(lambda_.allFinite()) << "'" << path << "': /lambda contains NaN or Inf";
  factor_ = io::read_rows<Scalar>(file, "/U", comm.partition(u_shape[1]));
  require_finite_block(comm, factor_.local(), "dataset '/U' in '" + path + "'");
}

template <class Scalar>
void FactoredOperator<Scalar>::apply(const Eigen::Ref<const Matrix<Scalar>>& X, Eigen::Ref<Matrix<Scalar>> Y) {
  const auto part = factor_.partition();
  SEIGH_REQUIRE(X.rows() == dim() && Y.rows() == part.local_rows() && Y.cols() == X.cols())
      << "factored operator: shapes X " << X.rows() << " x " << X.cols() << ", Y " << Y.rows() << " x " << Y.cols()
      << " do not fit D = " << dim();
  MatrixD UX = MatrixD::Zero(factor_.cols(), X.cols());
  if (part.local_rows() > 0) {
    UX.noalias() = factor_.local().template cast<double>().transpose() *
                   X.middleRows(part.row_offset(), part.local_rows()).template cast<double>();
  }
  comm_->allreduce_sum(UX);
  Y = (factor_.local().template cast<double>() * (lambda_.asDiagonal() * UX)).template cast<Scalar>();
}

template class DenseOperator<float>;
template class DenseOperator<double>;
template class FactoredOperator<float>;
template class FactoredOperator<double>;

}  // namespace seigh::linop
