// Out-of-core SEIGH (eig/out_of_core.hpp) against the in-memory path, and
// its resume at every stage.
#include <catch2/catch.hpp>

#include <hdf5.h>

#include <filesystem>
#include <sstream>
#include <vector>

#include "eig_test_util.hpp"
#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/eig/sketched.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/describe.hpp"
#include "seigh/linop/synthetic.hpp"

using seigh::Index;
using seigh::MatrixD;
using seigh::VectorD;
using seigh::eig::SketchOptions;
using seigh::linop::SyntheticOperator;
using seigh::linop::parse_synthetic_spec;
using seigh::random::TestMatrixKind;
using seigh::test::world;

namespace {
const seigh::random::RngState kRng = seigh::random::make_rng_state(20250611);

SketchOptions options_for(Index k, Index outer, Index inner, Index probes) {
  SketchOptions options;
  options.k = k;
  options.outer = outer;
  options.inner = inner;
  options.error_probes = probes;
  options.block = 7;  // deliberately not dividing o, s or the probes
  return options;
}

/// What a finished run left in its result file, plus the error estimate.
struct Outcome {
  VectorD eigenvalues;
  MatrixD eigenvectors;  // D x k, gathered
  double residual2 = 0;
  double operator2 = 0;
  int cholqr_passes = 0;
  double sketch_condition = 0;
};

template <class Op>
Outcome in_memory(const seigh::dist::Comm& comm, Op& op, const SketchOptions& options) {
  const auto result = seigh::eig::sketched_eigh(comm, op, options, kRng);
  Outcome out{result.eigenvalues, seigh::dist::gather_all(comm, result.eigenvectors).template cast<double>(), 0, 0};
  if (result.error) {
    out.residual2 = result.error->residual_frobenius2;
    out.operator2 = result.error->operator_frobenius2;
  }
  return out;
}

/// One out-of-core run (new or resumed) into `name`.h5 with its sketch file
/// `name`.sketch.h5; stops as the hooks say (throws), else completes the
/// result file and reads it back.
/// With `inside`, a stop_blocks that falls on an in-place step stops inside
/// it (after the overwrite, before the count).
/// `core_batch`: SketchOptions::OutOfCore's (0: one block).
template <class Op>
Outcome out_of_core(const seigh::dist::Comm& comm, Op& op, SketchOptions options, const std::string& name,
                    Index row_block, bool resume = false, Index stop_blocks = 0, const std::string& stop_phase = "",
                    bool inside = false, Index core_batch = 0) {
  const std::string out = seigh::test::scratch(name + ".h5");
  options.checkpoint =
      SketchOptions::Checkpoint{out + ".sketch.h5", resume, "test operator", stop_blocks, stop_phase, inside};
  options.out_of_core = SketchOptions::OutOfCore{out, row_block, core_batch};
  const auto result = seigh::eig::sketched_eigh(comm, op, options, kRng);
  REQUIRE(result.eigenvectors.cols() == 0);
  seigh::eig::write_eigen_result(comm, out, result, options.ordering, {});
  const auto file = seigh::eig::read_eigen_result(comm, out);
  Outcome outcome{file.eigenvalues, seigh::dist::gather_all(comm, file.eigenvectors).cast<double>(), 0, 0,
                  result.cholqr_passes, result.sketch_condition};
  if (result.error) {
    outcome.residual2 = result.error->residual_frobenius2;
    outcome.operator2 = result.error->operator_frobenius2;
  }
  return outcome;
}

/// The /Z dataset of a sketch file (s x s float64), read on this rank alone.
std::vector<double> stored_z(const std::string& path) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  const hid_t set = H5Dopen2(file, "/Z", H5P_DEFAULT);
  REQUIRE(set >= 0);
  const hid_t space = H5Dget_space(set);
  std::vector<double> z(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  CHECK(H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, z.data()) >= 0);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  return z;
}

/// max_j (1 − |v_j · w_j|): eigenvectors agree up to sign.
double worst_alignment(const MatrixD& V, const MatrixD& W) {
  double worst = 0;
  for (Index j = 0; j < V.cols(); ++j) worst = std::max(worst, 1 - std::abs(V.col(j).dot(W.col(j))));
  return worst;
}
}  // namespace

