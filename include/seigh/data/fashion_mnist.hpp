#pragma once
/// \file
/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) as Debian's
/// `dataset-fashion-mnist` package installs it: four gzip'd IDX files in
/// /usr/share/datasets/fashion-mnist (or any directory holding them).
///
///   split  images file                   labels file                  N
///   train  train-images-idx3-ubyte.gz    train-labels-idx1-ubyte.gz   60000
///   test   t10k-images-idx3-ubyte.gz     t10k-labels-idx1-ubyte.gz    10000
///
/// Images are 28 x 28 unsigned bytes (0 = background), labels 0..9.

#include <string>

#include "seigh/data/idx.hpp"

namespace seigh::data {

/// Where the Debian package puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;
inline constexpr Index kFashionMnistSide = 28;

/// File names of a split ("train" or "test").
struct FashionMnistFiles {
  std::string images;
  std::string labels;
};

/// Paths of `split`'s files in `dir`. Errors: "unknown split 'val' of
/// Fashion-MNIST (splits: train, test)".
FashionMnistFiles fashion_mnist_files(const std::string& dir, const std::string& split);

/// Check that both files of `split` exist in `dir`. Errors: "Fashion-MNIST
/// not found: no file 'train-images-idx3-ubyte.gz' in 'DIR' (install the
/// Debian package: apt-get install dataset-fashion-mnist; or point
/// --data-dir to a directory holding the four IDX .gz files)".
void require_fashion_mnist_files(const std::string& dir, const std::string& split);

/// Labels of `split` (checked to be in 0..9). Reads only the labels file.
std::vector<std::int32_t> read_fashion_mnist_labels(const std::string& dir, const std::string& split);

/// Images and labels of `split`, checked: 28 x 28 images, as many labels as
/// images, labels in 0..9 (see read_idx_images for the errors).
IdxImages read_fashion_mnist(const std::string& dir, const std::string& split);

}  // namespace seigh::data
