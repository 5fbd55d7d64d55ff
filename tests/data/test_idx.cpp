// IDX reader on small gzip'd files the test writes itself with zlib: valid
// files, and every kind of damage giving an error that names the file.
#include <catch2/catch.hpp>
#include <fstream>

#include "expect_error.hpp"
#include "idx_fixture.hpp"
#include "seigh/data/fashion_mnist.hpp"
#include "seigh/data/idx.hpp"

using namespace seigh;
using Catch::Matchers::Contains;

namespace {

/// n images of rows x cols with pixel (i, r, c) = (i*31 + r*7 + c) mod 256,
/// so every byte's position is checkable.
std::vector<std::uint8_t> pattern(Index n, Index rows, Index cols) {
  std::vector<std::uint8_t> v;
  for (Index i = 0; i < n; ++i)
    for (Index r = 0; r < rows; ++r)
      for (Index c = 0; c < cols; ++c) v.push_back(static_cast<std::uint8_t>((i * 31 + r * 7 + c) % 256));
  return v;
}

}  // namespace

TEST_CASE("read_idx reads a valid gzip'd images file and labels file", "[idx]") {
  test::TempDir dir;
  const auto pixels = pattern(5, 3, 4);
  test::write_idx_gz(dir.file("img.gz"), {5, 3, 4}, pixels);
  test::write_idx_gz(dir.file("lab.gz"), {5}, {0, 2, 1, 2, 0});

  const data::IdxArray array = data::read_idx(dir.file("img.gz"), 3);
  CHECK(array.dims == std::vector<Index>{5, 3, 4});
  CHECK(array.values == pixels);

  const data::IdxImages images = data::read_idx_images(dir.file("img.gz"), dir.file("lab.gz"), 3, 3, 4);
  CHECK(images.count == 5);
  CHECK(images.rows == 3);
  CHECK(images.cols == 4);
  CHECK(images.pixels == pixels);
  CHECK(images.labels == std::vector<std::int32_t>{0, 2, 1, 2, 0});
}

TEST_CASE("read_idx also reads an uncompressed file (zlib passes it through)", "[idx]") {
  test::TempDir dir;
  std::vector<std::uint8_t> bytes = test::idx_header({4});
  for (std::uint8_t v : {7, 8, 9, 250}) bytes.push_back(v);
  std::ofstream(dir.file("plain"), std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                            static_cast<std::streamsize>(bytes.size()));
  CHECK(data::read_idx(dir.file("plain"), 1).values == std::vector<std::uint8_t>{7, 8, 9, 250});
}

