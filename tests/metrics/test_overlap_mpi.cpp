// MPI tests (1/2/3 ranks) of the distributed metrics: mask overlap and
// principal angles against a dense serial computation, closed forms, the
// best mask against brute force, the random-mask control at chance,
// eigenspace comparisons, the overlap-result file and the analysis driver.
#include <catch2/catch.hpp>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/metrics/best_mask.hpp"
#include "seigh/metrics/eigenspace.hpp"
#include "seigh/metrics/mask_overlap.hpp"
#include "seigh/metrics/overlap_analysis.hpp"
#include "seigh/metrics/overlap_file.hpp"
#include "seigh/metrics/random_mask.hpp"
#include "seigh/metrics/row_norms.hpp"
#include "seigh/metrics/streamed_rows.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::MatrixF;
using seigh::VectorD;
using seigh::VectorF;
using seigh::dist::BlockRowMatrix;
using seigh::metrics::Mask;
using seigh::test::world;
namespace metrics = seigh::metrics;

namespace {

constexpr double kPi = 3.14159265358979323846;

/// A D x D orthogonal matrix, the same on every rank (seeded).
MatrixD random_orthogonal(Index D, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal;
  MatrixD G(D, D);
  for (Index j = 0; j < D; ++j)
    for (Index i = 0; i < D; ++i) G(i, j) = normal(engine);
  const Eigen::HouseholderQR<MatrixD> qr(G);
  return qr.householderQ() * MatrixD::Identity(D, D);
}

/// A random sorted k-subset of [0, D) (serial reference, std::mt19937).
Mask some_mask(Index D, Index k, unsigned seed) {
  std::vector<Index> all(static_cast<std::size_t>(D));
  std::iota(all.begin(), all.end(), Index{0});
  std::shuffle(all.begin(), all.end(), std::mt19937_64(seed));
  Mask m(all.begin(), all.begin() + k);
  std::sort(m.begin(), m.end());
  return m;
}

/// Dense V[M, :k].
MatrixD dense_rows(const MatrixD& V, const Mask& M) {
  const Index k = static_cast<Index>(M.size());
  MatrixD A(k, k);
  for (Index p = 0; p < k; ++p) A.row(p) = V.row(M[static_cast<std::size_t>(p)]).head(k);
  return A;
}

template <class Scalar>
BlockRowMatrix<Scalar> distribute(const MatrixD& V) {
  return seigh::dist::scatter_replicated(world().partition(V.rows()), seigh::Matrix<Scalar>(V.cast<Scalar>()));
}

}  // namespace

TEST_CASE("mask overlap and principal angles match a dense serial SVD", "[metrics][mpi]") {
  const auto& comm = world();
  // D = 2 leaves a rank without rows at 3 ranks; K > k uses only the
  // first k columns.
  for (const auto [D, K, k] : {std::tuple<Index, Index, Index>{2, 2, 1}, {2, 2, 2}, {7, 5, 3}, {50, 12, 10}}) {
    INFO("D = " << D << ", K = " << K << ", k = " << k);
    const MatrixD V = random_orthogonal(D, 11 + static_cast<unsigned>(D)).leftCols(K);
    const Mask M = some_mask(D, k, 5);
    const MatrixD A = dense_rows(V, M);
    const Eigen::JacobiSVD<MatrixD> svd(A);
    const VectorD truth = svd.singularValues().cwiseMin(1.0);
    // double V: 1e-13 (k ≤ 10 terms in double, summed in rank-dependent order)
    {
      const auto Vd = distribute<double>(V);
      CHECK((metrics::mask_rows(comm, Vd, M) - A).norm() == 0.0);  // rows are copied, not summed
      CHECK(metrics::mask_overlap(comm, Vd, M) == Approx(A.squaredNorm() / k).margin(1e-13));
      const auto cmp = metrics::compare_mask(comm, Vd, M);
      INFO("cosines " << cmp.cosines.transpose() << " truth " << truth.transpose());
      CHECK((cmp.cosines - truth).norm() <= 1e-13);
      CHECK(cmp.metrics.overlap == Approx(A.squaredNorm() / k).margin(1e-13));
      const auto ref = metrics::metrics_from_cosines(truth);
      CHECK(cmp.metrics.geodesic == Approx(ref.geodesic).margin(1e-6));  // arccos near 1: ≈ sqrt(1e-13)
      CHECK(cmp.metrics.projection == Approx(ref.projection).margin(1e-10));
      CHECK(cmp.metrics.binet_cauchy == Approx(ref.binet_cauchy).margin(1e-6));
    }
    // float V: the cosines of the float-rounded V, computed in double:
    // agree with the SVD of the rounded dense matrix to 1e-12.
    {
      const MatrixD Vr = V.cast<float>().cast<double>();
      const VectorD truth_f = Eigen::JacobiSVD<MatrixD>(dense_rows(Vr, M)).singularValues().cwiseMin(1.0);
      const auto Vf = distribute<float>(V);
      const auto cmp = metrics::compare_mask(comm, Vf, M);
      CHECK((cmp.cosines - truth_f).norm() <= 1e-12);
      CHECK(metrics::mask_overlap(comm, Vf, M) == Approx(dense_rows(Vr, M).squaredNorm() / k).margin(1e-12));
    }
  }
}

