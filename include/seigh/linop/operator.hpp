#pragma once
/// \file
/// The operator concept every eigensolver in seigh runs on (STYLE.md:
/// Spectra's `perform_op` contract, made explicit, blocked and distributed).
///
/// A `DistributedOperator` is a symmetric D x D matrix H available only
/// through block products, in the reduce-scatter shape of DESIGN.md §3:
///
///     op.apply(X, Y)   X (D x b): a full-length probe block, the same on
///                                 every rank;
///                      Y (local_rows x b): on return, this rank's rows
///                                 [row_offset, row_offset + local_rows) of H·X.
///
/// `apply` is collective (every rank calls it with the same X). The row
/// partition of Y is `op.partition()`, which must be the balanced partition
/// of D over the operator's communicator. The neural-network Hessian, the
/// dense and factored HDF5 operators and the synthetic test operators all
/// satisfy it, so SEIGH, the exact solver and Lanczos run on any of them.

#include <Eigen/Core>
#include <concepts>

#include "seigh/core/types.hpp"
#include "seigh/dist/partition.hpp"

namespace seigh::linop {

template <class Op>
concept DistributedOperator = requires(Op& op, const Op& cop, const Eigen::Ref<const Matrix<typename Op::scalar_type>>& X,
                                       Eigen::Ref<Matrix<typename Op::scalar_type>> Y) {
  typename Op::scalar_type;
  { cop.dim() } -> std::convertible_to<Index>;
  { cop.partition() } -> std::convertible_to<dist::RowPartition>;
  op.apply(X, Y);
};

}  // namespace seigh::linop
