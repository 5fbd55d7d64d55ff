// HDF5 datasets at 1, 2 and 3 ranks: the exported file reads back as the
// identical dataset; [N, C, H, W] files keep their sample shape; bad files
// give agreed errors naming the file.
#include <catch2/catch.hpp>
#include <limits>

#include "expect_error.hpp"
#include "mpi_test.hpp"
#include "scratch_dir.hpp"
#include "seigh/data/dataset.hpp"
#include "seigh/data/hdf5_dataset.hpp"
#include "seigh/dist/partition.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

using namespace seigh;
using Catch::Matchers::Contains;

namespace {

/// A file with /x of `shape` (values 0.5 * index), /y given, optional
/// `classes` attribute. Collective.
void write_raw(const std::string& path, const std::vector<Index>& shape, const std::vector<std::int64_t>& y,
               io::DType x_type = io::DType::float32, std::optional<std::int64_t> classes = std::nullopt) {
  const dist::Comm& comm = test::world();
  io::File file = io::File::create(comm, path, io::IfExists::overwrite);
  Index total = 1;
  for (const Index s : shape) total *= s;
  std::vector<float> x(static_cast<std::size_t>(total));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.5f * static_cast<float>(i);
  io::detail::write_replicated(file, "/x", x.data(), io::DType::float32, shape, x_type);
  io::write_replicated(file, "/y", y, io::DType::int64);
  if (classes) io::write_attribute(file, "/", "classes", *classes);
  file.close();
}

}  // namespace

TEST_CASE("write_dataset_file then load_dataset(file:...) gives the identical dataset", "[hdf5_dataset]") {
  const dist::Comm& comm = test::world();
  const data::Dataset d = data::load_dataset(comm, "fmnist16", "test:150", {});
  const std::string path = test::scratch("fmnist16.h5");
  data::write_dataset_file(comm, path, d);

  // The layout a PyTorch user reads.
  {
    const io::File file = io::File::open(comm, path);
    CHECK(io::dataset_shape(file, "/x") == std::vector<Index>{150, 256});
    CHECK(io::dataset_info(file, "/x").type_name == "float32");
    CHECK(io::dataset_info(file, "/y").type_name == "int32");
    CHECK(io::dataset_info(file, "/source_index").type_name == "int64");
    CHECK(io::dataset_info(file, "/source_split").type_name == "int32");
    CHECK(io::read_attribute<std::string>(file, "/", "dataset") == "fmnist16");
    CHECK(io::read_attribute<std::string>(file, "/", "selection") == "test:150");
    CHECK(io::read_attribute<std::string>(file, "/", "split_names") == "test");
    CHECK(io::read_attribute<std::int64_t>(file, "/", "classes") == 10);
    CHECK(io::read_attribute<std::int64_t>(file, "/", "height") == 16);
    CHECK_THAT(io::read_attribute<std::string>(file, "/", "resize_recipe"), Contains("Image.BILINEAR"));
    CHECK(io::read_replicated<std::int64_t>(file, "/source_index") == d.source_index);
    CHECK(io::read_replicated<std::int32_t>(file, "/source_split") == d.source_split);
  }

  for (const bool collective : {true, false}) {
    INFO("collective load: " << collective);
    const data::Dataset back = collective ? data::load_dataset(comm, "file:" + path, "all", {})
                                          : data::load_dataset(path, "all:all", {});
    CHECK(back.name == "file:" + path);
    CHECK(back.selection == "all:all");
    CHECK(back.x == d.x);  // bitwise: float32 both ways
    CHECK(back.y == d.y);
    CHECK(back.classes == 10);
    CHECK(back.sample_shape == d.sample_shape);
    CHECK(back.split_names == std::vector<std::string>{"all"});
    REQUIRE(back.source_index.size() == 150);
    CHECK(back.source_index[149] == 149);
  }

  // A class-balanced subset of the file is the same as of the source splits.
  const data::Dataset sub = data::load_dataset(comm, "file:" + path, "all:20", {});
  CHECK(data::class_counts(sub) == std::vector<Index>(10, 2));
  for (Index j = 0; j < sub.size(); ++j) {
    const Index i = sub.source_index[static_cast<std::size_t>(j)];
    CHECK(sub.x.col(j) == d.x.col(i));
  }
}

TEST_CASE("slices over the ranks cover the dataset once", "[hdf5_dataset]") {
  const dist::Comm& comm = test::world();
  const data::Dataset d = data::load_dataset(comm, "fmnist16", "test:30", {});
  const dist::RowPartition part = comm.partition(d.size());
  const data::Dataset mine = data::slice(d, part.row_offset(), part.row_offset() + part.local_rows());
  CHECK(comm.sum(mine.size()) == d.size());
  double local = mine.x.cast<double>().sum();
  CHECK(comm.sum(local) == Approx(d.x.cast<double>().sum()).epsilon(1e-12));
}

