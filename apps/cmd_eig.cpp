/// \file
/// `seigh eig`: top eigenpairs of any symmetric operator (synthetic with a
/// known spectrum, dense or factored from HDF5) by SEIGH, exact or Lanczos.

#include "commands.hpp"
#include "solver_cli.hpp"
#include "seigh/linop/hdf5_operators.hpp"
#include "seigh/linop/synthetic.hpp"

namespace seigh::app {

namespace {

/// Plain configuration filled from the command line.
struct EigConfig {
  std::string operator_spec;
  SolverConfig solver;
};

OptionSpec eig_options(EigConfig& c) {
  OptionSpec spec{"eig", "mpirun -np P seigh eig --operator SPEC --k K [options]",
                  "Top-k eigenpairs of a symmetric operator.\n\n"
                  "Operators (--operator):\n"
                  "  synthetic:FAMILY[,key=value...]  H = V diag(lambda) V^T with a known spectrum;\n"
                  "      FAMILY lowrank|poly|exp|indefinite, keys D, R, noise, p|q, block, reflectors, seed\n"
                  "      e.g. synthetic:poly,D=100000,R=10,p=2\n"
                  "  FILE.h5:/DATASET                 dense symmetric [D, D] (float32 or float64)\n"
                  "  FILE.h5:lowrank                  H = U^T diag(lambda) U from /U [r, D], /lambda [r]",
                  {},
                  {}};
  spec.options.add_options()
      ("operator", po::value(&c.operator_spec)->required()->value_name("SPEC"), "the operator (see above)");
  add_solver_options(spec.options, c.solver);
  return spec;
}

template <class Scalar>
int run_with_scalar(const dist::Comm& comm, const EigConfig& c, eig::Ordering ordering) {
  const std::string& spec = c.operator_spec;
  if (spec.rfind("synthetic:", 0) == 0) {
    const auto synthetic = linop::parse_synthetic_spec(spec.substr(10));
    linop::SyntheticOperator<Scalar> op(comm, synthetic);
    return solve_and_report<Scalar>(comm, op, c.solver, ordering, &op.eigenvalues(),
                                    {{"operator", "synthetic:" + to_string(synthetic)}});
  }
  const auto [path, object] = linop::split_file_spec(spec);
  if (object == "lowrank") {
    // λ are the exact eigenvalues only if U has orthonormal rows, which is
    // not assumed: no reference column is printed.
    linop::FactoredOperator<Scalar> op(comm, path);
    return solve_and_report<Scalar>(comm, op, c.solver, ordering, nullptr, {{"operator", spec}});
  }
  linop::DenseOperator<Scalar> op(comm, path, object);
  return solve_and_report<Scalar>(comm, op, c.solver, ordering, nullptr, {{"operator", spec}});
}

int run_eig(const dist::Comm& comm, const std::vector<std::string>& args) {
  EigConfig c;
  OptionSpec spec = eig_options(c);
  const auto vm = parse_options(comm, spec, args);
  if (!vm) return kExitOk;
  const eig::Ordering ordering = check_solver_options(*vm, c.solver);
  check_output_writable(comm, c.solver.out);
  return c.solver.precision == "float32" ? run_with_scalar<float>(comm, c, ordering)
                                         : run_with_scalar<double>(comm, c, ordering);
}

}  // namespace

Command eig_command() {
  return {"eig", "top eigenpairs of a symmetric operator (SEIGH, exact or Lanczos)", run_eig};
}

}  // namespace seigh::app
