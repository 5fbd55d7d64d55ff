#include "seigh/data/fashion_mnist.hpp"

#include <filesystem>

#include "seigh/core/error.hpp"

namespace seigh::data {

FashionMnistFiles fashion_mnist_files(const std::string& dir, const std::string& split) {
  // The test split keeps the original MNIST file prefix "t10k".
  std::string prefix;
  if (split == "train") prefix = "train";
  else if (split == "test") prefix = "t10k";
  else SEIGH_FAIL() << "unknown split '" << split << "' of Fashion-MNIST (splits: train, test)";
  const std::filesystem::path base(dir);
  return {(base / (prefix + "-images-idx3-ubyte.gz")).string(), (base / (prefix + "-labels-idx1-ubyte.gz")).string()};
}

void require_fashion_mnist_files(const std::string& dir, const std::string& split) {
  const FashionMnistFiles files = fashion_mnist_files(dir, split);
  for (const std::string& path : {files.images, files.labels}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec)) continue;
    SEIGH_FAIL() << "Fashion-MNIST not found: no file '" << std::filesystem::path(path).filename().string()
                 << "' in '" << dir
                 << "' (install the Debian package: apt-get install dataset-fashion-mnist; or point --data-dir to a "
                    "directory holding the four IDX .gz files)";
  }
}

std::vector<std::int32_t> read_fashion_mnist_labels(const std::string& dir, const std::string& split) {
  require_fashion_mnist_files(dir, split);
  return read_idx_labels(fashion_mnist_files(dir, split).labels, kFashionMnistClasses);
}

IdxImages read_fashion_mnist(const std::string& dir, const std::string& split) {
  require_fashion_mnist_files(dir, split);
  const FashionMnistFiles files = fashion_mnist_files(dir, split);
  return read_idx_images(files.images, files.labels, kFashionMnistClasses, kFashionMnistSide, kFashionMnistSide);
}

}  // namespace seigh::data
