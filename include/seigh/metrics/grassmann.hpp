#pragma once
/// \file
/// Principal angles between two k-dimensional subspaces and the distances
/// on the Grassmannian Gr(k, D) built from them (DESIGN.md §2). Pure
/// functions on small replicated matrices, no MPI.
///
/// ## Principal angles
/// For orthonormal bases U, W (D x k) of two subspaces, the cosines of the
/// principal angles 0 ≤ θ_1 ≤ … ≤ θ_k ≤ π/2 are the singular values of
/// UᵀW (k x k), in descending order (Björck & Golub, "Numerical methods for
/// computing angles between linear subspaces", Math. Comp. 27, 1973).
/// For a mask, W = e_M and UᵀW = V[M, :]ᵀ; between two eigenbases, V1ᵀV2.
///
/// ## Distances (Ye & Lim, "Schubert varieties and distances between
/// subspaces of different dimensions", SIAM J. Matrix Anal. Appl. 37(3),
/// 2016, Table 2; Edelman, Arias & Smith, "The geometry of algorithms with
/// orthogonality constraints", SIAM J. Matrix Anal. Appl. 20(2), 1998, §4.3)
///
///     geodesic      ‖θ‖₂ = (Σ θ_i²)^{1/2}              (Grassmann / arc length)
///     chordal       ‖2 sin(θ/2)‖₂ = (Σ 4 sin²(θ_i/2))^{1/2}
///     projection    ‖sin θ‖₂ = (Σ sin² θ_i)^{1/2}
///     fubini_study  arccos(Π cos θ_i)
///     binet_cauchy  (1 − Π cos² θ_i)^{1/2}
///     overlap       (1/k) Σ cos² θ_i                   (a similarity in [0, 1])
///     iou           overlap / (2 − overlap)
///
/// Names differ between sources. "chordal" here is Edelman–Arias–Smith's
/// chordal Frobenius-norm distance ‖2 sin(θ/2)‖₂, also called the
/// Procrustes distance (= min over orthogonal Q of ‖U − WQ‖_F), which is the
/// name Ye & Lim's table gives it; "projection" is the projection
/// Frobenius-norm distance ‖UUᵀ − WWᵀ‖_F/√2 = ‖sin θ‖₂, which Ye & Lim
/// list as the chordal distance (their "projection" is the largest sine).
/// The formulas above are the contract; see the README.
///
/// IoU: measuring the "size" of the intersection of the two subspaces by
/// tr(P_U P_W) = Σ cos² θ_i = k·overlap and of their union by
/// dim U + dim W − k·overlap = 2k − k·overlap gives the Jaccard-like ratio
/// overlap/(2 − overlap) (DESIGN.md §2): 1 for equal subspaces, 0 for
/// orthogonal ones, and for coordinate subspaces span(e_A), span(e_B) it is
/// exactly the Jaccard index |A ∩ B|/|A ∪ B| of the index sets.
///
/// ## Numerics
/// - Products of many cosines (Fubini–Study, Binet–Cauchy) are formed in
///   log space, s = Σ log cos θ_i, so k = 1000 cosines of 0.5 give
///   Π = 2^{-1000} ≈ 1e-301 without underflow on the way; then
///   Binet–Cauchy = (−expm1(2s))^{1/2} and Fubini–Study =
///   atan2((−expm1(2s))^{1/2}, e^s), both accurate also when Π is close
///   to 1 (where 1 − Π² and arccos(Π) would cancel). A zero cosine gives
///   s = −∞, Π = 0: Fubini–Study π/2, Binet–Cauchy 1.
/// - θ_i = arccos(cos θ_i). arccos is ill-conditioned at 1: a cosine
///   known to δ resolves angles only down to ≈ (2δ)^{1/2}, e.g. ≈ 5e-4 for
///   float32 eigenvectors (δ ≈ 1e-7). Small angles, and so the distances
///   of nearly equal subspaces, carry that absolute error.

#include "seigh/core/types.hpp"

namespace seigh::metrics {

/// The distances and similarities of one pair of k-dimensional subspaces
/// (definitions in the file comment).
struct SubspaceMetrics {
  double overlap = 0.0;       ///< (1/k) Σ cos² θ_i, or ‖UᵀW‖²_F / k (see compare_mask)
  double geodesic = 0.0;      ///< ‖θ‖₂
  double chordal = 0.0;       ///< ‖2 sin(θ/2)‖₂
  double projection = 0.0;    ///< ‖sin θ‖₂
  double fubini_study = 0.0;  ///< arccos(Π cos θ_i)
  double binet_cauchy = 0.0;  ///< (1 − Π cos² θ_i)^{1/2}
  double iou = 0.0;           ///< overlap / (2 − overlap)
};

/// Cosines of the principal angles from C = UᵀW (k1 x k2): its
/// min(k1, k2) singular values, descending, computed in double
/// (Eigen::BDCSVD, which uses one-sided Jacobi below 16 columns), each
/// clamped to [0, 1]. The clamp is needed because U and W are orthonormal
/// only to rounding (float32 storage of eigenvectors gives singular values
/// up to ≈ 1 + 1e-7), and arccos needs its argument in [−1, 1].
[[nodiscard]] VectorD principal_cosines(const Eigen::Ref<const MatrixD>& C);

/// θ_i = arccos(cos θ_i) for cosines in [0, 1] (ascending angles for
/// descending cosines).
[[nodiscard]] VectorD principal_angles(const Eigen::Ref<const VectorD>& cosines);

/// All metrics from the cosines (k ≥ 1, each in [0, 1]); `overlap` is set
/// to the mean of cos² θ_i, and iou from it. Throws seigh::Error for an
/// empty vector or a cosine outside [0, 1] (NaN included).
[[nodiscard]] SubspaceMetrics metrics_from_cosines(const Eigen::Ref<const VectorD>& cosines);

/// IoU from an overlap: overlap / (2 − overlap).
[[nodiscard]] double iou_from_overlap(double overlap);

}  // namespace seigh::metrics