TEST_CASE("out-of-core SEIGH agrees with the in-memory path", "[eig][seigh][ooc]") {
  const auto& comm = world();
  REQUIRE_FALSE(seigh::test::scratch_dir().empty());
  // λ = 1 − i/16 (i < 8, gaps 1/16), then a noise tail ≤ 1e-3: distinct
  // top eigenvalues, so eigenvectors compare column by column.
  const auto spec = parse_synthetic_spec("lowrank,D=2001,R=8,noise=1e-3,seed=31");
  for (auto kind : {TestMatrixKind::gaussian, TestMatrixKind::sparse_sign}) {
    auto options = options_for(6, 12, 30, 10);
    options.test_matrix = kind;
    // Row blocks of 300 (several per rank, not dividing the local ranges)
    // and of the default (one block per rank).
    for (Index row_block : {Index{300}, Index{0}}) {
      INFO(seigh::random::name(kind) << ", row block " << row_block);
      {
        // float32: both paths add the same float64 terms in different
        // groupings (Gram and projection sums per row block, Z per batch),
        // so Q, P, R differ by a few float32 roundings (u = 6e-8) of the
        // stored Y and Q (in memory) or Q₁ (streamed); the core solve is well conditioned here (o = 12
        // well above the 8 dominant directions), so eigenvalues agree to
        // ~1e-6 relative: 1e-5 as in the rank-count test of test_sketched.
        // The vectors are both rounded to float32 in the file: |cos| ≥
        // 1 − 1e-5 with gaps of 1/16. The error estimates share the probes
        // and differ by the same roundings: 1e-4 relative.
        SyntheticOperator<float> op(comm, spec);
        const Outcome memory = in_memory(comm, op, options);
        const Outcome streamed = out_of_core(comm, op, options, "agree-f-" + std::to_string(row_block) +
                                                                   std::string(seigh::random::name(kind)), row_block);
        const double relative = ((streamed.eigenvalues - memory.eigenvalues).array() / memory.eigenvalues.array())
                                    .abs()
                                    .maxCoeff();
        const double alignment = worst_alignment(memory.eigenvectors, streamed.eigenvectors);
        INFO("float32: max relative eigenvalue difference " << relative << ", 1 - |cos| " << alignment
                                                            << ", residual " << memory.residual2 << " vs "
                                                            << streamed.residual2);
        CHECK(relative <= 1e-5);
        CHECK(alignment <= 1e-5);
        CHECK(std::abs(streamed.residual2 - memory.residual2) <= 1e-4 * memory.residual2);
        CHECK(std::abs(streamed.operator2 - memory.operator2) <= 1e-4 * memory.operator2);
      }
      {
        // float64: the same regrouping at u = 1.1e-16: eigenvalues to 1e-12
        // (as the rank-count test). The file stores float32 vectors, so
        // they agree to float32 rounding; and the streamed estimate uses
        // those stored vectors, so its residual (~1e-6 of ‖H‖²_F here)
        // moves by the float32 rounding of V against ‖H‖_F: 1e-5 relative
        // to ‖H‖²_F.
        SyntheticOperator<double> op(comm, spec);
        const Outcome memory = in_memory(comm, op, options);
        const Outcome streamed = out_of_core(comm, op, options, "agree-d-" + std::to_string(row_block) +
                                                                   std::string(seigh::random::name(kind)), row_block);
        const double difference = (streamed.eigenvalues - memory.eigenvalues).cwiseAbs().maxCoeff();
        const double alignment = worst_alignment(memory.eigenvectors, streamed.eigenvectors);
        INFO("float64: max eigenvalue difference " << difference << ", 1 - |cos| " << alignment << ", residual "
                                                   << memory.residual2 << " vs " << streamed.residual2);
        CHECK(difference <= 1e-12);
        CHECK(alignment <= 1e-6);
        CHECK(std::abs(streamed.residual2 - memory.residual2) <= 1e-5 * memory.operator2);
        CHECK(std::abs(streamed.operator2 - memory.operator2) <= 1e-12 * memory.operator2);
      }
    }
  }
}

