// The real Fashion-MNIST files (Debian's dataset-fashion-mnist): sizes,
// class counts, pixel range, and pinned values read independently with
// `zcat FILE | od -A d -t u1 -j OFFSET` (offset 16 + 784 i + p for pixel p
// of image i, 8 + i for label i).
#include <catch2/catch.hpp>
#include <filesystem>

#include "expect_error.hpp"
#include "seigh/data/dataset.hpp"

using namespace seigh;
using Catch::Matchers::Contains;

namespace {
const data::LoadOptions kDefault{};

/// Pixel p of the sample with source (split, index); fails if absent.
float pixel(const data::Dataset& d, const std::string& split, Index index, Index p) {
  for (Index j = 0; j < d.size(); ++j) {
    if (d.split_names[static_cast<std::size_t>(d.source_split[static_cast<std::size_t>(j)])] == split &&
        d.source_index[static_cast<std::size_t>(j)] == index)
      return d.x(p, j);
  }
  FAIL("sample not in dataset");
  return -1;
}
}  // namespace

TEST_CASE("fmnist: 60000 train + 10000 test, 6000 / 1000 per class, pixels in [0, 1], pinned values", "[fmnist]") {
  const data::Dataset d = data::load_dataset("fmnist", "train:all,test:all", kDefault);
  CHECK(d.name == "fmnist");
  CHECK(d.selection == "train:all,test:all");
  REQUIRE(d.size() == 70000);
  CHECK(d.features() == 784);
  CHECK(d.sample_shape == std::array<Index, 3>{1, 28, 28});
  CHECK(d.classes == 10);
  CHECK(d.split_names == std::vector<std::string>{"train", "test"});
  std::vector<Index> train(10, 0), test(10, 0);
  for (Index j = 0; j < d.size(); ++j) {
    const auto s = static_cast<std::size_t>(j);
    (d.source_split[s] == 0 ? train : test)[static_cast<std::size_t>(d.y[s])]++;
    CHECK(d.source_index[s] == (j < 60000 ? j : j - 60000));
  }
  CHECK(train == std::vector<Index>(10, 6000));
  CHECK(test == std::vector<Index>(10, 1000));
  CHECK(d.x.minCoeff() == 0.0f);
  CHECK(d.x.maxCoeff() == 1.0f);

  // Labels: train 0..3 = 9 0 0 3, train 59999 = 5, test 0..3 = 9 2 1 1.
  CHECK(std::vector<std::int32_t>(d.y.begin(), d.y.begin() + 4) == std::vector<std::int32_t>{9, 0, 0, 3});
  CHECK(d.y[59999] == 5);
  CHECK(std::vector<std::int32_t>(d.y.begin() + 60000, d.y.begin() + 60004) == std::vector<std::int32_t>{9, 2, 1, 1});
  // Pixels (uint8 / 255 in float32, ToTensor's scaling).
  CHECK(pixel(d, "train", 0, 0) == 0.0f);
  CHECK(pixel(d, "train", 0, 99) == 13.0f / 255.0f);
  CHECK(pixel(d, "train", 0, 100) == 73.0f / 255.0f);
  CHECK(pixel(d, "train", 0, 240) == 233.0f / 255.0f);
  CHECK(pixel(d, "train", 0, 417) == 1.0f);  // 255
  CHECK(pixel(d, "train", 59999, 400) == 129.0f / 255.0f);
  CHECK(pixel(d, "train", 59999, 402) == 34.0f / 255.0f);
  CHECK(pixel(d, "test", 0, 300) == 157.0f / 255.0f);
  CHECK(pixel(d, "test", 0, 301) == 166.0f / 255.0f);
}

