// Collective dataset I/O of block-row matrices, vectors and replicated arrays.
#include <catch2/catch.hpp>
#include <cmath>

#include "expect_error.hpp"
#include "scratch_dir.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/io/dataset.hpp"

using Catch::Matchers::Contains;
using seigh::Index;
using seigh::Matrix;
using seigh::MatrixD;
using seigh::dist::BlockRowMatrix;
using seigh::dist::RowPartition;
using seigh::io::DType;
using seigh::io::File;
using seigh::io::TransferReport;
using seigh::test::scratch;
using seigh::test::world;
namespace io = seigh::io;

using seigh::test::expect_error;

namespace {
/// A replicated D x k matrix, the same on every rank (deterministic), with
/// entries that are not exactly representable in float.
MatrixD replicated(Index D, Index k, double salt) {
  MatrixD A(D, k);
  for (Index i = 0; i < D; ++i)
    for (Index j = 0; j < k; ++j) A(i, j) = std::sin(salt + 0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(j));
  return A;
}

/// What a value of type Scalar reads back as after a round trip through
/// on-disk type `disk` (exact: conversions are deterministic casts).
template <class Scalar>
Matrix<Scalar> through(const MatrixD& A, DType disk) {
  if (disk == DType::float32) return A.cast<Scalar>().template cast<float>().template cast<Scalar>();
  return A.cast<Scalar>();
}

void check_collective(const TransferReport& report) {
  INFO("transfer: " << report.describe() << ", io_mode " << static_cast<int>(report.io_mode));
  CHECK(report.transfers > 0);
  CHECK(report.io_mode != H5D_MPIO_NO_COLLECTIVE);
  CHECK(report.collective());
  CHECK(report.global_no_collective_cause == 0);
}
}  // namespace

TEMPLATE_TEST_CASE("write_rows / read_rows round trip at every partition", "[io][dataset]", float, double) {
  using Scalar = TestType;
  const auto& comm = world();
  const Index k = 5;
  // D = 2 leaves rank 2 without rows at 3 ranks; 1001 does not divide.
  for (const Index D : {Index{2}, Index{1001}}) {
    for (const DType disk : {DType::float32, DType::float64}) {
      INFO("D=" << D << " disk=" << io::dtype_name(disk) << " memory=" << io::dtype_name(io::dtype_of<Scalar>()));
      const std::string path = scratch("rows-" + std::to_string(D) + "-" + io::dtype_name(disk) + "-" +
                                       io::dtype_name(io::dtype_of<Scalar>()) + ".h5");
      const MatrixD A = replicated(D, k, 0.25);
      const RowPartition part = comm.partition(D);
      {
        File file = File::create(comm, path);
        const auto X = seigh::dist::scatter_replicated<Scalar>(part, A.cast<Scalar>());
        const TransferReport wrote = io::write_rows(file, "/eigenvectors", X, disk);
        check_collective(wrote);
      }
      File file = File::open(comm, path);
      const io::DatasetInfo info = io::dataset_info(file, "/eigenvectors");
      CHECK(info.shape == std::vector<Index>{k, D});
      CHECK(info.type_name == io::dtype_name(disk));
      CHECK(info.dtype == disk);
      CHECK(info.type_class == H5T_FLOAT);
      CHECK(info.element_size == io::dtype_size(disk));

      const Matrix<Scalar> expected = through<Scalar>(A, disk);
      TransferReport read;
      const auto Y = io::read_rows<Scalar>(file, "/eigenvectors", part, &read);
      check_collective(read);
      CHECK(Y.partition() == part);
      CHECK(Y.local() == expected.middleRows(part.row_offset(), part.local_rows()));

      // Default partition = the file communicator's balanced one.
      CHECK(io::read_rows<Scalar>(file, "eigenvectors").local() == Y.local());

      // A different partition: every rank reads the whole matrix.
      const auto Z = io::read_rows<Scalar>(file, "/eigenvectors", RowPartition(D, 0, 1), &read);
      check_collective(read);
      CHECK(Z.local() == expected);

      // A sub-block of vectors [1, 4).
      const auto W = io::read_rows_at<Scalar>(file, "/eigenvectors", part, 1, 3);
      CHECK(W.local() == expected.block(part.row_offset(), 1, part.local_rows(), 3));
    }
  }
}

TEST_CASE("write_rows_at fills a created dataset block by block", "[io][dataset]") {
  const auto& comm = world();
  const Index D = 37, K = 7;
  const std::string path = scratch("blocks.h5");
  const MatrixD A = replicated(D, K, 1.5);
  const RowPartition part = comm.partition(D);
  {
    File file = File::create(comm, path);
    io::create_dataset(file, "/sketch/Y", {K, D}, DType::float64);
    // Two blocks in reverse order, one of which is a single vector.
    const auto tail = seigh::dist::scatter_replicated<double>(part, A.rightCols(1));
    const auto head = seigh::dist::scatter_replicated<double>(part, A.leftCols(K - 1));
    check_collective(io::write_rows_at(file, "/sketch/Y", tail, K - 1));
    check_collective(io::write_rows_at(file, "/sketch/Y", head, 0));
    // Out of range: refused with the shape in the message.
    const auto e = expect_error([&] { (void)io::write_rows_at(file, "/sketch/Y", head, 2); });
    CHECK_THAT(e.what(), Contains("has shape [7, 37]") && Contains("rows [2, 8)"));
    CHECK(e.collective());
  }
  File file = File::open(comm, path);
  CHECK(io::read_rows<double>(file, "/sketch/Y", RowPartition(D, 0, 1)).local() == A);
}

