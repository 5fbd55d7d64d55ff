#include "seigh/random/test_matrix.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include "seigh/core/error.hpp"

namespace seigh::random {

namespace {

// ---------------------------------------------------------------------------
// Counter layout (see the table in test_matrix.hpp).

/// Bits of the counter word b that hold the index (column j or block t); the
/// two bits above hold the kind tag, so kinds never share a counter.
constexpr int kIndexBits = 30;

constexpr std::uint32_t kind_tag(TestMatrixKind kind) {
  switch (kind) {
    case TestMatrixKind::gaussian: return 0;
    case TestMatrixKind::rademacher: return 1;
    case TestMatrixKind::sparse_sign: return 2;
  }
  return 3;
}

/// Counter word b = (tag << 30) | index; index < 2^30 is guaranteed by
/// validate() (columns) or by the size of a row's word stream (blocks).
constexpr std::uint32_t counter_word(TestMatrixKind kind, Index index) {
  return (kind_tag(kind) << kIndexBits) | static_cast<std::uint32_t>(index);
}

// ---------------------------------------------------------------------------
// Gaussian: one Philox block -> two normals (rows 2a and 2a+1 of column j).

struct NormalPair {
  double even;  // row 2a:     r cos θ
  double odd;   // row 2a + 1: r sin θ
};

/// Box–Muller on two open-interval uniforms (u1 > 0 keeps the log finite).
NormalPair gaussian_pair(const RngState& rng, Index a, Index j) {
  const PhiloxBlock w = draw(rng, static_cast<std::uint64_t>(a), counter_word(TestMatrixKind::gaussian, j));
  const double u1 = uniform_open01(w[0], w[1]);
  const double u2 = uniform_open01(w[2], w[3]);
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  return {r * std::cos(theta), r * std::sin(theta)};
}

/// Rows [row0, row0 + rows) of column j into the contiguous array `out`.
/// A pair split by the block boundary is computed whole and half used, so
/// each row's value does not depend on where the block starts.
template <class Scalar>
void gaussian_column(const RngState& rng, Index row0, Index rows, Index j, Scalar* out) {
  Index i = row0;
  const Index end = row0 + rows;
  if (i < end && (i & 1) != 0) {
    *out++ = static_cast<Scalar>(gaussian_pair(rng, i >> 1, j).odd);
    ++i;
  }
  // Whole pairs in groups: the stages (Philox, log and sqrt, sincos) of
  // kGroup independent pairs run back to back, so the CPU overlaps their
  // latencies; every value is computed by exactly the same operations as
  // gaussian_pair, so the entries are unchanged.
  constexpr int kGroup = 8;
  for (; i + 2 * kGroup <= end; i += 2 * kGroup) {
    std::array<double, kGroup> u1, u2, r, theta;
    for (int g = 0; g < kGroup; ++g) {
      const PhiloxBlock w =
          draw(rng, static_cast<std::uint64_t>((i >> 1) + g), counter_word(TestMatrixKind::gaussian, j));
      u1[g] = uniform_open01(w[0], w[1]);
      u2[g] = uniform_open01(w[2], w[3]);
    }
    for (int g = 0; g < kGroup; ++g) r[g] = std::sqrt(-2.0 * std::log(u1[g]));
    for (int g = 0; g < kGroup; ++g) theta[g] = 2.0 * std::numbers::pi * u2[g];
    for (int g = 0; g < kGroup; ++g) {
      *out++ = static_cast<Scalar>(r[g] * std::cos(theta[g]));
      *out++ = static_cast<Scalar>(r[g] * std::sin(theta[g]));
    }
  }
  for (; i + 1 < end; i += 2) {
    const NormalPair z = gaussian_pair(rng, i >> 1, j);
    *out++ = static_cast<Scalar>(z.even);
    *out++ = static_cast<Scalar>(z.odd);
  }
  if (i < end) *out = static_cast<Scalar>(gaussian_pair(rng, i >> 1, j).even);
}

// ---------------------------------------------------------------------------
// Rademacher: one Philox block -> 128 signs (rows 128a .. 128a+127 of column j).

template <class Scalar>
void rademacher_column(const RngState& rng, Index row0, Index rows, Index j, Scalar* out) {
  constexpr Index kRowsPerBlock = 128;
  const Index end = row0 + rows;
  for (Index i = row0; i < end;) {
    const Index a = i / kRowsPerBlock;
    const PhiloxBlock w = draw(rng, static_cast<std::uint64_t>(a), counter_word(TestMatrixKind::rademacher, j));
    const Index group_end = std::min(end, (a + 1) * kRowsPerBlock);
    for (; i < group_end; ++i) {
      const auto q = static_cast<unsigned>(i % kRowsPerBlock);
      const bool negative = ((w[q / 32] >> (q % 32)) & 1u) != 0;
      *out++ = negative ? Scalar(-1) : Scalar(1);
    }
  }
}

// ---------------------------------------------------------------------------
// Sparse sign: row i reads its own stream of 32-bit words.

/// Words 0, 1, 2, ... of row i's stream: block t = word / 4 is
/// draw(rng, i, counter_word(sparse_sign, t)).
///
/// The blocks a row needs when no draw is rejected are drawn up front
/// (`eager_blocks`, at most kEagerBlocks): they are independent, so the CPU
/// overlaps their Philox rounds instead of waiting for each block at the
/// point its first word is needed. Later words (rejections, large ζ) are
/// drawn lazily. Either way word w is the same, so the stream is unchanged.
class RowWords {
 public:
  static constexpr int kEagerBlocks = 4;

