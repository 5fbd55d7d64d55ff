#pragma once
/// \file
/// `BlockRowMatrix<Scalar>`: a tall D x k matrix whose rows are partitioned
/// over the ranks of a communicator (DESIGN.md §3). Rank r stores rows
/// [row_offset, row_offset + local_rows) as a column-major local block.
///
/// It is a value type holding the partition and the local block; the
/// collective operations are free functions taking the Comm, so every
/// communication point is visible at the call site.

#include <algorithm>
#include <type_traits>
#include <utility>

#include "seigh/core/error.hpp"
#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::dist {

template <class Scalar>
class BlockRowMatrix {
 public:
  using scalar_type = Scalar;
  using LocalBlock = Matrix<Scalar>;

  BlockRowMatrix() = default;
  /// Zero-initialised D x k matrix with `partition` (global_rows == D).
  BlockRowMatrix(const RowPartition& partition, Index cols)
      : partition_(partition), local_(LocalBlock::Zero(partition.local_rows(), cols)) {}
  /// Adopt a local block (local_rows x k).
  BlockRowMatrix(const RowPartition& partition, LocalBlock local)
      : partition_(partition), local_(std::move(local)) {
    SEIGH_REQUIRE(local_.rows() == partition_.local_rows())
        << "BlockRowMatrix: local block has " << local_.rows() << " rows, partition gives "
        << partition_.local_rows();
  }

  [[nodiscard]] const RowPartition& partition() const { return partition_; }
  [[nodiscard]] Index global_rows() const { return partition_.global_rows(); }
  [[nodiscard]] Index local_rows() const { return partition_.local_rows(); }
  [[nodiscard]] Index row_offset() const { return partition_.row_offset(); }
  [[nodiscard]] Index cols() const { return local_.cols(); }
  [[nodiscard]] int owner(Index global_row) const { return partition_.owner(global_row); }

  /// This rank's rows (local_rows x k), column-major.
  [[nodiscard]] LocalBlock& local() { return local_; }
  [[nodiscard]] const LocalBlock& local() const { return local_; }

 private:
  RowPartition partition_{};
  LocalBlock local_{};
};

namespace detail {
/// Rows per chunk when float data is promoted to double: bounds the extra
/// memory of the promotion to kPromoteChunk x k doubles.
inline constexpr Index kPromoteChunk = 4096;
}  // namespace detail

/// G += rowsᵀ rows on the lower triangle of G (k x k), in double: the local
/// part of gram(), exposed so that a matrix streamed in row blocks
/// (out-of-core) accumulates its Gram the same way. Float rows are promoted
/// kPromoteChunk rows at a time; a caller whose row blocks start at
/// multiples of kPromoteChunk therefore adds exactly the same terms in the
/// same order as gram() on the whole block. Local.
template <class Scalar>
void accumulate_gram_lower(MatrixD& G, const Eigen::Ref<const Matrix<Scalar>>& rows) {
  if (rows.rows() == 0) return;
  if constexpr (std::is_same_v<Scalar, double>) {
    G.template selfadjointView<Eigen::Lower>().rankUpdate(rows.transpose());
  } else {
    for (Index r0 = 0; r0 < rows.rows(); r0 += detail::kPromoteChunk) {
      const Index n = std::min(detail::kPromoteChunk, rows.rows() - r0);
      const MatrixD chunk = rows.middleRows(r0, n).template cast<double>();
      G.template selfadjointView<Eigen::Lower>().rankUpdate(chunk.transpose());
    }
  }
}

/// Gram matrix G = Xᵀ X (k x k), replicated on every rank; accumulated in
/// double whatever Scalar is (float input is promoted chunk by chunk, so no
/// full double copy exists). One allreduce. Collective.
template <class Scalar>
MatrixD gram(const Comm& comm, const BlockRowMatrix<Scalar>& X) {
  MatrixD G = MatrixD::Zero(X.cols(), X.cols());
  accumulate_gram_lower<Scalar>(G, X.local());
  G.template triangularView<Eigen::StrictlyUpper>() = G.transpose();
  comm.allreduce_sum(G);
  return G;
}

/// Cross Gram Xᵀ Y (k1 x k2), replicated; accumulated in double. The two
/// matrices must share the row partition. One allreduce. Collective.
template <class ScalarX, class ScalarY>
MatrixD cross_gram(const Comm& comm, const BlockRowMatrix<ScalarX>& X, const BlockRowMatrix<ScalarY>& Y) {
  SEIGH_REQUIRE(X.partition() == Y.partition()) << "cross_gram: row partitions differ";
  MatrixD G = MatrixD::Zero(X.cols(), Y.cols());
  for (Index r0 = 0; r0 < X.local_rows(); r0 += detail::kPromoteChunk) {
    const Index rows = std::min(detail::kPromoteChunk, X.local_rows() - r0);
    G.noalias() += X.local().middleRows(r0, rows).template cast<double>().transpose() *
                   Y.local().middleRows(r0, rows).template cast<double>();
  }
  comm.allreduce_sum(G);
  return G;
}