namespace {
/// max |VᵀV − I| of the stored (float32) eigenvectors.
double orthogonality_error(const MatrixD& V) {
  return (V.transpose() * V - MatrixD::Identity(V.cols(), V.cols())).cwiseAbs().maxCoeff();
}

/// A float32 out-of-core run on `spec` (o = 12, s = 30) against the
/// in-memory path at k = 6, and its orthonormality at k = 6 and at k = o,
/// where V = QU with U square shows all of QᵀQ − I (at k < o the loss of
/// orthogonality of Q, which sits in the directions of Y's smallest
/// singular values, is mostly projected away).
struct Steepness {
  Outcome streamed;
  double orthogonality = 0, orthogonality_all = 0, relative = 0, alignment = 0;
};
Steepness steepness_case(const std::string& spec, const std::string& name) {
  const auto& comm = world();
  SyntheticOperator<float> op(comm, parse_synthetic_spec(spec));
  const Outcome memory = in_memory(comm, op, options_for(6, 12, 30, 0));
  Steepness out;
  out.streamed = out_of_core(comm, op, options_for(6, 12, 30, 0), name, 300);
  out.orthogonality = orthogonality_error(out.streamed.eigenvectors);
  out.orthogonality_all = orthogonality_error(out_of_core(comm, op, options_for(12, 12, 30, 0), name + "-all", 300).eigenvectors);
  out.relative =
      ((out.streamed.eigenvalues - memory.eigenvalues).array() / memory.eigenvalues.array()).abs().maxCoeff();
  out.alignment = worst_alignment(memory.eigenvectors, out.streamed.eigenvectors);
  return out;
}
}  // namespace

TEST_CASE("out-of-core eigenvectors stay orthonormal when Y is ill-conditioned", "[eig][seigh][ooc]") {
  // V_b = Y_b W with W = R₁⁻¹R₂⁻¹U (out_of_core.hpp) carries κ(Y) in W: in
  // float64 the product's error is ε₆₄·κ, far below the float32 rounding of
  // the stored V; in float32 it would be ε₃₂·κ. λ = 1, then 10^(−0.45 i):
  // the o = 12 columns of Y span five decades (κ₂(Y) ≈ 2e5), about as
  // ill-conditioned as CholeskyQR2 accepts (q = 0.5 is rejected), with gaps
  // of 2.8x between eigenvalues. Measured: max |VᵀV − I| = 4.7e-8 (float32
  // storage); the same product in float32 gives 2.2e-6. Two CholeskyQR
  // passes: one would leave ‖Q₁ᵀQ₁ − I‖ ≈ κ₂²ε₆₄ ≈ 8e-6, which V shows at
  // k = o (measured with one pass forced: 2.2e-8 at k = 6, 3.5e-6 at k = o).
  const Steepness run = steepness_case("exp,D=2001,R=1,q=0.45,seed=37", "steep");
  INFO("max |VᵀV − I| " << run.orthogonality << " (k = o: " << run.orthogonality_all
                        << "), max relative eigenvalue difference " << run.relative << ", 1 - |cos| " << run.alignment
                        << ", kappa_2(Y) " << run.streamed.sketch_condition);
  CHECK(run.orthogonality <= 5e-7);
  CHECK(run.orthogonality_all <= 5e-7);
  CHECK(run.relative <= 1e-5);
  CHECK(run.alignment <= 1e-5);
  CHECK(run.streamed.sketch_condition > 1e4);
  CHECK(run.streamed.cholqr_passes == 2);
}

TEST_CASE("out-of-core SEIGH makes one CholeskyQR pass when Y is well conditioned", "[eig][seigh][ooc]") {
  // λ = 10^(−0.25 i): the o = 12 columns of Y span less than three decades
  // (κ₂(Y) ≈ 2800), κ₂(Y)²·ε₆₄ below ε₃₂/10, so the gram stage records one
  // pass (R₂ = I, no second read of Y). Q = Y R₁⁻¹ is then orthonormal to
  // ~κ²ε₆₄ ≈ 2e-9, which the float32 V cannot tell from a two-pass Q, even
  // at k = o; and the result matches the in-memory (two-pass) one as
  // closely as in the first test. A float64 operator always makes two
  // passes (the first test compares its eigenvalues to 1e-12).
  const Steepness run = steepness_case("exp,D=2001,R=1,q=0.25,seed=39", "one-pass");
  INFO("kappa_2(Y) " << run.streamed.sketch_condition << ", passes " << run.streamed.cholqr_passes
                     << ", max |VᵀV − I| " << run.orthogonality << " (k = o: " << run.orthogonality_all
                     << "), max relative eigenvalue difference " << run.relative << ", 1 - |cos| " << run.alignment);
  CHECK(run.streamed.cholqr_passes == 1);
  CHECK(run.streamed.sketch_condition > 100);
  CHECK(run.orthogonality <= 5e-7);
  CHECK(run.orthogonality_all <= 5e-7);
  CHECK(run.relative <= 1e-5);
  CHECK(run.alignment <= 1e-5);
}