  RowWords(const RngState& rng, Index row, int eager_blocks)
      : rng_(rng), row_(static_cast<std::uint64_t>(row)), eager_words_(4 * std::min(eager_blocks, kEagerBlocks)) {
    for (int t = 0; 4 * t < eager_words_; ++t) {
      const PhiloxBlock block = draw(rng_, row_, counter_word(TestMatrixKind::sparse_sign, t));
      std::copy(block.begin(), block.end(), words_.begin() + 4 * t);
    }
  }

  std::uint32_t next() {
    if (index_ < eager_words_) return words_[static_cast<std::size_t>(index_++)];
    if (index_ % 4 == 0) late_ = draw(rng_, row_, counter_word(TestMatrixKind::sparse_sign, index_ / 4));
    return late_[static_cast<std::size_t>(index_++ % 4)];
  }

 private:
  RngState rng_;
  std::uint64_t row_;
  int eager_words_;
  int index_ = 0;  // next word; a row never reads anywhere near 2^31 words
  std::array<std::uint32_t, 4 * kEagerBlocks> words_;
  PhiloxBlock late_{};
};

/// Uniform integer in [0, n), n ≥ 1, without bias: Lemire's multiply-shift
/// with rejection (Lemire 2019, "Fast random integer generation in an
/// interval", ACM TOMACS). Rejection has probability < n / 2^32.
std::uint32_t uniform_below(RowWords& words, std::uint32_t n) {
  std::uint64_t product = static_cast<std::uint64_t>(words.next()) * n;
  auto low = static_cast<std::uint32_t>(product);
  if (low < n) {
    const std::uint32_t threshold = (0u - n) % n;  // 2^32 mod n
    while (low < threshold) {
      product = static_cast<std::uint64_t>(words.next()) * n;
      low = static_cast<std::uint32_t>(product);
    }
  }
  return static_cast<std::uint32_t>(product >> 32);
}

/// Floyd's selection (below) for ζ' ≤ Z with a fixed-width, branch-free
/// set: `chosen` holds the elements taken so far padded with -1 (never a
/// draw), so the membership test is Z compares whatever the fill; at the
/// end each element goes to its rank, the count of smaller elements, with
/// the padding raised above every column index (d ≤ 2^30 < INT32_MAX) so
/// it never counts. Fixed widths let the compiler unroll both loops; values
/// fit in 32 bits because d ≤ kMaxTestMatrixCols.
template <int Z>
void floyd_small(RowWords& words, Index d, std::span<Index> positions) {
  const auto z = static_cast<Index>(positions.size());
  std::array<std::int32_t, Z> chosen;
  chosen.fill(-1);
  for (Index m = 0; m < z; ++m) {
    const Index n = d - z + m;
    const auto t = static_cast<std::int32_t>(uniform_below(words, static_cast<std::uint32_t>(n + 1)));
    int taken = 0;
    for (int q = 0; q < Z; ++q) taken |= static_cast<int>(chosen[static_cast<std::size_t>(q)] == t);
    chosen[static_cast<std::size_t>(m)] = taken != 0 ? static_cast<std::int32_t>(n) : t;
  }
  for (Index m = z; m < Z; ++m) chosen[static_cast<std::size_t>(m)] = std::numeric_limits<std::int32_t>::max();
  for (Index m = 0; m < z; ++m) {
    const std::int32_t value = chosen[static_cast<std::size_t>(m)];
    int rank = 0;
    for (int q = 0; q < Z; ++q) rank += static_cast<int>(chosen[static_cast<std::size_t>(q)] < value);
    positions[static_cast<std::size_t>(rank)] = value;
  }
}

/// A uniformly random subset of size positions.size() of {0, ..., d-1},
/// written in increasing order: Floyd's algorithm (Bentley & Floyd, "A
/// sample of brilliance", CACM 1987), one bounded draw per element: for
/// n = d−ζ', ..., d−1 draw t uniform in [0, n] and take t, or n if t was
/// taken already (every element taken so far is < n).
///
/// The subset is a function of the words drawn only, so how it is kept
/// does not change it. Small samples (ζ' ≤ 32, the usual case) use
/// floyd_small: a sorted insertion's binary search mispredicts about every
/// other comparison on random data, which made it the most expensive step
/// of a sparse sign row. Larger ones keep a sorted array (O(ζ' log ζ')
/// compares, O(ζ'²) moves at worst).
void sample_positions(RowWords& words, Index d, std::span<Index> positions) {
  const auto z = static_cast<Index>(positions.size());
  if (z == d) {  // every column: nothing to draw
    std::iota(positions.begin(), positions.end(), Index{0});
    return;
  }
  if (z <= 8) return floyd_small<8>(words, d, positions);
  if (z <= 16) return floyd_small<16>(words, d, positions);
  if (z <= 32) return floyd_small<32>(words, d, positions);
  Index* const first = positions.data();
  Index* last = first;
  for (Index n = d - z; n < d; ++n) {
    const Index t = uniform_below(words, static_cast<std::uint32_t>(n + 1));
    Index* at = std::lower_bound(first, last, t);
    if (at != last && *at == t) {
      *last = n;  // every element chosen so far is < n, so order is kept
    } else {
      std::copy_backward(at, last, last + 1);
      *at = t;
    }
    ++last;
  }
}

/// One independent fair sign per position: bit k % 32 of the (k / 32)-th
/// word drawn after the positions; a set bit means -1.
void sample_signs(RowWords& words, std::span<std::int8_t> signs) {
  std::uint32_t word = 0;
  for (std::size_t k = 0; k < signs.size(); ++k) {
    if (k % 32 == 0) word = words.next();
    // Branch-free (1 - 2·bit): the bit is a fair coin, so a branch on it
    // mispredicts half the time.
    signs[k] = static_cast<std::int8_t>(1 - 2 * static_cast<int>((word >> (k % 32)) & 1u));
  }
}

/// sparse_sign_row without argument checks (the block generator has done them).
void sparse_sign_row_unchecked(const TestMatrix& matrix, Index i, std::span<Index> positions,
                               std::span<std::int8_t> signs) {
  // Words a row reads when nothing is rejected: ζ' positions (none if
  // ζ' = d) and one word per 32 signs.
  const auto nnz = static_cast<Index>(positions.size());
  const Index words_needed = (nnz == matrix.cols ? 0 : nnz) + (nnz + 31) / 32;
  RowWords words(matrix.rng, i, static_cast<int>(std::min<Index>((words_needed + 3) / 4, RowWords::kEagerBlocks)));
  sample_positions(words, matrix.cols, positions);
  sample_signs(words, signs);
}

template <class Scalar>
void sparse_sign_block(const TestMatrix& matrix, Index row0, Index col0, Eigen::Ref<Matrix<Scalar>> out) {
  if (out.cols() == 0) return;
  const Index nnz = sparse_sign_nnz(matrix);
  const auto value = static_cast<Scalar>(sparse_sign_scale(matrix));
  std::vector<Index> positions(static_cast<std::size_t>(nnz));
  std::vector<std::int8_t> signs(static_cast<std::size_t>(nnz));
  // Zeroed and filled a band of rows at a time, so the scattered nonzeros
  // land in cache lines that were just written instead of being fetched
  // again from memory after a full-block clear.
  constexpr Index kBandRows = 256;
  for (Index r0 = 0; r0 < out.rows(); r0 += kBandRows) {
    const Index band = std::min(kBandRows, out.rows() - r0);
    out.middleRows(r0, band).setZero();
    for (Index r = r0; r < r0 + band; ++r) {
      sparse_sign_row_unchecked(matrix, row0 + r, positions, signs);
      for (std::size_t k = 0; k < positions.size(); ++k) {
        const Index c = positions[k] - col0;
        if (c >= 0 && c < out.cols()) out(r, c) = signs[k] < 0 ? -value : value;
      }
    }
  }
}

// ---------------------------------------------------------------------------

void check_block(const TestMatrix& matrix, Index row0, Index rows, Index col0, Index cols) {
  validate(matrix);
  SEIGH_REQUIRE(rows >= 0 && cols >= 0) << "test matrix block of negative shape " << rows << " x " << cols;
  SEIGH_REQUIRE(row0 >= 0 && row0 <= matrix.rows - rows)
      << "test matrix block rows [" << row0 << ", " << row0 + rows << ") outside [0, " << matrix.rows << ")";
  SEIGH_REQUIRE(col0 >= 0 && col0 <= matrix.cols - cols)
      << "test matrix block columns [" << col0 << ", " << col0 + cols << ") outside [0, " << matrix.cols << ")";
}

}  // namespace

std::string_view name(TestMatrixKind kind) {
  switch (kind) {
    case TestMatrixKind::gaussian: return "gaussian";
    case TestMatrixKind::rademacher: return "rademacher";
    case TestMatrixKind::sparse_sign: return "sparse-sign";
  }
  SEIGH_FAIL() << "invalid TestMatrixKind " << static_cast<int>(kind);
}

TestMatrixKind parse_test_matrix_kind(std::string_view text) {
  for (const TestMatrixKind kind :
       {TestMatrixKind::gaussian, TestMatrixKind::rademacher, TestMatrixKind::sparse_sign}) {
    if (text == name(kind)) return kind;
  }
  SEIGH_FAIL() << "unknown test matrix '" << text << "' (valid: gaussian, rademacher, sparse-sign)";
}

void validate(const TestMatrix& matrix) {
  SEIGH_REQUIRE(matrix.rows >= 0) << "test matrix has " << matrix.rows << " rows";
  SEIGH_REQUIRE(matrix.cols >= 0 && matrix.cols <= kMaxTestMatrixCols)
      << "test matrix has " << matrix.cols << " columns; allowed 0.." << kMaxTestMatrixCols;
  SEIGH_REQUIRE(matrix.zeta >= 1) << "sparse sign zeta (nonzeros per row) must be >= 1, got " << matrix.zeta;
  (void)name(matrix.kind);  // rejects an out-of-range enum value
}

Index sparse_sign_nnz(const TestMatrix& matrix) { return std::min<Index>(matrix.zeta, matrix.cols); }

double sparse_sign_scale(const TestMatrix& matrix) {
  const Index nnz = sparse_sign_nnz(matrix);
  return nnz > 0 ? std::sqrt(static_cast<double>(matrix.cols) / static_cast<double>(nnz)) : 0.0;
}

void sparse_sign_row(const TestMatrix& matrix, Index i, std::span<Index> positions, std::span<std::int8_t> signs) {
  validate(matrix);
  SEIGH_REQUIRE(matrix.kind == TestMatrixKind::sparse_sign)
      << "sparse_sign_row on a " << name(matrix.kind) << " test matrix";
  SEIGH_REQUIRE(i >= 0 && i < matrix.rows) << "sparse_sign_row: row " << i << " outside [0, " << matrix.rows << ")";
  const Index nnz = sparse_sign_nnz(matrix);
  SEIGH_REQUIRE(static_cast<Index>(positions.size()) == nnz && static_cast<Index>(signs.size()) == nnz)
      << "sparse_sign_row: got " << positions.size() << " positions and " << signs.size() << " signs, need " << nnz;
  sparse_sign_row_unchecked(matrix, i, positions, signs);
}

template <class Scalar>
void generate_block(const TestMatrix& matrix, Index row0, Index col0, Eigen::Ref<Matrix<Scalar>> out) {
  check_block(matrix, row0, out.rows(), col0, out.cols());
  switch (matrix.kind) {
    case TestMatrixKind::gaussian:
      for (Index c = 0; c < out.cols(); ++c) gaussian_column(matrix.rng, row0, out.rows(), col0 + c, out.col(c).data());
      return;
    case TestMatrixKind::rademacher:
      for (Index c = 0; c < out.cols(); ++c)
        rademacher_column(matrix.rng, row0, out.rows(), col0 + c, out.col(c).data());
      return;
    case TestMatrixKind::sparse_sign:
      sparse_sign_block<Scalar>(matrix, row0, col0, out);
      return;
  }
}

template <class Scalar>
Matrix<Scalar> generate(const TestMatrix& matrix, Index row0, Index rows, Index col0, Index cols) {
  check_block(matrix, row0, rows, col0, cols);  // before allocating a negative shape
  Matrix<Scalar> out(rows, cols);
  generate_block<Scalar>(matrix, row0, col0, out);
  return out;
}

template void generate_block<float>(const TestMatrix&, Index, Index, Eigen::Ref<Matrix<float>>);
template void generate_block<double>(const TestMatrix&, Index, Index, Eigen::Ref<Matrix<double>>);
template Matrix<float> generate<float>(const TestMatrix&, Index, Index, Index, Index);
template Matrix<double> generate<double>(const TestMatrix&, Index, Index, Index, Index);

}  // namespace seigh::random