TEST_CASE("chunk_length: fewest chunks of at most 2^18, 4096-aligned, little padding", "[io][dataset]") {
  constexpr Index kMax = io::kChunkElements, kAlign = 4096;
  CHECK(io::chunk_length(1) == 1);
  CHECK(io::chunk_length(13002) == 13002);  // below 2^18: whole vectors
  CHECK(io::chunk_length(kMax) == kMax);
  // Just above 2^18: two chunks of ⌈(2^18 + 1) / 2⌉ = 131073, rounded up to
  // 33·4096 = 135168 (fixed 2^18 chunks would store 2^19 per vector).
  CHECK(io::chunk_length(kMax + 1) == 135168);
  CHECK(io::chunk_length(11388010) == kMax);  // 784-3000-3000-10: 44 chunks
  for (const Index D : {kMax + 1, Index{300000}, 2 * kMax - 1, 2 * kMax, 2 * kMax + 5, Index{1000003},
                        Index{11388010}, Index{25557032}}) {
    INFO("D = " << D);
    const Index length = io::chunk_length(D);
    const Index chunks = (D + length - 1) / length;
    CHECK(length % kAlign == 0);
    CHECK(length <= kMax);
    CHECK(chunks == (D + kMax - 1) / kMax);      // no more chunks than fixed 2^18 ones
    CHECK(chunks * length - D < chunks * kAlign);  // padding below one alignment per chunk
  }
}

TEST_CASE("a [K, D] dataset just above 2^18 stores about its own size on disk", "[io][dataset]") {
  const auto& comm = world();
  const Index D = io::kChunkElements + 1, K = 3;
  const std::string path = scratch("chunk-padding.h5");
  File file = File::create(comm, path);
  io::create_dataset(file, "/eigenvectors", {K, D}, DType::float32);
  const auto dataset = io::open_dataset(file, "/eigenvectors");
  // Space is allocated at creation (H5D_ALLOC_TIME_EARLY): the chunks as
  // stored, edge chunks included. 2^18-long chunks would make it 2 K 2^18.
  const double stored = static_cast<double>(H5Dget_storage_size(dataset.get()));
  const double data = 4.0 * static_cast<double>(K * D);
  CHECK(stored >= data);
  CHECK(stored <= 1.04 * data);
}

TEST_CASE("1-D [D] datasets from and to block-row vectors", "[io][dataset]") {
  const auto& comm = world();
  for (const Index D : {Index{2}, Index{1001}}) {
    INFO("D=" << D);
    const std::string path = scratch("vector-" + std::to_string(D) + ".h5");
    const MatrixD A = replicated(D, 1, 0.5);
    const RowPartition part = comm.partition(D);
    {
      File file = File::create(comm, path);
      check_collective(io::write_vector(file, "/params", seigh::dist::scatter_replicated<double>(part, A),
                                        DType::float32));
      // Integer data (labels) through the same path.
      BlockRowMatrix<std::int64_t> labels(part, 1);
      for (Index i = 0; i < part.local_rows(); ++i) labels.local()(i, 0) = 3 * part.to_global(i);
      check_collective(io::write_vector(file, "/y", labels, DType::int64));
    }
    File file = File::open(comm, path);
    CHECK(io::dataset_shape(file, "/params") == std::vector<Index>{D});
    TransferReport read;
    const auto x = io::read_vector<double>(file, "/params", part, &read);
    check_collective(read);
    CHECK(x.local() == through<double>(A, DType::float32).middleRows(part.row_offset(), part.local_rows()));
    const auto all = io::read_vector<float>(file, "/params", RowPartition(D, 0, 1));
    CHECK(all.local() == A.cast<float>());
    const auto y = io::read_vector<std::int64_t>(file, "/y", RowPartition(D, 0, 1));
    for (Index i = 0; i < D; ++i) CHECK(y.local()(i, 0) == 3 * i);
    CHECK(io::dataset_info(file, "/y").type_name == "int64");
  }
}