TEST_CASE("out-of-core SEIGH resumes at every stage bit for bit", "[eig][seigh][ooc][resume]") {
  const auto& comm = world();
  SyntheticOperator<float> op(comm, parse_synthetic_spec("poly,D=2001,R=5,p=1.5,seed=33"));
  auto options = options_for(6, 12, 30, 10);  // o = 12, s = 30, 10 probes, blocks of 7
  const Index row_block = 512;
  const Outcome reference = out_of_core(comm, op, options, "reference", row_block);
  // Units counted by --stop-after-blocks: 2 Y blocks + 5 Z batches, then
  // `steps` row blocks of vectors (gram and orth only read, and are
  // repeated when interrupted), then 2 probe blocks of the error estimate.
  const Index local_max = (2001 + comm.size() - 1) / comm.size();
  const Index steps = (local_max + row_block - 1) / row_block;
  const Index measured = 2 + 5;
  struct Stop {
    Index blocks;
    std::string phase;
    const char* where;
  };
  const std::vector<Stop> stops{
      {0, "gram", "after gram"},
      {0, "orth", "after orth"},
      {0, "core", "after the core solve"},
      {measured + 1, "", "inside vectors"},
      {0, "vectors", "after vectors"},
      {measured + steps + 1, "", "inside the error estimate"},
  };
  for (const Stop& stop : stops) {
    INFO("stopped " << stop.where << " (steps per pass " << steps << ")");
    const std::string name = std::string("stop-") + std::to_string(&stop - stops.data());
    CHECK_THROWS_WITH(out_of_core(comm, op, options, name, row_block, false, stop.blocks, stop.phase),
                      Catch::Contains("continue with --resume"));
    const Outcome resumed = out_of_core(comm, op, options, name, row_block, true);
    const bool same = resumed.eigenvalues == reference.eigenvalues && resumed.eigenvectors == reference.eigenvectors &&
                      resumed.residual2 == reference.residual2 && resumed.operator2 == reference.operator2;
    CHECK(same);
    CHECK(comm.sum(static_cast<int>(!same)) == 0);
  }
  // The D x o matrix of a float32 run lives in RESULT.partial: without it
  // the sketch file cannot be continued, and says so.
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "gone", row_block, false, 0, "orth"),
                    Catch::Contains("stopped after the orth stage"));
  if (comm.is_root()) std::filesystem::remove(seigh::test::scratch("gone.h5.partial"));
  comm.barrier();
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "gone", row_block, true),
                    Catch::Contains("which is gone") && Catch::Contains("restart without --resume"));
  // A resumed stage after the measurement needs the same row blocks; and the
  // in-memory path refuses a file whose Y is in the out-of-core result.
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "rb", row_block, false, 0, "orth"),
                    Catch::Contains("stopped after the orth stage"));
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "rb", 300, true), Catch::Contains("row block 512"));
  auto memory_options = options;
  memory_options.checkpoint = SketchOptions::Checkpoint{seigh::test::scratch("rb.h5.sketch.h5"), true, "test operator"};
  CHECK_THROWS_WITH(seigh::eig::sketched_eigh(comm, op, memory_options, kRng), Catch::Contains("--out-of-core"));
  // A file of the format that overwrote Y with Q in place (no ooc_format
  // attribute) is refused past its gram stage: continuing it would apply
  // R₁⁻¹ to Q a second time.
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "old", row_block, false, 0, "orth"),
                    Catch::Contains("stopped after the orth stage"));
  if (comm.is_root()) {
    const hid_t file = H5Fopen(seigh::test::scratch("old.h5.sketch.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    CHECK(H5Adelete(file, "ooc_format") >= 0);
    H5Fclose(file);
  }
  comm.barrier();
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "old", row_block, true),
                    Catch::Contains("written by an earlier seigh") && Catch::Contains("stage 'core'"));
}