TEST_CASE("mask metrics: closed forms", "[metrics][mpi]") {
  const auto& comm = world();
  const Index D = 10;
  const Mask M{1, 4, 7};
  const Index k = 3;
  // V = e_M: the eigenspace is the mask's coordinate space.
  MatrixD E = MatrixD::Zero(D, k);
  for (Index p = 0; p < k; ++p) E(M[static_cast<std::size_t>(p)], p) = 1.0;
  {
    const auto cmp = metrics::compare_mask(comm, distribute<float>(E), M);
    CHECK(cmp.metrics.overlap == 1.0);
    CHECK(cmp.metrics.iou == 1.0);
    CHECK(cmp.metrics.geodesic == Approx(0.0).margin(1e-7));  // clamped cosines of 1 ± 1e-16
    CHECK(cmp.metrics.chordal == Approx(0.0).margin(1e-7));
    CHECK(cmp.metrics.projection == Approx(0.0).margin(1e-7));
    CHECK(cmp.metrics.fubini_study == Approx(0.0).margin(1e-7));
    CHECK(cmp.metrics.binet_cauchy == Approx(0.0).margin(1e-7));
  }
  // V spanned by coordinates outside M: orthogonal, every angle π/2.
  MatrixD F = MatrixD::Zero(D, k);
  F(0, 0) = 1.0;
  F(2, 1) = F(3, 1) = std::sqrt(0.5);
  F(9, 2) = 1.0;
  {
    const auto cmp = metrics::compare_mask(comm, distribute<double>(F), M);
    CHECK(cmp.metrics.overlap == 0.0);
    CHECK(cmp.metrics.iou == 0.0);
    CHECK(cmp.cosines.norm() == 0.0);
    CHECK(cmp.metrics.geodesic == Approx(std::sqrt(3.0) * kPi / 2).epsilon(1e-15));
    CHECK(cmp.metrics.chordal == Approx(std::sqrt(6.0)).epsilon(1e-15));
    CHECK(cmp.metrics.projection == Approx(std::sqrt(3.0)).epsilon(1e-15));
    CHECK(cmp.metrics.fubini_study == Approx(kPi / 2).epsilon(1e-15));
    CHECK(cmp.metrics.binet_cauchy == 1.0);
  }
  // D = 2, V = (cos a, sin a)ᵀ, M = {0}: one angle a (zero-row rank at 3 ranks).
  const double a = 0.7;
  MatrixD L(2, 1);
  L << std::cos(a), std::sin(a);
  const auto cmp = metrics::compare_mask(comm, distribute<double>(L), Mask{0});
  CHECK(cmp.metrics.geodesic == Approx(a).epsilon(1e-14));
  CHECK(cmp.metrics.overlap == Approx(std::cos(a) * std::cos(a)).epsilon(1e-15));
  CHECK(metrics::compare_mask(comm, distribute<double>(L), Mask{1}).metrics.geodesic ==
        Approx(kPi / 2 - a).epsilon(1e-14));
  CHECK(metrics::chance_level(3, 10) == 0.3);
}

