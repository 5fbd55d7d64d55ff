#pragma once
/// \file
/// The small "core" problem of SEIGH (DESIGN.md §2 step 3; Tropp, Yurtsever,
/// Udell, Cevher 2019, SISC, Alg. 4 / §5.4 symmetric variant). Serial and
/// pure: the distributed driver calls it on rank 0 and broadcasts the result.
///
///     C = P⁺ Z (R⁺)ᵀ      P = Φ Q (s x o),  R = Ψ Q (s x o),  Z = Φ H Ψᵀ (s x s)
///     C ← (C + Cᵀ)/2,     C = U Λ Uᵀ, ordered by |λ| (or algebraically)
///
/// Pseudo-inverses are truncated SVDs: singular values below
/// rcond · σ_max are treated as zero (least squares with an rcond).

#include "seigh/core/types.hpp"
#include "seigh/eig/result.hpp"

namespace seigh::eig {

struct CoreSolution {
  VectorD eigenvalues;   ///< o, ordered
  MatrixD eigenvectors;  ///< U (o x o), columns ordered like eigenvalues
  Index rank_p = 0;      ///< numerical rank of P used by P⁺
  Index rank_r = 0;      ///< numerical rank of R used by R⁺
  double asymmetry = 0;  ///< ‖C − Cᵀ‖_F / ‖C‖_F before symmetrising
};

/// Solve the core problem. P, R (s x o), Z (s x s); rcond in (0, 1).
CoreSolution solve_core(const MatrixD& P, const MatrixD& Z, const MatrixD& R, double rcond, Ordering ordering);

}  // namespace seigh::eig