TEST_CASE("the out-of-core core batch changes no bit of the result, across a resume too", "[eig][seigh][ooc][resume]") {
  // A Gaussian Φ (regenerated per batch, the case the batch is for): core
  // batches of one block (7), of 3 blocks (21, so 30 = 21 + 9) and wider
  // than s (capped at 30), each a different number of Φ draws and of
  // columns per projection call; the result must be the same bits. Then a
  // run stopped after 2 Y blocks and 2 one-block batches (14 Z columns) and
  // resumed with batches of 3 blocks.
  const auto& comm = world();
  SyntheticOperator<float> op(comm, parse_synthetic_spec("poly,D=2001,R=5,p=1.5,seed=34"));
  const auto options = options_for(6, 12, 30, 4);
  const Index row_block = 512;
  const Outcome reference = out_of_core(comm, op, options, "batch-7", row_block);
  const auto same_as_reference = [&](const Outcome& run) {
    const bool same = run.eigenvalues == reference.eigenvalues && run.eigenvectors == reference.eigenvectors &&
                      run.residual2 == reference.residual2;
    return comm.sum(static_cast<int>(!same)) == 0;
  };
  for (Index core_batch : {Index{21}, Index{100}}) {
    INFO("core batch " << core_batch);
    CHECK(same_as_reference(out_of_core(comm, op, options, "batch-" + std::to_string(core_batch), row_block, false, 0,
                                        "", false, core_batch)));
  }
  CHECK_THROWS_WITH(out_of_core(comm, op, options, "batch-resumed", row_block, false, 4, "", false, 7),
                    Catch::Contains("continue with --resume"));
  CHECK(same_as_reference(out_of_core(comm, op, options, "batch-resumed", row_block, true, 0, "", false, 21)));
  // And the in-memory path, whose batch is o rounded to blocks (14), stores
  // the same Z in its sketch file.
  auto memory_options = options;
  memory_options.checkpoint = SketchOptions::Checkpoint{seigh::test::scratch("batch-memory.sketch.h5"), false,
                                                        "test operator"};
  (void)seigh::eig::sketched_eigh(comm, op, memory_options, kRng);
  comm.barrier();
  if (comm.is_root()) {
    const auto streamed_z = stored_z(seigh::test::scratch("batch-7.h5.sketch.h5"));
    const auto memory_z = stored_z(seigh::test::scratch("batch-memory.sketch.h5"));
    CHECK(streamed_z.size() == 30 * 30);
    CHECK(streamed_z == memory_z);
  }
}

TEST_CASE("the out-of-core core batch from the memory budget", "[eig][ooc]") {
  using seigh::eig::ooc::core_batch_for_budget;
  // D = 2·10⁶ on 2 ranks, b = 32, float: one block of products is
  // 10⁶·32·4 = 128 MB. Half of what the model leaves is for more blocks.
  const double block = 128e6;
  CHECK(core_batch_for_budget(0, 1e9, 2000000, 2, 2000, 32, 4) == 32);              // no budget
  CHECK(core_batch_for_budget(1e9, 2e9, 2000000, 2, 2000, 32, 4) == 32);            // over budget already
  CHECK(core_batch_for_budget(1e9 + 2 * block - 1, 1e9, 2000000, 2, 2000, 32, 4) == 32);  // room for < 1 block
  CHECK(core_batch_for_budget(1e9 + 2 * block, 1e9, 2000000, 2, 2000, 32, 4) == 64);
  CHECK(core_batch_for_budget(1e9 + 7 * block, 1e9, 2000000, 2, 2000, 32, 4) == 128);  // 3.5 blocks: 3 more
  CHECK(core_batch_for_budget(1e12, 1e9, 2000000, 2, 2000, 32, 4) == 2000);          // capped at s
  CHECK(core_batch_for_budget(1e12, 1e9, 2000000, 2, 50, 32, 4) == 50);              // s below two blocks
  CHECK(core_batch_for_budget(1e12, 1e9, 2000000, 2, 20, 32, 4) == 20);              // s below one block
  // float64 blocks are twice as large.
  CHECK(core_batch_for_budget(1e9 + 7 * block, 1e9, 2000000, 2, 2000, 32, 8) == 64);
}