TEST_CASE("read_idx rejects damaged files, naming them", "[idx]") {
  test::TempDir dir;
  const std::string path = dir.file("bad.gz");

  SECTION("missing file") {
    const Error e = test::expect_error([&] { data::read_idx(dir.file("absent.gz"), 3); });
    CHECK_THAT(e.what(), Contains("no such file") && Contains("absent.gz"));
  }
  SECTION("bad magic: not an IDX file at all") {
    test::write_gz(path, {'P', 'K', 3, 4, 0, 0, 0, 1, 0});
    const Error e = test::expect_error([&] { data::read_idx(path, 1); });
    CHECK_THAT(e.what(), Contains("corrupt IDX file '" + path + "'") && Contains("bad magic number 0x504B0304") &&
                             Contains("expected 0x00000801"));
  }
  SECTION("bad magic: element type is not unsigned byte") {
    std::vector<std::uint8_t> bytes = test::idx_header({2}, 0x0D);
    bytes.resize(bytes.size() + 8, 0);
    test::write_gz(path, bytes);
    const Error e = test::expect_error([&] { data::read_idx(path, 1); });
    CHECK_THAT(e.what(), Contains("bad magic number 0x00000D01"));
  }
  SECTION("bad magic: labels file where images are expected (wrong dimension count)") {
    test::write_idx_gz(path, {3}, {1, 2, 3});
    const Error e = test::expect_error([&] { data::read_idx(path, 3); });
    CHECK_THAT(e.what(), Contains("bad magic number 0x00000801") && Contains("expected 0x00000803"));
  }
  SECTION("shorter than the magic number") {
    test::write_gz(path, {0, 0});
    CHECK_THAT(test::expect_error([&] { data::read_idx(path, 1); }).what(),
               Contains(path) && Contains("shorter than the 4-byte IDX magic"));
  }
  SECTION("truncated header") {
    std::vector<std::uint8_t> bytes = test::idx_header({5, 3, 4});
    bytes.resize(9);
    test::write_gz(path, bytes);
    CHECK_THAT(test::expect_error([&] { data::read_idx(path, 3); }).what(),
               Contains(path) && Contains("truncated header"));
  }
  SECTION("truncated values (complete gzip stream, too few bytes)") {
    auto pixels = pattern(5, 3, 4);
    pixels.resize(pixels.size() - 1);
    test::write_idx_gz(path, {5, 3, 4}, pixels);
    CHECK_THAT(test::expect_error([&] { data::read_idx(path, 3); }).what(),
               Contains(path) && Contains("truncated: the header promises 60 values (5 x 3 x 4), the file holds 59"));
  }
  SECTION("truncated gzip stream (a cut-off download)") {
    const std::string whole = dir.file("whole.gz");
    // Incompressible-ish content so the cut lands inside the data.
    std::vector<std::uint8_t> values(5000);
    std::uint32_t state = 12345;
    for (auto& v : values) v = static_cast<std::uint8_t>((state = state * 1103515245u + 12345u) >> 24);
    test::write_idx_gz(whole, {5000}, values);
    std::ifstream in(whole, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
    const Error e = test::expect_error([&] { data::read_idx(path, 1); });
    INFO(e.what());
    CHECK_THAT(e.what(), Contains("corrupt IDX file '" + path + "'") && Contains("truncated") &&
                             Contains("unexpected end of file"));
  }
  SECTION("bytes after the promised values") {
    test::write_idx_gz(path, {3}, {1, 2, 3, 4});
    CHECK_THAT(test::expect_error([&] { data::read_idx(path, 1); }).what(),
               Contains(path) && Contains("1 bytes after the 3 values"));
  }
  SECTION("corrupt gzip data") {
    std::vector<std::uint8_t> bytes{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};  // gzip header
    for (int i = 0; i < 64; ++i) bytes.push_back(0xff);                  // not a deflate stream
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    const Error e = test::expect_error([&] { data::read_idx(path, 1); });
    INFO(e.what());
    CHECK_THAT(e.what(), Contains("corrupt IDX file '" + path + "'") && Contains("gzip"));
  }
}

TEST_CASE("read_idx_images checks the pair of files against each other", "[idx]") {
  test::TempDir dir;
  test::write_idx_gz(dir.file("img.gz"), {5, 3, 4}, pattern(5, 3, 4));

  SECTION("label/image count mismatch names both files") {
    test::write_idx_gz(dir.file("lab.gz"), {4}, {0, 1, 2, 0});
    CHECK_THAT(test::expect_error([&] { data::read_idx_images(dir.file("img.gz"), dir.file("lab.gz"), 3, 3, 4); }).what(),
               Contains("'" + dir.file("lab.gz") + "' has 4 labels but '" + dir.file("img.gz") + "' has 5 images"));
  }
  SECTION("label out of range") {
    test::write_idx_gz(dir.file("lab.gz"), {5}, {0, 1, 2, 3, 0});
    CHECK_THAT(test::expect_error([&] { data::read_idx_images(dir.file("img.gz"), dir.file("lab.gz"), 3, 3, 4); }).what(),
               Contains(dir.file("lab.gz")) && Contains("label 3 at index 3 is outside [0, 3)"));
  }
  SECTION("wrong image size") {
    test::write_idx_gz(dir.file("lab.gz"), {5}, {0, 1, 2, 2, 0});
    CHECK_THAT(test::expect_error([&] { data::read_idx_images(dir.file("img.gz"), dir.file("lab.gz"), 3, 28, 28); }).what(),
               Contains(dir.file("img.gz")) && Contains("images are 3 x 4, expected 28 x 28"));
  }
}

TEST_CASE("Fashion-MNIST files missing: the error names the directory, the package and --data-dir", "[idx]") {
  test::TempDir dir;
  const Error e = test::expect_error([&] { data::read_fashion_mnist_labels(dir.path(), "train"); });
  CHECK_THAT(e.what(), Contains("'" + dir.path() + "'") && Contains("train-images-idx3-ubyte.gz") &&
                           Contains("apt-get install dataset-fashion-mnist") && Contains("--data-dir"));
  CHECK_THAT(test::expect_error([&] { data::fashion_mnist_files(dir.path(), "val"); }).what(),
             Contains("unknown split 'val'"));
}