TEST_CASE("small replicated arrays: rank 0 writes, every rank reads", "[io][dataset]") {
  const auto& comm = world();
  const std::string path = scratch("replicated.h5");
  {
    File file = File::create(comm, path);
    // Other ranks' data is ignored, even with another length.
    seigh::VectorD mine = seigh::VectorD::Zero(1);
    if (comm.is_root()) {
      mine.resize(4);
      mine << 6.057, -2.5, 1.5, 1.0;
    }
    check_collective(io::write_replicated(file, "/eigenvalues", mine, DType::float64));
    const std::vector<std::int64_t> ks{1, 2, 4, 8, 16};
    io::write_replicated(file, "/overlap/k", ks, DType::int64);
    MatrixD table(2, 3);
    table << 1, 2, 3, 4, 5, 6;
    io::write_replicated(file, "/overlap/table", table, DType::float32);
    io::write_replicated(file, "/empty", std::vector<double>{}, DType::float64);
  }
  File file = File::open(comm, path);
  TransferReport read;
  const auto values = io::read_replicated<double>(file, "/eigenvalues", &read);
  check_collective(read);
  REQUIRE(values.size() == 4);
  CHECK(values[0] == 6.057);
  CHECK(values[3] == 1.0);
  CHECK(io::read_replicated<std::int64_t>(file, "/overlap/k") == std::vector<std::int64_t>{1, 2, 4, 8, 16});
  // C order on disk: row i of the table is contiguous.
  CHECK(io::read_replicated<float>(file, "/overlap/table") == std::vector<float>{1, 2, 3, 4, 5, 6});
  const MatrixD table = io::read_replicated_matrix<double>(file, "/overlap/table");
  CHECK(table.rows() == 2);
  CHECK(table(1, 0) == 4.0);
  CHECK(table(0, 2) == 3.0);
  CHECK(io::read_replicated<double>(file, "/empty").empty());
  CHECK(io::dataset_shape(file, "/empty") == std::vector<Index>{0});
  CHECK(io::exists(file, "/overlap"));
  CHECK(io::exists(file, "/overlap/k"));
  CHECK_FALSE(io::exists(file, "/overlap/nope"));
  CHECK_FALSE(io::exists(file, "/nope/k"));
  CHECK_FALSE(io::exists(file, "/eigenvalues/below-a-dataset"));
}

TEST_CASE("dataset errors name dataset, file and shapes", "[io][dataset][errors]") {
  const auto& comm = world();
  const std::string path = scratch("errors.h5");
  const Index D = 11;
  {
    File file = File::create(comm, path);
    io::write_rows(file, "/V", seigh::dist::scatter_replicated<double>(comm.partition(D), replicated(D, 3, 0.0)),
                   DType::float32);
    io::create_group(file, "/group");
    io::create_group(file, "/group");  // existing group: fine
    const auto e = expect_error([&] {
      io::write_rows(file, "/V", seigh::dist::scatter_replicated<double>(comm.partition(D), replicated(D, 3, 0.0)),
                     DType::float32);
    });
    CHECK(std::string(e.what()) == "dataset '/V' in '" + path + "' already exists");
  }
  File file = File::open(comm, path);

  auto e = expect_error([&] { (void)io::read_rows<double>(file, "/x", comm.partition(D)); });
  CHECK(std::string(e.what()) == "no dataset '/x' in '" + path + "'");
  CHECK(e.collective());

  e = expect_error([&] { (void)io::read_rows<double>(file, "/V", comm.partition(7030)); });
  CHECK(std::string(e.what()) == "dataset '/V' in '" + path + "' has shape [3, 11], expected [k, 7030]");
  CHECK(e.collective());

  e = expect_error([&] { (void)io::read_vector<double>(file, "/V", comm.partition(D)); });
  CHECK(std::string(e.what()) == "dataset '/V' in '" + path + "' has shape [3, 11], expected [11]");

  e = expect_error([&] { (void)io::dataset_shape(file, "/group"); });
  CHECK(std::string(e.what()) == "'/group' in '" + path + "' is not a dataset");

  e = expect_error([&] { (void)io::read_rows_at<double>(file, "/V", comm.partition(D), 2, 2); });
  CHECK_THAT(e.what(), Contains("rows [2, 4) requested"));

  e = expect_error([&] {
    io::write_rows(file, "/W", seigh::dist::scatter_replicated<double>(comm.partition(D), replicated(D, 1, 0.0)),
                   DType::float32);
  });
  CHECK_THAT(e.what(), Contains("read-only") && Contains(path));
  CHECK(e.collective());
}

TEST_CASE("an argument error on one rank only becomes the same error everywhere", "[io][dataset][errors]") {
  const auto& comm = world();
  const std::string path = scratch("one-rank-wrong.h5");
  const Index D = 11;
  File file = File::create(comm, path);
  // The last rank builds its matrix for a communicator one rank larger: a
  // rank-local mistake. Every rank must get the error (nobody waits in the
  // collective write) and the file must stay usable.
  const bool last = comm.rank() == comm.size() - 1;
  const RowPartition part = last ? RowPartition(D, comm.rank(), comm.size() + 1) : comm.partition(D);
  const BlockRowMatrix<double> X(part, 2);
  const auto e = expect_error([&] { (void)io::write_rows(file, "/V", X, DType::float64); });
  CHECK(e.collective());
  CHECK_THAT(e.what(), Contains("row partition is for rank " + std::to_string(comm.size() - 1) + " of " +
                                std::to_string(comm.size() + 1)));
  CHECK_FALSE(io::exists(file, "/V"));
  check_collective(io::write_rows(file, "/V", BlockRowMatrix<double>(comm.partition(D), 2), DType::float64));
}