TEST_CASE("mask metrics reject bad masks on every rank", "[metrics][mpi]") {
  const auto& comm = world();
  const auto V = distribute<double>(random_orthogonal(6, 3).leftCols(3));
  const auto error = [&](const Mask& m) {
    try {
      (void)metrics::mask_overlap(comm, V, m);
    } catch (const seigh::Error& e) {
      CHECK(e.collective());
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error(Mask{0, 1, 2, 3}), Catch::Contains("needs the top 4 eigenvectors, but V has 3 columns"));
  CHECK_THAT(error(Mask{0, 6}), Catch::Contains("outside [0, D = 6)"));
  CHECK_THAT(error(Mask{2, 1}), Catch::Contains("strictly ascending"));
  CHECK_THAT(error(Mask{}), Catch::Contains("empty mask"));
}

TEST_CASE("best mask: brute force on small D, ties, and above every other mask", "[metrics][mpi]") {
  const auto& comm = world();
  const Index D = 8;
  const Index K = 4;
  const MatrixD V = random_orthogonal(D, 21).leftCols(K);
  const auto Vd = distribute<double>(V);
  for (Index k = 1; k <= K; ++k) {
    INFO("k = " << k);
    const auto best = metrics::best_mask(comm, Vd, k);
    // Brute force over all C(8, k) subsets (bit masks).
    double brute = -1.0;
    Mask brute_mask;
    for (unsigned bits = 0; bits < (1u << D); ++bits) {
      if (__builtin_popcount(bits) != k) continue;
      Mask m;
      for (Index i = 0; i < D; ++i)
        if (bits & (1u << i)) m.push_back(i);
      const double ov = dense_rows(V, m).squaredNorm() / k;
      CHECK(best.overlap >= ov - 1e-15);
      if (ov > brute) {
        brute = ov;
        brute_mask = m;
      }
    }
    CHECK(best.mask == brute_mask);
    CHECK(best.overlap == Approx(brute).epsilon(1e-14));
    CHECK(metrics::mask_overlap(comm, Vd, best.mask) == Approx(best.overlap).epsilon(1e-14));
  }
  // Ties: rows 1, 3, 5, 6 have equal norm; the lower indices win. D = 7
  // spreads them over the ranks (3, 2, 2 rows at 3 ranks).
  MatrixD T = MatrixD::Zero(7, 2);
  T(1, 0) = T(3, 0) = T(5, 1) = T(6, 1) = 0.5;
  T(0, 0) = 0.1;
  const auto tied = metrics::best_mask(comm, distribute<float>(T), 2);
  CHECK(tied.mask == Mask{1, 3});
  CHECK(tied.overlap == Approx(0.25).epsilon(1e-7));
  // k = D on a zero-row rank layout (D = 2).
  const auto whole = metrics::best_mask(comm, distribute<double>(random_orthogonal(2, 5)), 2);
  CHECK(whole.mask == Mask{0, 1});
  CHECK(whole.overlap == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("random-mask control sits at chance and does not depend on the rank count", "[metrics][mpi]") {
  const auto& comm = world();
  const Index D = 400;
  const Index k = 40;
  const Index R = 300;
  const MatrixD V = random_orthogonal(D, 31).leftCols(k);
  const auto state = seigh::random::make_rng_state(2024);
  const auto control = metrics::random_mask_control(comm, distribute<float>(V), k, R, state);
  REQUIRE(control.overlaps.size() == static_cast<std::size_t>(R));
  // Mean of R overlaps vs the exact expectation k/D = 0.1: within 4
  // standard errors (std/√R; a false failure has probability < 1e-4).
  const double se = control.std / std::sqrt(static_cast<double>(R));
  INFO("mean " << control.mean << " std " << control.std << " se " << se);
  CHECK(std::abs(control.mean - metrics::chance_level(k, D)) <= 4.0 * se);
  CHECK(control.std > 0.0);
  // Each overlap equals the serial value of the same mask (1e-6: float V
  // rounded, summed in double in another order).
  for (Index r = 0; r < R; r += 37) {
    const Mask m = metrics::random_mask(state, static_cast<std::uint64_t>(r), k, D);
    CHECK(control.overlaps[static_cast<std::size_t>(r)] == Approx(dense_rows(V, m).squaredNorm() / k).margin(1e-6));
  }
  // The same masks on every rank, bitwise: compare rank 0's mask with each
  // rank's own (an allreduce of the difference count).
  Index differences = 0;
  for (Index r = 0; r < 20; ++r) {
    Mask m = metrics::random_mask(state, static_cast<std::uint64_t>(r), k, D);
    seigh::Vector<std::int64_t> mine = Eigen::Map<seigh::Vector<std::int64_t>>(m.data(), k);
    seigh::Vector<std::int64_t> root = mine;
    comm.broadcast(root, 0);
    differences += (mine - root).cwiseAbs().sum();
  }
  CHECK(comm.sum(differences) == 0);
  // A pinned summary of the control at this seed: the same at 1, 2 and 3
  // ranks (mask indices are rank independent; the sums agree to rounding).
  CHECK(control.overlaps[0] == Approx(dense_rows(V, metrics::random_mask(state, 0, k, D)).squaredNorm() / k).margin(1e-6));
  // R = 0 and R = 1: NaN summaries, no failure.
  const auto none = metrics::random_mask_control(comm, distribute<float>(V), k, 0, state);
  CHECK(std::isnan(none.mean));
  CHECK(std::isnan(metrics::random_mask_control(comm, distribute<float>(V), k, 1, state).std));
}

TEST_CASE("eigenspace comparison: rotation, orthogonal complement, dense truth", "[metrics][mpi]") {
  const auto& comm = world();
  const Index D = 12;
  const Index k = 4;
  const MatrixD Q = random_orthogonal(D, 41);
  const MatrixD V1 = Q.leftCols(k);
  const MatrixD Rot = random_orthogonal(k, 42);
  const MatrixD V2 = V1 * Rot;              // same space, other basis
  const MatrixD V3 = Q.middleCols(k, k);    // orthogonal complement part
  const MatrixD V4 = random_orthogonal(D, 43).leftCols(k);
  const auto b1 = distribute<float>(V1);
  const auto same = metrics::compare_eigenspaces(comm, b1, distribute<float>(V2), k);
  // float32 storage: ‖C‖² = k to ~1e-6; cosines 1 to 1e-6, angles ≲ 2e-3.
  CHECK(same.metrics.overlap == Approx(1.0).margin(1e-6));
  CHECK(same.metrics.geodesic <= 3e-3);
  CHECK(same.metrics.iou == Approx(1.0).margin(1e-6));
  const auto orth = metrics::compare_eigenspaces(comm, b1, distribute<float>(V3), k);
  CHECK(orth.metrics.overlap <= 1e-12);
  CHECK(orth.metrics.geodesic == Approx(2.0 * kPi / 2).margin(1e-6));  // √4 · π/2
  // Generic pair against the dense SVD of V1ᵀV4, in double (1e-13).
  const auto d1 = distribute<double>(V1);
  const auto d4 = distribute<double>(V4);
  const VectorD truth = Eigen::JacobiSVD<MatrixD>(V1.transpose() * V4).singularValues();
  const auto gen = metrics::compare_eigenspaces(comm, d1, d4, k);
  CHECK((gen.cosines - truth).norm() <= 1e-13);
  CHECK(gen.metrics.overlap == Approx((V1.transpose() * V4).squaredNorm() / k).margin(1e-13));
  // Leading blocks: the k = 2 comparison from the k = 4 cross Gram.
  const MatrixD cross = metrics::leading_cross_gram(comm, d1, d4, k);
  const VectorD truth2 = Eigen::JacobiSVD<MatrixD>(V1.leftCols(2).transpose() * V4.leftCols(2)).singularValues();
  CHECK((metrics::compare_eigenspaces(cross, 2).cosines - truth2).norm() <= 1e-13);
}

TEST_CASE("overlap-result file round trip (one result and a run)", "[metrics][mpi][io]") {
  const auto& comm = world();
  for (const bool run : {false, true}) {
    INFO("run = " << run);
    const Index n = run ? 3 : 1;
    auto table = metrics::OverlapTable::sized({2, 5, 9}, n, run);
    double value = 0.125;
    for (auto& [name, matrix] : table.metrics())
      for (Index j = 0; j < matrix->size(); ++j) matrix->data()[j] = (value += 0.37);
    table.random_std(0, 1) = std::numeric_limits<double>::quiet_NaN();
    table.step = run ? std::vector<std::int64_t>{0, 100, 5000} : std::vector<std::int64_t>{7};
    for (Index t = 0; t < n; ++t) {
      table.eig_files.push_back("eig" + std::to_string(t) + ".h5");
      table.params_files.push_back("ck pt" + std::to_string(t) + ".h5");
    }
    table.D = 7030;
    table.random_masks = 20;
    table.seed = 99;
    table.stream = 3;
    const std::string path = seigh::test::scratch(run ? "run.h5" : "one.h5");
    metrics::write_overlap_result(comm, path, table);
    const auto back = metrics::read_overlap_result(comm, path);
    CHECK(back.k == table.k);
    CHECK(back.run == run);
    CHECK(back.step == table.step);
    CHECK(back.eig_files == table.eig_files);
    CHECK(back.params_files == table.params_files);
    CHECK(back.D == 7030);
    CHECK(back.random_masks == 20);
    CHECK(back.seed == 99);
    CHECK(back.stream == 3);
    const auto written = std::as_const(table).metrics();
    const auto read = back.metrics();
    REQUIRE(read.size() == written.size());
    for (std::size_t i = 0; i < written.size(); ++i) {
      const auto& [name, matrix] = written[i];
      INFO(name);
      CHECK(read[i].first == name);
      // NaN == NaN bitwise: compare with NaN → sentinel.
      const MatrixD a = matrix->unaryExpr([](double x) { return std::isnan(x) ? -1.0 : x; });
      const MatrixD b = read[i].second->unaryExpr([](double x) { return std::isnan(x) ? -1.0 : x; });
      CHECK(a == b);
    }
  }
  // Inconsistent shapes are refused before anything is written.
  auto bad = metrics::OverlapTable::sized({2}, 2, false);
  bad.eig_files = bad.params_files = {"a", "b"};
  CHECK_THROWS_WITH(metrics::write_overlap_result(comm, seigh::test::scratch("bad.h5"), bad),
                    Catch::Contains("need the run layout"));
}

TEST_CASE("analyse_masks and fill_run_row agree with the single functions", "[metrics][mpi]") {
  const auto& comm = world();
  const Index D = 30;
  const Index K = 6;
  const MatrixD V = random_orthogonal(D, 51).leftCols(K);
  const MatrixD W = random_orthogonal(D, 52).leftCols(K);
  VectorF theta(D);
  for (Index i = 0; i < D; ++i) theta[i] = static_cast<float>(std::sin(1.7 * static_cast<double>(i)));
  VectorF theta2 = theta;
  theta2.head(5) *= 10.0f;  // changes the masks
  const auto Vf = distribute<float>(V);
  const auto Wf = distribute<float>(W);
  metrics::OverlapOptions options;
  options.random_masks = 10;
  options.rng = seigh::random::make_rng_state(5);
  const std::vector<Index> ks{1, 3, 6};
  const auto analyses = metrics::analyse_masks(comm, Vf, theta, ks, options);
  const auto analyses2 = metrics::analyse_masks(comm, Wf, theta2, ks, options);
  auto table = metrics::OverlapTable::sized(ks, 2, true);
  metrics::fill_row(table, 0, analyses);
  metrics::fill_row(table, 1, analyses2);
  std::vector<Mask> m1, m2;
  for (const auto& a : analyses) m1.push_back(a.mask);
  for (const auto& a : analyses2) m2.push_back(a.mask);
  metrics::fill_run_row(comm, table, 0, Vf, m1, Wf, m2);
  metrics::fill_run_row(comm, table, 1, Wf, m2, Wf, m2);
  for (std::size_t j = 0; j < ks.size(); ++j) {
    const Index k = ks[j];
    const auto c = static_cast<Index>(j);
    INFO("k = " << k);
    CHECK(analyses[j].mask == metrics::magnitude_mask(theta, k));
    CHECK(table.overlap(0, c) == Approx(metrics::mask_overlap(comm, Vf, analyses[j].mask)).epsilon(1e-12));
    CHECK(table.chance(0, c) == static_cast<double>(k) / D);
    CHECK(table.best(0, c) == metrics::best_mask(comm, Vf, k).overlap);
    CHECK(table.best(0, c) >= table.overlap(0, c) - 1e-12);
    CHECK(table.random_mean(0, c) == metrics::random_mask_control(comm, Vf, k, 10, options.rng).mean);
    CHECK(table.geodesic(0, c) == metrics::compare_mask(comm, Vf, analyses[j].mask).metrics.geodesic);
    CHECK(table.mask_stability(0, c) == metrics::mask_stability(m1[j], m2[j]));
    CHECK(table.mask_stability(1, c) == 1.0);
    CHECK(table.eigenspace_overlap(1, c) == Approx(1.0).margin(1e-6));
    CHECK(table.eigenspace_overlap(0, c) ==
          Approx((V.leftCols(k).transpose() * W.leftCols(k)).squaredNorm() / k).margin(1e-6));
  }
  // θ of the wrong length and k beyond the eigenvectors: collective errors.
  CHECK_THROWS_WITH(metrics::analyse_masks(comm, Vf, VectorF(VectorF::Ones(D - 1)), ks, options),
                    Catch::Contains("entries but the eigenvectors have D = 30"));
  CHECK_THROWS_WITH(metrics::analyse_masks(comm, Vf, theta, {7}, options), Catch::Contains("k = 7 must lie in [1, 6]"));
}

TEST_CASE("streamed rows give the in-memory analysis bit for bit", "[metrics][mpi][io]") {
  // The overlap command streams each result in row blocks
  // (streamed_rows.hpp); its sums must be the in-memory ones exactly. D is
  // large enough for several blocks of 4096 rows per rank, and not a
  // multiple of 4096 or of the rank count.
  const auto& comm = world();
  const Index D = 3 * 4096 * 3 + 1234;
  const Index K = 12;
  std::mt19937_64 engine(61);
  std::normal_distribution<double> normal;
  MatrixD V(D, K), W(D, K);
  for (Index j = 0; j < K; ++j)
    for (Index i = 0; i < D; ++i) {
      V(i, j) = normal(engine) / std::sqrt(static_cast<double>(D));
      W(i, j) = normal(engine) / std::sqrt(static_cast<double>(D));
    }
  VectorF theta(D);
  for (Index i = 0; i < D; ++i) theta[i] = static_cast<float>(normal(engine));
  const auto Vf = distribute<float>(V);
  const auto Wf = distribute<float>(W);
  const std::string v_path = seigh::test::scratch("streamed_v.h5"), w_path = seigh::test::scratch("streamed_w.h5");
  {
    auto v_file = seigh::io::File::create(comm, v_path, seigh::io::IfExists::overwrite);
    seigh::io::write_rows(v_file, "/eigenvectors", Vf, seigh::io::DType::float32);
    auto w_file = seigh::io::File::create(comm, w_path, seigh::io::IfExists::overwrite);
    seigh::io::write_rows(w_file, "/eigenvectors", Wf, seigh::io::DType::float32);
  }
  metrics::OverlapOptions options;
  options.random_masks = 8;
  options.rng = seigh::random::make_rng_state(9);
  const std::vector<Index> ks{1, 5, 12};
  const auto memory = metrics::analyse_masks(comm, Vf, theta, ks, options);
  const MatrixD memory_cross = metrics::leading_cross_gram(comm, Vf, Wf, 12);
  const auto masks = metrics::magnitude_masks(comm, theta, ks);

  const auto v_file = seigh::io::File::open(comm, v_path);
  const auto w_file = seigh::io::File::open(comm, w_path);
  const metrics::StreamedRows streamed =
      metrics::stream_rows(comm, v_file, "/eigenvectors", Vf.partition(), ks, masks, &w_file, 4096);
  const auto analyses = metrics::analyse_mask_inputs(comm, D, streamed.inputs, options);
  REQUIRE(streamed.cross.has_value());
  CHECK(*streamed.cross == memory_cross);
  for (std::size_t j = 0; j < ks.size(); ++j) {
    INFO("k = " << ks[j]);
    CHECK(streamed.inputs[j].norms.local == metrics::row_norms(Vf, ks[j]).local);
    CHECK(streamed.inputs[j].rows == metrics::mask_rows(comm, Vf, masks[j]));
    CHECK(analyses[j].mask == memory[j].mask);
    CHECK(analyses[j].magnitude.metrics.overlap == memory[j].magnitude.metrics.overlap);
    CHECK(analyses[j].magnitude.cosines == memory[j].magnitude.cosines);
    CHECK(analyses[j].best.overlap == memory[j].best.overlap);
    CHECK(analyses[j].random.mean == memory[j].random.mean);
    CHECK(analyses[j].random.std == memory[j].random.std);
  }
  // The result against itself (the last row of a run): one read per block.
  const metrics::StreamedRows self =
      metrics::stream_rows(comm, v_file, "/eigenvectors", Vf.partition(), ks, masks, &v_file, 8192);
  CHECK(*self.cross == metrics::leading_cross_gram(comm, Vf, Vf, 12));
  CHECK_THROWS_WITH(metrics::stream_rows(comm, v_file, "/eigenvectors", Vf.partition(), ks, masks, nullptr, 5000),
                    Catch::Contains("multiple of 4096"));
}