TEST_CASE("out-of-core SEIGH reports an ill-conditioned sketch it cannot factor", "[eig][seigh][ooc]") {
  const auto& comm = world();
  // λ = 1, 1, then 10^-(i-1): Y has κ ≈ 1e11 > 1e6, so CholeskyQR2 is
  // rejected (in memory, TSQR takes over).
  SyntheticOperator<double> op(comm, parse_synthetic_spec("exp,D=900,R=2,q=1,seed=35"));
  CHECK_THROWS_WITH(out_of_core(comm, op, options_for(4, 12, 24, 0), "illcond", 128),
                    Catch::Contains("streamed TSQR is not implemented"));
}

TEST_CASE("out-of-core SEIGH resumes bit for bit from a kill inside any in-place step", "[eig][seigh][ooc][resume]") {
  // The journal's window (out_of_core.hpp): each step of the vectors pass
  // (float32: V in place) is stopped after its block of the tall matrix was
  // overwritten on disk and before phase_steps counts it. A resume that
  // read that block back from the tall matrix would transform it a second
  // time (V_b read as Y_b); it must take it from /pending and end bit for
  // bit equal to an uninterrupted run.
  const auto& comm = world();
  SyntheticOperator<float> op(comm, parse_synthetic_spec("poly,D=2001,R=5,p=1.5,seed=33"));
  auto options = options_for(6, 12, 30, 10);
  const Index row_block = 512;
  const Outcome reference = out_of_core(comm, op, options, "inside-reference", row_block);
  const Index local_max = (2001 + comm.size() - 1) / comm.size();
  const Index steps = (local_max + row_block - 1) / row_block;
  const Index measured = 2 + 5;  // Y blocks + Z batches, as in the test above
  for (Index unit = measured + 1; unit <= measured + steps; ++unit) {
    INFO("stopped inside vectors step " << unit - measured - 1 << " of " << steps);
    const std::string name = "inside-" + std::to_string(unit);
    CHECK_THROWS_WITH(out_of_core(comm, op, options, name, row_block, false, unit, "", true),
                      Catch::Contains("before counting it"));
    // A failed resume is a failed stop, not the end of the loop (errors
    // are collective, so every rank goes on together).
    Outcome resumed;
    std::string failure;
    try {
      resumed = out_of_core(comm, op, options, name, row_block, true);
    } catch (const seigh::Error& e) {
      failure = e.what();
    }
    REQUIRE(comm.sum(static_cast<int>(!failure.empty())) % comm.size() == 0);
    const bool same = failure.empty() && resumed.eigenvalues == reference.eigenvalues &&
                      resumed.eigenvectors == reference.eigenvectors && resumed.residual2 == reference.residual2 &&
                      resumed.operator2 == reference.operator2;
    std::ostringstream what;
    if (failure.empty()) {
      what << "max eigenvalue difference " << (resumed.eigenvalues - reference.eigenvalues).cwiseAbs().maxCoeff()
           << ", max eigenvector difference " << (resumed.eigenvectors - reference.eigenvectors).cwiseAbs().maxCoeff();
    } else {
      what << "the resumed run failed: " << failure;
    }
    INFO(what.str());
    CHECK(same);
    CHECK(comm.sum(static_cast<int>(!same)) == 0);
  }
}

namespace {
/// Datasets of a file by path (describe() order), shape and type.
std::vector<seigh::io::ObjectInfo> datasets_of(const seigh::dist::Comm& comm, const std::string& path) {
  const auto file = seigh::io::File::open(comm, path);
  std::vector<seigh::io::ObjectInfo> out;
  for (auto& object : seigh::io::describe(file))
    if (object.kind == seigh::io::ObjectInfo::Kind::dataset) out.push_back(std::move(object));
  return out;
}

/// Chunk dimensions of a chunked dataset (empty if not chunked).
std::vector<hsize_t> chunk_of(const seigh::dist::Comm& comm, const std::string& path, const std::string& name) {
  const auto file = seigh::io::File::open(comm, path);
  const auto dataset = seigh::io::open_dataset(file, name);
  const hid_t dcpl = H5Dget_create_plist(dataset.get());
  std::vector<hsize_t> chunk(2, 0);
  if (H5Pget_layout(dcpl) != H5D_CHUNKED || H5Pget_chunk(dcpl, 2, chunk.data()) != 2) chunk.clear();
  H5Pclose(dcpl);
  return chunk;
}
}  // namespace

