// Writes the input files of the CLI tests into the directory argv[1]:
//   operators.h5  /A [30, 30] symmetric, eigenvalues 3·(−0.8)^i (known);
//                 /B [4, 3] (not square)
//   notes.txt     a text file (not HDF5)
#include <Eigen/QR>
#include <fstream>
#include <random>

#include "app_runtime.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : ".";
  return seigh::app::run_mpi_program(argc, argv, [&](const seigh::dist::Comm& comm) {
    using seigh::Index;
    using seigh::MatrixD;
    const Index D = 30;
    std::mt19937_64 engine(7);
    std::normal_distribution<double> normal;
    MatrixD G(D, D);
    for (Index j = 0; j < D; ++j)
      for (Index i = 0; i < D; ++i) G(i, j) = normal(engine);
    const Eigen::HouseholderQR<MatrixD> qr(G);
    const MatrixD Q = qr.householderQ() * MatrixD::Identity(D, D);
    seigh::VectorD lambda(D);
    for (Index i = 0; i < D; ++i) lambda[i] = 3.0 * std::pow(-0.8, static_cast<double>(i));
    const MatrixD A = Q * lambda.asDiagonal() * Q.transpose();

    seigh::io::OutputFile out(comm, dir + "/operators.h5");
    seigh::io::write_rows(out.file(), "/A", seigh::dist::scatter_replicated(comm.partition(D), MatrixD(A.transpose())),
                          seigh::io::DType::float64);
    seigh::io::write_rows(out.file(), "/B", seigh::dist::scatter_replicated(comm.partition(3), MatrixD(MatrixD::Ones(3, 4))),
                          seigh::io::DType::float64);
    out.commit();
    if (comm.is_root()) std::ofstream(dir + "/notes.txt") << "this is not an HDF5 file\n";
    return 0;
  });
}