namespace detail {
/// Rows per block of the local products X·S. Eigen sizes its GEMM blocking
/// from the cache sizes it detects; on a tall operand (hundreds of
/// thousands of rows) with an L3 that a virtual machine reports as hundreds
/// of MB, float64 GEMM falls to half its rate. Blocks of a few thousand
/// rows run at the full rate on every shape measured and cost nothing
/// elsewhere (experiments/benchmarks/RESULTS.md).
inline constexpr Index kProductRows = 4096;
}  // namespace detail

/// X · S for a small replicated matrix S (k x m): purely local, no
/// communication. Returns a D x m BlockRowMatrix with X's partition.
/// S is rounded to Scalar once; the product runs in blocks of rows.
template <class Scalar, class Derived>
BlockRowMatrix<Scalar> multiply(const BlockRowMatrix<Scalar>& X, const Eigen::MatrixBase<Derived>& S) {
  SEIGH_REQUIRE(S.rows() == X.cols()) << "multiply: X has " << X.cols() << " columns, S has " << S.rows() << " rows";
  const Matrix<Scalar> s = S.template cast<Scalar>();
  Matrix<Scalar> local(X.local_rows(), s.cols());
  for (Index r0 = 0; r0 < X.local_rows(); r0 += detail::kProductRows) {
    const Index rows = std::min(detail::kProductRows, X.local_rows() - r0);
    local.middleRows(r0, rows).noalias() = X.local().middleRows(r0, rows) * s;
  }
  return BlockRowMatrix<Scalar>(X.partition(), std::move(local));
}

/// X ← X · S in place for a small replicated S (k x m) with m ≤ k: X
/// becomes D x m with the same partition, and no second D x m block is
/// ever allocated. Row i of X·S needs only row i of X, so each block of
/// rows is overwritten as soon as its product is formed, and the storage
/// then shrinks to its first m columns (which, column-major, are already
/// in place). Same values as multiply(X, S). Purely local.
///
/// For V = Q U at the end of a sketch: saves the D·m/P entries of a new V
/// and the first touch of their pages.
template <class Scalar, class Derived>
void multiply_in_place(BlockRowMatrix<Scalar>& X, const Eigen::MatrixBase<Derived>& S) {
  SEIGH_REQUIRE(S.rows() == X.cols()) << "multiply_in_place: X has " << X.cols() << " columns, S has " << S.rows()
                                      << " rows";
  SEIGH_REQUIRE(S.cols() <= X.cols()) << "multiply_in_place: S has " << S.cols() << " columns, more than X's "
                                      << X.cols();
  const Matrix<Scalar> s = S.template cast<Scalar>();
  auto& local = X.local();
  Matrix<Scalar> block;
  for (Index r0 = 0; r0 < local.rows(); r0 += detail::kProductRows) {
    const Index rows = std::min(detail::kProductRows, local.rows() - r0);
    block.noalias() = local.middleRows(r0, rows) * s;
    local.middleRows(r0, rows).leftCols(s.cols()) = block;
  }
  local.conservativeResize(Eigen::NoChange, s.cols());
}

/// Euclidean norm of every column (k), replicated. One allreduce. Collective.
template <class Scalar>
VectorD column_norms(const Comm& comm, const BlockRowMatrix<Scalar>& X) {
  VectorD squares = VectorD::Zero(X.cols());
  if (X.local_rows() > 0) squares = X.local().template cast<double>().colwise().squaredNorm().transpose();
  comm.allreduce_sum(squares);
  return squares.cwiseSqrt();
}

/// The full D x k matrix on every rank (tests and small problems only:
/// O(D k) memory per rank). Collective.
template <class Scalar>
Matrix<Scalar> gather_all(const Comm& comm, const BlockRowMatrix<Scalar>& X) {
  Matrix<Scalar> full(X.global_rows(), X.cols());
  comm.allgather_rows<Scalar>(X.local(), X.partition(), full);
  return full;
}

/// Distribute a replicated D x k matrix: each rank keeps its rows. Local.
template <class Scalar>
BlockRowMatrix<Scalar> scatter_replicated(const RowPartition& partition, const Matrix<Scalar>& full) {
  SEIGH_REQUIRE(full.rows() == partition.global_rows())
      << "scatter_replicated: matrix has " << full.rows() << " rows, partition " << partition.global_rows();
  return BlockRowMatrix<Scalar>(partition, full.middleRows(partition.row_offset(), partition.local_rows()));
}

}  // namespace seigh::dist
