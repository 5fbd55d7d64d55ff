#include "seigh/eig/dense_eigen.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <vector>

#include "seigh/core/error.hpp"

// LAPACK's Fortran entry points (LP64: INTEGER is 32-bit int). gfortran
// passes the length of every CHARACTER argument as a trailing size_t.
extern "C" {
void dsytrd_(const char* uplo, const int* n, double* a, const int* lda, double* d, double* e, double* tau,
             double* work, const int* lwork, int* info, std::size_t uplo_len);
void dsterf_(const int* n, double* d, double* e, int* info);
void dstemr_(const char* jobz, const char* range, const int* n, double* d, double* e, const double* vl,
             const double* vu, const int* il, const int* iu, int* m, double* w, double* z, const int* ldz,
             const int* nzc, int* isuppz, int* tryrac, double* work, const int* lwork, int* iwork,
             const int* liwork, int* info, std::size_t jobz_len, std::size_t range_len);
void dormtr_(const char* side, const char* uplo, const char* trans, const int* m, const int* n, double* a,
             const int* lda, const double* tau, double* c, const int* ldc, double* work, const int* lwork, int* info,
             std::size_t side_len, std::size_t uplo_len, std::size_t trans_len);
}

namespace seigh::eig {
namespace {

int to_lapack_int(Index value, const char* what) {
  SEIGH_REQUIRE(value >= 0 && value <= INT_MAX) << "dense eigensolver: " << what << " = " << value
                                                << " exceeds LAPACK's 32-bit integer range";
  return static_cast<int>(value);
}

/// Runs OpenBLAS single-threaded for the lifetime of the guard unless the
/// user chose a thread count (see the header: reproducibility). A no-op
/// with any other BLAS; looked up at run time so seigh links against the
/// generic liblapack.so.3.
class BlasThreadGuard {
 public:
  BlasThreadGuard() {
    if (std::getenv("OPENBLAS_NUM_THREADS") != nullptr || std::getenv("OMP_NUM_THREADS") != nullptr) return;
    set_ = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    if (set_ == nullptr || get == nullptr) {
      set_ = nullptr;
      return;
    }
    previous_ = get();
    set_(1);
  }
  ~BlasThreadGuard() {
    if (set_ != nullptr) set_(previous_);
  }
  BlasThreadGuard(const BlasThreadGuard&) = delete;
  BlasThreadGuard& operator=(const BlasThreadGuard&) = delete;