TEST_CASE("out-of-core SEIGH keeps one D x o matrix on disk", "[eig][seigh][ooc][disk]") {
  const auto& comm = world();
  const Index D = 2001;
  const auto spec = parse_synthetic_spec("lowrank,D=2001,R=8,noise=1e-3,seed=31");
  const Index row_block = 300;  // ranks·300 < D: the journal is narrower than one vector
  const auto none_of_length_D = [&](const std::string& path) {
    std::string found;
    for (const auto& d : datasets_of(comm, path))
      if (!d.shape.empty() && d.shape.back() == D) found += " " + d.path + " " + seigh::io::format_shape(d.shape);
    INFO(path << " has D-long datasets:" << found);
    CHECK(found.empty());
  };
  for (const Index k : {Index{6}, Index{12}}) {  // k < o: V shrinks the dataset; k = o: it does not
    INFO("k = " << k << ", o = 12");
    const auto options = options_for(k, 12, 30, 4);
    SyntheticOperator<float> op(comm, spec);
    const std::string name = "disk-f" + std::to_string(k);
    const std::string out = seigh::test::scratch(name + ".h5");
    // During the run: Y is /tall [o, D] float32 in RESULT.partial, chunked as
    // the result's /eigenvectors; the sketch file has no copy of it.
    CHECK_THROWS_WITH(out_of_core(comm, op, options, name, row_block, false, 0, "orth"),
                      Catch::Contains("stopped after the orth stage"));
    const auto partial = datasets_of(comm, out + ".partial");
    REQUIRE(partial.size() == 1);
    CHECK(partial[0].path == "/tall");
    CHECK(partial[0].shape == std::vector<Index>{12, D});
    CHECK(partial[0].type_name == "float32");
    // D = 2001 < 2^18: whole vectors, 12 rows (2^18 / D = 131 would fit).
    CHECK(chunk_of(comm, out + ".partial", "/tall") == std::vector<hsize_t>{12, static_cast<hsize_t>(D)});
    none_of_length_D(out + ".sketch.h5");
    // After it: RESULT holds /eigenvalues and /eigenvectors [k, D] float32
    // (the same dataset, shrunk and renamed), equal to the in-memory result.
    const Outcome streamed = out_of_core(comm, op, options, name, row_block, true);
    const auto result = datasets_of(comm, out);
    REQUIRE(result.size() == 2);
    CHECK(result[0].path == "/eigenvalues");
    CHECK(result[1].path == "/eigenvectors");
    CHECK(result[1].shape == std::vector<Index>{k, D});
    CHECK(result[1].type_name == "float32");
    none_of_length_D(out + ".sketch.h5");
    // The tolerances of "agrees with the in-memory path" (same operator
    // and sizes but 4 probes): eigenvalues 1e-5 relative, 1 − |cos| ≤ 1e-5
    // for the 6 leading vectors (gaps 1/16); at k = o the trailing vectors
    // span the noise tail and are not compared.
    const Outcome memory = in_memory(comm, op, options);
    const Index compared = 6;
    const double relative = ((streamed.eigenvalues - memory.eigenvalues).array() / memory.eigenvalues.array())
                                .head(compared)
                                .abs()
                                .maxCoeff();
    const double alignment =
        worst_alignment(memory.eigenvectors.leftCols(compared), streamed.eigenvectors.leftCols(compared));
    INFO("max relative eigenvalue difference " << relative << ", 1 - |cos| " << alignment);
    CHECK(relative <= 1e-5);
    CHECK(alignment <= 1e-5);
  }
  {
    // float64: Y, Q₁, Q in place in the sketch file's /Y (float64); V in a
    // new float32 /eigenvectors of the result; no /Q.
    SyntheticOperator<double> op(comm, spec);
    const std::string out = seigh::test::scratch("disk-d.h5");
    (void)out_of_core(comm, op, options_for(6, 12, 30, 4), "disk-d", row_block);
    std::vector<std::string> long_ones;
    for (const auto& d : datasets_of(comm, out + ".sketch.h5"))
      if (!d.shape.empty() && d.shape.back() == D) long_ones.push_back(d.path + " " + d.type_name);
    CHECK(long_ones == std::vector<std::string>{"/Y float64"});
    const auto result = datasets_of(comm, out);
    REQUIRE(result.size() == 2);
    CHECK(result[1].shape == std::vector<Index>{6, D});
    CHECK(result[1].type_name == "float32");
  }
}
