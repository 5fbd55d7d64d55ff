#pragma once
/// \file
/// Shared vocabulary types: index type and Eigen aliases.
///
/// Matrices are column-major in memory (Eigen's default); on disk they are
/// C-order with one vector per row (DESIGN.md §4).

#include <Eigen/Core>
#include <cstdint>

namespace seigh {

/// Global and local indices (parameters, rows, columns). Signed, 64-bit:
/// D may exceed 2^31 in out-of-core runs.
using Index = std::int64_t;

template <class Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
template <class Scalar>
using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

using MatrixD = Matrix<double>;
using MatrixF = Matrix<float>;
using VectorD = Vector<double>;
using VectorF = Vector<float>;

}  // namespace seigh