 private:
  void (*set_)(int) = nullptr;
  int previous_ = 1;
};

/// Eigenvectors of the tridiagonal (d, e) for ascending positions
/// [first, first + count) (0-based), written to z (n x count). MRRR.
void tridiagonal_vectors(const VectorD& d, const VectorD& e, Index first, Index count, Eigen::Ref<MatrixD> z) {
  if (count == 0) return;
  const int n = to_lapack_int(d.size(), "n");
  VectorD d_work = d;  // dstemr overwrites d and e
  VectorD e_work(n);
  e_work.head(n - 1) = e;
  e_work[n - 1] = 0;
  const int il = to_lapack_int(first + 1, "il");
  const int iu = to_lapack_int(first + count, "iu");
  const double unused = 0;
  const int ldz = n;
  const int nzc = to_lapack_int(count, "k");
  int found = 0;
  VectorD w(n);
  std::vector<int> isuppz(static_cast<std::size_t>(2 * count));
  int tryrac = 1;  // try for high relative accuracy where T allows it
  int info = 0;
  double work_size = 0;
  int iwork_size = 0;
  const int query = -1;
  const bool all = count == n;
  const char* range = all ? "A" : "I";
  dstemr_("V", range, &n, d_work.data(), e_work.data(), &unused, &unused, &il, &iu, &found, w.data(), z.data(),
          &ldz, &nzc, isuppz.data(), &tryrac, &work_size, &query, &iwork_size, &query, &info, 1, 1);
  SEIGH_REQUIRE(info == 0) << "dense eigensolver: dstemr workspace query failed (info " << info << ")";
  const int lwork = static_cast<int>(work_size);
  const int liwork = iwork_size;
  std::vector<double> work(static_cast<std::size_t>(lwork));
  std::vector<int> iwork(static_cast<std::size_t>(liwork));
  dstemr_("V", range, &n, d_work.data(), e_work.data(), &unused, &unused, &il, &iu, &found, w.data(), z.data(),
          &ldz, &nzc, isuppz.data(), &tryrac, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  SEIGH_REQUIRE(info == 0) << "dense eigensolver: dstemr failed (info " << info << ")";
  SEIGH_REQUIRE(found == count) << "dense eigensolver: dstemr returned " << found << " vectors, expected " << count;
}

}  // namespace

TopSelection select_top(const VectorD& ascending, Index k, Ordering ordering) {
  const Index n = ascending.size();
  SEIGH_REQUIRE(k >= 0 && k <= n) << "dense eigensolver: k = " << k << " outside [0, n = " << n << "]";
  TopSelection selection;
  selection.order.reserve(static_cast<std::size_t>(k));
  if (ordering == Ordering::algebraic) {
    selection.suffix = k;
    for (Index i = 0; i < k; ++i) selection.order.push_back(n - 1 - i);
    return selection;
  }
  // |λ| is decreasing along the negative part of the ascending list and
  // increasing along the positive part, so the largest |λ| left is always at
  // one of the two ends. Ties go to the lower position, like sorted_order().
  Index low = 0;
  Index high = n - 1;
  for (Index i = 0; i < k; ++i) {
    if (std::abs(ascending[low]) >= std::abs(ascending[high])) {
      selection.order.push_back(low++);
    } else {
      selection.order.push_back(high--);
    }
  }
  selection.prefix = low;
  selection.suffix = n - 1 - high;
  return selection;
}

DenseEigenpairs dense_top_eigenpairs(MatrixD& a, Index k, Ordering ordering) {
  SEIGH_REQUIRE(a.rows() == a.cols()) << "dense eigensolver: matrix is " << a.rows() << " x " << a.cols();
  const Index n_index = a.rows();
  SEIGH_REQUIRE(k >= 0 && k <= n_index) << "dense eigensolver: k = " << k << " outside [0, n = " << n_index << "]";
  DenseEigenpairs out;
  if (n_index == 0) return out;
  const int n = to_lapack_int(n_index, "n");
  const BlasThreadGuard single_threaded;

  // 1. A = Q T Qᵀ (reflectors in the lower triangle of a).
  VectorD d(n);
  VectorD e(std::max(n - 1, 1));
  VectorD tau(std::max(n - 1, 1));
  int info = 0;
  double work_size = 0;
  const int query = -1;
  dsytrd_("L", &n, a.data(), &n, d.data(), e.data(), tau.data(), &work_size, &query, &info, 1);
  SEIGH_REQUIRE(info == 0) << "dense eigensolver: dsytrd workspace query failed (info " << info << ")";
  int lwork = std::max(1, static_cast<int>(work_size));
  std::vector<double> work(static_cast<std::size_t>(lwork));
  dsytrd_("L", &n, a.data(), &n, d.data(), e.data(), tau.data(), work.data(), &lwork, &info, 1);
  SEIGH_REQUIRE(info == 0) << "dense eigensolver: dsytrd failed (info " << info << ")";
  e.conservativeResize(n - 1);

  // 2. All eigenvalues, ascending.
  VectorD ascending = d;
  VectorD e_copy = e;
  dsterf_(&n, ascending.data(), e_copy.data(), &info);
  SEIGH_REQUIRE(info == 0) << "dense eigensolver: dsterf did not converge (" << info << " off-diagonals left)";

  // 3. Eigenvectors of T for the selected prefix and suffix. MRRR keeps the
  // vectors of one call orthogonal; the two calls cover eigenvalues apart by
  // at least the unselected middle. If that gap is at round-off level (k
  // close to n with a cluster at the boundary), compute all n in one call.
  const TopSelection selection = select_top(ascending, k, ordering);
  const double scale = std::max(std::abs(ascending[0]), std::abs(ascending[n - 1]));
  const bool split = selection.prefix > 0 && selection.suffix > 0;
  const bool tiny_gap =
      split && ascending[n - selection.suffix] - ascending[selection.prefix - 1] <= 1e-8 * scale;
  MatrixD z_t;
  std::vector<Index> column_of(static_cast<std::size_t>(n), -1);  // ascending position -> column of z_t
  if (tiny_gap || selection.prefix + selection.suffix == n_index) {
    z_t.resize(n, n);
    tridiagonal_vectors(d, e, 0, n, z_t);
    for (Index i = 0; i < n; ++i) column_of[static_cast<std::size_t>(i)] = i;
  } else {
    z_t.resize(n, k);
    tridiagonal_vectors(d, e, 0, selection.prefix, z_t.leftCols(selection.prefix));
    tridiagonal_vectors(d, e, n - selection.suffix, selection.suffix, z_t.rightCols(selection.suffix));
    for (Index i = 0; i < selection.prefix; ++i) column_of[static_cast<std::size_t>(i)] = i;
    for (Index i = 0; i < selection.suffix; ++i)
      column_of[static_cast<std::size_t>(n - selection.suffix + i)] = selection.prefix + i;
  }

  // 4. Back to A's basis: Z = Q Z_T, only for the columns we keep.
  out.vectors.resize(n, k);
  for (Index i = 0; i < k; ++i)
    out.vectors.col(i) = z_t.col(column_of[static_cast<std::size_t>(selection.order[static_cast<std::size_t>(i)])]);
  z_t.resize(0, 0);
  if (k > 0) {
    const int columns = static_cast<int>(k);
    dormtr_("L", "L", "N", &n, &columns, a.data(), &n, tau.data(), out.vectors.data(), &n, &work_size, &query, &info,
            1, 1, 1);
    SEIGH_REQUIRE(info == 0) << "dense eigensolver: dormtr workspace query failed (info " << info << ")";
    lwork = std::max(1, static_cast<int>(work_size));
    work.assign(static_cast<std::size_t>(lwork), 0.0);
    dormtr_("L", "L", "N", &n, &columns, a.data(), &n, tau.data(), out.vectors.data(), &n, work.data(), &lwork,
            &info, 1, 1, 1);
    SEIGH_REQUIRE(info == 0) << "dense eigensolver: dormtr failed (info " << info << ")";
  }

  // All eigenvalues in the requested order; the head matches the vectors.
  const TopSelection everything = select_top(ascending, n_index, ordering);
  out.values.resize(n);
  for (Index i = 0; i < n; ++i) out.values[i] = ascending[everything.order[static_cast<std::size_t>(i)]];
  return out;
}

}  // namespace seigh::eig
