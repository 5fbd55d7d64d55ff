#pragma once
/// \file
/// Random test matrices for sketching (Tropp, Yurtsever, Udell, Cevher 2019,
/// SISC, §3 "test matrices"; DESIGN.md §2, SEIGH step 1), generated from
/// global indices so any sub-block can be produced anywhere.
///
/// Every test matrix is described as *tall*: D x d, with D the long
/// dimension (number of parameters) and d the sketch size. Ω (D x o) is tall
/// already; the short-fat maps Φ, Ψ (s x D) are described by their tall
/// transposes Φᵀ, Ψᵀ (D x s), so row i of the tall matrix is column i of the
/// map and a row block [r0, r1) is exactly what rank r needs.
///
/// ## Families (all with E[ω_ij] = 0, E[ω_ij²] = 1, and for each row ω_i of
/// the tall matrix E[ω_iᵀ ω_i] = I_d)
///
/// - gaussian:    ω_ij ~ N(0, 1) independent (Box–Muller).
/// - rademacher:  ω_ij = ±1 with probability 1/2 each, independent.
/// - sparse_sign: each row i has exactly ζ' = min(ζ, d) nonzeros at ζ'
///   distinct columns drawn uniformly without replacement, each ±sqrt(d / ζ')
///   with an independent fair sign (the "sparse sign" map of TYUC 2019 §3
///   with ζ nonzeros per column of the s x D map). The scale makes the entry
///   variance 1 like the other families; TYUC use ±1. The sketch does not
///   depend on it: Q = orth(Ω-sketch) ignores a scale of Ω, and
///   C = (ΦQ)⁺ (ΦHΨᵀ) ((ΨQ)⁺)ᵀ cancels scales of Φ and Ψ.
///
/// ## Which Philox counter produces which entry
///
/// With the layout of rng.hpp (counter = (a_lo, a_hi, b, stream)),
/// b = (tag << 30) | index, tag 0/1/2 for gaussian/rademacher/sparse_sign:
///
/// | kind        | a       | index | entries from one 128-bit block           |
/// |-------------|---------|-------|------------------------------------------|
/// | gaussian    | i >> 1  | j     | rows 2a, 2a+1 of column j: r cos θ, r sin θ |
/// | rademacher  | i >> 7  | j     | rows 128a..128a+127 of column j, one bit each |
/// | sparse_sign | i       | t     | words 4t..4t+3 of row i's word stream     |
///
/// with r = sqrt(-2 ln u1), θ = 2π u2, u1 = uniform_open01(w0, w1),
/// u2 = uniform_open01(w2, w3); Rademacher row 128a + q uses bit q % 32 of
/// word q / 32, set bit = -1. Row i of a sparse sign matrix reads the words
/// of blocks t = 0, 1, ... in order: first its positions (Floyd's sampling,
/// one Lemire-bounded 32-bit draw per position, rare rejections take another
/// word), then one word per 32 signs, bit k % 32 giving the sign of the k-th
/// smallest position (set bit = -1). If ζ' = d every column is a position
/// and no word is spent on them.
///
/// Consequences: entry (i, j) is a function of (seed, stream, kind, i, j)
/// only — and, for sparse sign, of d and ζ, which define the matrix — never
/// of the block requested, the partition or the thread count. Gaussian and
/// Rademacher entries do not depend on D or d at all, so a larger sketch
/// extends a smaller one with the same state. Different kinds use disjoint
/// counters, so two kinds from one state are independent. Floating-point
/// entries go through the C library's log/sqrt/cos/sin: bitwise identical
/// within one build (all ranks of a run), possibly an ulp apart between
/// platforms.
///
/// Requires d ≤ 2^30 (the index field of b); D may be any Index.

#include <Eigen/Core>
#include <cstdint>
#include <span>
#include <string_view>

#include "seigh/core/types.hpp"
#include "seigh/random/rng.hpp"

namespace seigh::random {

/// Test-matrix family (DESIGN.md §2). SSRFT is not implemented.
enum class TestMatrixKind { gaussian, rademacher, sparse_sign };

/// "gaussian", "rademacher", "sparse-sign" (the names of --test-matrix and
/// of the `test_matrix` attribute in result files).
[[nodiscard]] std::string_view name(TestMatrixKind kind);

/// Inverse of name(). Throws seigh::Error listing the valid names for any
/// other string (exact, case-sensitive match).
[[nodiscard]] TestMatrixKind parse_test_matrix_kind(std::string_view text);

/// Largest number of columns d of a test matrix (2^30).
inline constexpr Index kMaxTestMatrixCols = Index{1} << 30;

/// A D x d test matrix, described, never stored: entries are generated on
/// demand by generate_block(). Cheap to copy.
struct TestMatrix {
  TestMatrixKind kind = TestMatrixKind::gaussian;
  Index rows = 0;  ///< D, the long dimension
  Index cols = 0;  ///< d, the sketch size
  RngState rng{};  ///< e.g. derive(user_state, Stream::omega)
  int zeta = 8;    ///< sparse sign: nonzeros per row (capped at d); must be ≥ 1 for every kind
};

/// Throws seigh::Error unless 0 ≤ rows, 0 ≤ cols ≤ kMaxTestMatrixCols and
/// zeta ≥ 1.
void validate(const TestMatrix& matrix);

/// out(i, j) = entry(row0 + i, col0 + j) for the block of out's shape
/// (rows x cols, any strides). Requires the block to lie inside the D x d
/// matrix (throws seigh::Error otherwise). Cost O(rows · cols) for the dense
/// families; O(rows · ζ) plus zero-filling `out` for sparse sign,
/// independent of d. Float entries are the double entries rounded to float.
/// Pure and thread-safe: threads may fill disjoint blocks concurrently.
template <class Scalar>
void generate_block(const TestMatrix& matrix, Index row0, Index col0, Eigen::Ref<Matrix<Scalar>> out);

/// The rows x cols block starting at (row0, col0), as a new matrix.
template <class Scalar>
[[nodiscard]] Matrix<Scalar> generate(const TestMatrix& matrix, Index row0, Index rows, Index col0, Index cols);

/// ζ' = min(ζ, d): nonzeros in each row of a sparse sign matrix.
[[nodiscard]] Index sparse_sign_nnz(const TestMatrix& matrix);

/// sqrt(d / ζ'), the magnitude of every nonzero of a sparse sign matrix
/// (0 if d = 0).
[[nodiscard]] double sparse_sign_scale(const TestMatrix& matrix);

/// Row i of a sparse sign matrix in compressed form: its ζ' column
/// positions in increasing order, and their signs (+1 or -1); the values are
/// signs[k] · sparse_sign_scale(matrix). `positions` and `signs` must both
/// have size sparse_sign_nnz(matrix). No allocation, O(ζ'²) worst case,
/// O(ζ' log ζ') typically.
///
/// For the core sketch the caller projects a block X (rows [r0, r1) of H Ψᵀ)
/// with Φ = (Φᵀ)ᵀ at ζ' cost per row: Z(p_k, :) += value_k · X(i, :).
void sparse_sign_row(const TestMatrix& matrix, Index i, std::span<Index> positions, std::span<std::int8_t> signs);

extern template void generate_block<float>(const TestMatrix&, Index, Index, Eigen::Ref<Matrix<float>>);
extern template void generate_block<double>(const TestMatrix&, Index, Index, Eigen::Ref<Matrix<double>>);
extern template Matrix<float> generate<float>(const TestMatrix&, Index, Index, Index, Index);
extern template Matrix<double> generate<double>(const TestMatrix&, Index, Index, Index, Index);

}  // namespace seigh::random