TEST_CASE("fmnist16 train:500,test:500: the paper's class-balanced Hessian data", "[fmnist]") {
  const data::Dataset d = data::load_dataset("fmnist16", "train:500,test:500", kDefault);
  const data::Dataset full = data::load_dataset("fmnist16", "train:all", kDefault);
  REQUIRE(d.size() == 1000);
  CHECK(d.features() == 256);
  CHECK(d.sample_shape == std::array<Index, 3>{1, 16, 16});
  CHECK(data::class_counts(d) == std::vector<Index>(10, 100));
  CHECK(d.x.minCoeff() >= 0.0f);
  CHECK(d.x.maxCoeff() <= 1.0f);
  // Train part first, then test; each part ascending, 50 per class, and
  // the first 50 of each class in the split.
  for (Index j = 0; j < 1000; ++j) CHECK(d.source_split[static_cast<std::size_t>(j)] == (j < 500 ? 0 : 1));
  CHECK(std::is_sorted(d.source_index.begin(), d.source_index.begin() + 500));
  CHECK(std::is_sorted(d.source_index.begin() + 500, d.source_index.end()));
  // Train labels 0..3 are 9 0 0 3, so indices 0..3 are all taken.
  CHECK(std::vector<std::int64_t>(d.source_index.begin(), d.source_index.begin() + 4) ==
        std::vector<std::int64_t>{0, 1, 2, 3});
  for (int c = 0; c < 10; ++c) {
    Index taken = 0;
    for (Index i = 0; i < 60000 && taken < 50; ++i) {
      if (full.y[static_cast<std::size_t>(i)] != c) continue;
      const auto it = std::find(d.source_index.begin(), d.source_index.begin() + 500, i);
      INFO("class " << c << " train index " << i);
      REQUIRE(it != d.source_index.begin() + 500);
      const Index j = it - d.source_index.begin();
      CHECK(d.y[static_cast<std::size_t>(j)] == c);
      CHECK(d.x.col(j) == full.x.col(i));  // same features as in the full split
      ++taken;
    }
  }
}

TEST_CASE("slice: contiguous samples with their bookkeeping", "[fmnist]") {
  const data::Dataset d = data::load_dataset("fmnist16", "test:100", kDefault);
  const data::Dataset s = data::slice(d, 30, 47);
  CHECK(s.size() == 17);
  CHECK(s.x == d.x.middleCols(30, 17));
  CHECK(s.y == std::vector<std::int32_t>(d.y.begin() + 30, d.y.begin() + 47));
  CHECK(s.source_index == std::vector<std::int64_t>(d.source_index.begin() + 30, d.source_index.begin() + 47));
  CHECK(s.source_split == std::vector<std::int32_t>(d.source_split.begin() + 30, d.source_split.begin() + 47));
  CHECK(s.split_names == d.split_names);
  CHECK(s.name == d.name);
  CHECK(s.selection == d.selection);
  CHECK(s.sample_shape == d.sample_shape);
  CHECK(data::slice(d, 100, 100).size() == 0);
  CHECK_THAT(test::expect_error([&] { data::slice(d, 50, 101); }).what(), Contains("slice [50, 101)"));
}

TEST_CASE("parse_dataset_spec: names, file: and .h5 paths made absolute", "[fmnist]") {
  CHECK(data::parse_dataset_spec("fmnist16").canonical == "fmnist16");
  CHECK(data::parse_dataset_spec("fmnist").kind == data::DatasetSpec::Kind::fmnist);
  const auto rel = data::parse_dataset_spec("sub/../d.h5");
  CHECK(rel.kind == data::DatasetSpec::Kind::file);
  CHECK(rel.path == (std::filesystem::current_path() / "d.h5").string());
  CHECK(rel.canonical == "file:" + rel.path);
  CHECK(data::parse_dataset_spec("file:/a/b.data").path == "/a/b.data");
  CHECK(data::split_names(rel) == std::vector<std::string>{"all"});
  CHECK_THAT(test::expect_error([] { data::parse_dataset_spec("file:"); }).what(), Contains("names no file"));
}

TEST_CASE("load_dataset: bad specs and selections", "[fmnist]") {
  CHECK_THAT(test::expect_error([] { data::load_dataset("mnist", "train:10", kDefault); }).what(),
             Contains("unknown dataset 'mnist'"));
  CHECK_THAT(test::expect_error([] { data::load_dataset("fmnist16", "val:10", kDefault); }).what(),
             Contains("unknown split 'val' of dataset fmnist16 (splits: train, test)"));
  CHECK_THAT(test::expect_error([] { data::load_dataset("fmnist16", "test:20000", kDefault); }).what(),
             Contains("subset size 20000 exceeds the 10000 samples of split 'test' of fmnist16"));
  CHECK_THAT(test::expect_error([] { data::load_dataset("fmnist16", "test:505", kDefault); }).what(),
             Contains("not a multiple of the 10 classes"));
  CHECK_THAT(test::expect_error([] { data::load_dataset("fmnist", "train:0", kDefault); }).what(),
             Contains("empty subset"));
  CHECK_THAT(test::expect_error([] { data::load_dataset("fmnist", "train:10", data::LoadOptions{"/nonexistent/dir"}); }).what(),
             Contains("'/nonexistent/dir'") && Contains("apt-get install dataset-fashion-mnist"));
}
