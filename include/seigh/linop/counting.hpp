#pragma once
/// \file
/// `Counting<Op>`: a decorator that counts what an eigensolver asked of an
/// operator — products (columns of X, i.e. HVPs for a Hessian), blocks
/// (calls to apply) and wall-clock seconds inside apply. Results report
/// these so methods can be compared per product, as the paper does.

#include <chrono>

#include "seigh/linop/operator.hpp"

namespace seigh::linop {

/// Counters accumulated by Counting.
struct OperatorCounts {
  Index products = 0;  ///< columns multiplied (HVPs)
  Index blocks = 0;    ///< calls to apply
  double seconds = 0;  ///< wall time inside apply (this rank)
};

template <DistributedOperator Op>
class Counting {
 public:
  using scalar_type = typename Op::scalar_type;

  explicit Counting(Op& inner) : inner_(&inner) {}

  [[nodiscard]] Index dim() const { return inner_->dim(); }
  [[nodiscard]] dist::RowPartition partition() const { return inner_->partition(); }

  /// Y (local_rows x b) = rows of H·X (X is D x b). Collective.
  void apply(const Eigen::Ref<const Matrix<scalar_type>>& X, Eigen::Ref<Matrix<scalar_type>> Y) {
    const auto start = std::chrono::steady_clock::now();
    inner_->apply(X, Y);
    counts_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    counts_.products += X.cols();
    counts_.blocks += 1;
  }

  [[nodiscard]] const OperatorCounts& counts() const { return counts_; }
  void reset() { counts_ = {}; }
  [[nodiscard]] Op& inner() { return *inner_; }

 private:
  Op* inner_;
  OperatorCounts counts_{};
};

}  // namespace seigh::linop
