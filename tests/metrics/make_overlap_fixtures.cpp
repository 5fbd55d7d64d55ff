// Writes the input files of the `seigh overlap` CLI tests into argv[1]
// (D = 60, K = 8 eigenvectors per result):
//   ckpt_<t>.h5      /params float32 [60], attribute step = t (t = 100, 200, 300)
//   eig_<t>.h5       an eigen result: /eigenvectors [8, 60] orthonormal, attributes
//                    checkpoint = absolute path of ckpt_<t>.h5, step = t; the
//                    eigenbases drift towards eig_300's as t grows, and θ is
//                    larger on rows where eig_300's V_8 is large
//   eig_noattr.h5    an eigen result without checkpoint/step attributes
//   eig_novec.h5     only /eigenvalues (not an eigen result)
//   ckpt_wrongD.h5   /params float32 [59]
//   eig_wrongD.h5    an eigen result of D = 59 whose checkpoint is ckpt_wrongD.h5
#include <Eigen/QR>
#include <filesystem>
#include <random>

#include "app_runtime.hpp"
#include "seigh/eig/result_file.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

namespace {

using seigh::Index;
using seigh::MatrixD;

MatrixD orthonormal(const MatrixD& A) {
  const Eigen::HouseholderQR<MatrixD> qr(A);
  return qr.householderQ() * MatrixD::Identity(A.rows(), A.cols());
}

void write_params(const seigh::dist::Comm& comm, const std::string& path, const std::vector<float>& theta,
                  std::int64_t step) {
  seigh::io::OutputFile out(comm, path);
  seigh::io::write_replicated(out.file(), "/params", theta, seigh::io::DType::float32);
  seigh::io::write_attribute(out.file(), "/", "step", step);
  seigh::io::write_attribute(out.file(), "/", "format", "seigh-checkpoint-1");
  out.commit();
}

void write_eig(const seigh::dist::Comm& comm, const std::string& path, const MatrixD& V,
               const seigh::eig::AttributeList& extra) {
  seigh::eig::EigenResult<float> result;
  result.method = "exact";
  result.eigenvalues = seigh::VectorD::LinSpaced(V.cols(), 8.0, 1.0);
  result.eigenvectors = seigh::dist::scatter_replicated(comm.partition(V.rows()), seigh::MatrixF(V.cast<float>()));
  seigh::eig::write_eigen_result(comm, path, result, seigh::eig::Ordering::magnitude, extra);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = std::filesystem::absolute(argc > 1 ? argv[1] : ".").string();
  return seigh::app::run_mpi_program(argc, argv, [&](const seigh::dist::Comm& comm) {
    const Index D = 60;
    const Index K = 8;
    std::mt19937_64 engine(2025);
    std::normal_distribution<double> normal;
    const auto gaussian = [&](Index rows, Index cols) {
      MatrixD G(rows, cols);
      for (Index j = 0; j < cols; ++j)
        for (Index i = 0; i < rows; ++i) G(i, j) = normal(engine);
      return G;
    };
    const MatrixD V_final = orthonormal(gaussian(D, K));
    const seigh::VectorD final_rows = V_final.rowwise().norm();
    for (const std::int64_t step : {100, 200, 300}) {
      const double drift = static_cast<double>(300 - step) / 200.0;  // 1, 0.5, 0
      const MatrixD V = orthonormal(V_final + drift * gaussian(D, K));
      // θ: the final eigenbasis' row norms plus noise that shrinks with the
      // step, so the masks of a run share part of their indices.
      std::vector<float> theta(static_cast<std::size_t>(D));
      for (Index i = 0; i < D; ++i)
        theta[static_cast<std::size_t>(i)] = static_cast<float>(final_rows[i] + (0.02 + 0.1 * drift) * normal(engine));
      const std::string ckpt = dir + "/ckpt_" + std::to_string(step) + ".h5";
      write_params(comm, ckpt, theta, step);
      write_eig(comm, dir + "/eig_" + std::to_string(step) + ".h5", V, {{"checkpoint", ckpt}, {"step", step}});
    }
    write_eig(comm, dir + "/eig_noattr.h5", orthonormal(gaussian(D, K)), {});
    {
      seigh::io::OutputFile out(comm, dir + "/eig_novec.h5");
      seigh::io::write_replicated(out.file(), "/eigenvalues", std::vector<double>{1.0, 0.5}, seigh::io::DType::float64);
      out.commit();
    }
    write_params(comm, dir + "/ckpt_wrongD.h5", std::vector<float>(59, 1.0f), 0);
    // A result of another dimension (D = 59) with its own checkpoint, to
    // mix into a run with the D = 60 ones.
    write_eig(comm, dir + "/eig_wrongD.h5", orthonormal(gaussian(59, K)),
              {{"checkpoint", dir + "/ckpt_wrongD.h5"}, {"step", std::int64_t{400}}});
    return 0;
  });
}
