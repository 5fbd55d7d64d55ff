#include "seigh/eig/sketched.hpp"

namespace seigh::eig {

SketchSizes resolve_sizes(const SketchOptions& options, Index dim) {
  SEIGH_REQUIRE(options.k >= 1) << "--k must be >= 1 (got " << options.k << ")";
  SEIGH_REQUIRE(options.k <= dim) << "--k " << options.k << " exceeds the operator dimension D = " << dim;
  const Index o = options.outer > 0 ? options.outer : options.k;
  const Index s = options.inner > 0 ? options.inner : 2 * o;
  SEIGH_REQUIRE(o >= options.k) << "--outer " << o << " must be >= --k " << options.k;
  SEIGH_REQUIRE(s >= o) << "--inner " << s << " must be >= --outer " << o;
  SEIGH_REQUIRE(o <= dim) << "--outer " << o << " exceeds the operator dimension D = " << dim;
  SEIGH_REQUIRE(s <= dim) << "--inner " << s << " exceeds the operator dimension D = " << dim
                          << " (use a smaller --inner, or --method exact for so small an operator)";
  SEIGH_REQUIRE(options.block >= 1) << "--block must be >= 1 (got " << options.block << ")";
  SEIGH_REQUIRE(options.error_probes >= 0) << "--error-probes must be >= 0";
  SEIGH_REQUIRE(options.rcond > 0 && options.rcond < 1) << "--rcond must lie in (0, 1) (got " << options.rcond << ")";
  return {o, s};
}

CoreEigenpairs solve_core_everywhere(const dist::Comm& comm, const MatrixD& PR, const MatrixD& Z, Index k,
                                     double rcond, Ordering ordering) {
  const Index s = Z.rows(), o = PR.cols();
  CoreEigenpairs core{VectorD(k), MatrixD(o, k)};
  dist::collective(comm, [&] {
    if (comm.is_root()) {
      const CoreSolution solution = solve_core(PR.topRows(s), Z, PR.bottomRows(s), rcond, ordering);
      core.lambda = solution.eigenvalues.head(k);
      core.U = solution.eigenvectors.leftCols(k);
    }
  });
  comm.broadcast(core.lambda);
  comm.broadcast(core.U);
  return core;
}

std::string rank_note(Index rank, Index outer) {
  if (rank >= outer) return {};
  return "the outer sketch has numerical rank " + std::to_string(rank) + " < o = " + std::to_string(outer) +
         " (the operator has low rank; trailing eigenpairs are noise)";
}

}  // namespace seigh::eig