TEST_CASE("an [N, C, H, W] file keeps its sample shape; [N, F] without attributes is (1, 1, F)", "[hdf5_dataset]") {
  const dist::Comm& comm = test::world();
  const std::string nchw = test::scratch("nchw.h5");
  write_raw(nchw, {4, 3, 2, 5}, {0, 2, 1, 2}, io::DType::float32, 5);
  const data::Dataset d = data::load_dataset(comm, nchw, "all", {});
  CHECK(d.sample_shape == std::array<Index, 3>{3, 2, 5});
  CHECK(d.features() == 30);
  CHECK(d.classes == 5);  // the attribute, not max(y) + 1
  CHECK(d.y == std::vector<std::int32_t>{0, 2, 1, 2});
  CHECK(d.x(0, 0) == 0.0f);
  CHECK(d.x(29, 0) == 14.5f);
  CHECK(d.x(0, 1) == 15.0f);  // C order: sample 1 starts at element 30

  const std::string nf = test::scratch("nf.h5");
  write_raw(nf, {3, 7}, {1, 0, 3}, io::DType::float64);
  const data::Dataset e = data::load_dataset(comm, nf, "all", {});
  CHECK(e.sample_shape == std::array<Index, 3>{1, 1, 7});
  CHECK(e.classes == 4);  // max(y) + 1
  CHECK(e.x(6, 2) == 10.0f);
}

TEST_CASE("bad HDF5 datasets: agreed errors naming the file", "[hdf5_dataset]") {
  const dist::Comm& comm = test::world();
  const auto load = [&](const std::string& path) { return data::load_dataset(comm, path, "all", {}); };
  const std::string path = test::scratch("bad.h5");

  SECTION("3-D /x") {
    write_raw(path, {2, 3, 4}, {0, 1});
    const Error e = test::expect_error([&] { load(path); });
    CHECK(e.collective());
    CHECK_THAT(e.what(), Contains("'/x' in '" + path + "' has shape [2, 3, 4], expected [N, F] or [N, C, H, W]"));
  }
  SECTION("label count differs from the sample count") {
    write_raw(path, {3, 2}, {0, 1});
    CHECK_THAT(test::expect_error([&] { load(path); }).what(), Contains("has 2 labels but '/x' has 3 samples"));
  }
  SECTION("negative label") {
    write_raw(path, {3, 2}, {0, -1, 1});
    CHECK_THAT(test::expect_error([&] { load(path); }).what(),
               Contains("label -1 at index 1 of '/y' in '" + path + "' is outside [0, 2)"));
  }
  SECTION("label beyond the classes attribute") {
    write_raw(path, {3, 2}, {0, 4, 1}, io::DType::float32, 3);
    CHECK_THAT(test::expect_error([&] { load(path); }).what(), Contains("label 4 at index 1") && Contains("attribute 'classes'"));
  }
  SECTION("non-finite feature") {
    {
      io::File file = io::File::create(comm, path, io::IfExists::overwrite);
      const std::vector<float> x{0, 1, 2, std::numeric_limits<float>::quiet_NaN(), 4, 5};
      io::detail::write_replicated(file, "/x", x.data(), io::DType::float32, {3, 2}, io::DType::float32);
      io::write_replicated(file, "/y", std::vector<std::int32_t>{0, 1, 0}, io::DType::int32);
      file.close();
    }
    CHECK_THAT(test::expect_error([&] { load(path); }).what(),
               Contains("'/x' in '" + path + "' has a non-finite value (nan) in sample 1, feature 1"));
  }
  SECTION("integer /x") {
    write_raw(path, {3, 2}, {0, 1, 1}, io::DType::int32);
    CHECK_THAT(test::expect_error([&] { load(path); }).what(), Contains("has type int32, expected float32 or float64"));
  }
  SECTION("missing file, and a file without /y") {
    CHECK_THAT(test::expect_error([&] { load(test::scratch("absent.h5")); }).what(), Contains("no such file"));
    {
      io::File file = io::File::create(comm, path, io::IfExists::overwrite);
      io::write_replicated(file, "/x", std::vector<float>{1, 2}, io::DType::float32);
      file.close();
    }
    CHECK_THAT(test::expect_error([&] { load(path); }).what(), Contains("no dataset '/y'"));
  }
  SECTION("a file dataset has the single split 'all'") {
    write_raw(path, {3, 2}, {0, 1, 1});
    CHECK_THAT(test::expect_error([&] { data::load_dataset(comm, path, "train:2", {}); }).what(),
               Contains("unknown split 'train'") && Contains("(splits: all)"));
  }
}
