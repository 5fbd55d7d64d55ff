#pragma once
/// \file
/// Reader of IDX files (the array format of MNIST and Fashion-MNIST),
/// gzip-compressed or plain.
///
/// Layout (big-endian): two zero bytes, a type byte (0x08 = unsigned byte,
/// the only type these data sets use), a byte with the number of dimensions
/// d, then d uint32 sizes, then the values in C order. An images file is
/// [N, rows, cols] (magic 0x00000803), a labels file [N] (magic 0x00000801).
///
/// Files are read through zlib's gzopen/gzread, which also reads an
/// uncompressed file unchanged. Every error names the file: a reader that
/// silently accepts a truncated download would hand the network zeros.

#include <cstdint>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"

namespace seigh::data {

/// An unsigned-byte IDX array: `dims` in file order (C order), `values`
/// holding prod(dims) bytes in C order.
struct IdxArray {
  std::vector<Index> dims;
  std::vector<std::uint8_t> values;
};

/// Read a whole IDX file of unsigned bytes with `expected_dims` dimensions.
///
/// Errors (all "corrupt IDX file 'PATH': ..." unless the file is missing):
/// "no such file: PATH"; a magic number that is not 0x0000 08 d (wrong
/// leading bytes, element type other than unsigned byte, d !=
/// expected_dims); a header shorter than 4 + 4d bytes; fewer values than the
/// header promises ("truncated"); bytes after the last value; gzip stream
/// errors (zlib's message).
IdxArray read_idx(const std::string& path, int expected_dims);

/// A labelled image set read from an images file [N, rows, cols] and a
/// labels file [N]. `pixels` is N images of rows x cols bytes, image-major,
/// each image row-major (the file's order); labels[i] in [0, classes).
struct IdxImages {
  Index count = 0;
  Index rows = 0;
  Index cols = 0;
  std::vector<std::uint8_t> pixels;
  std::vector<std::int32_t> labels;
};

/// Read just the labels file [N] with every label checked to be in
/// [0, classes). Errors: as read_idx; "label L at index i of 'PATH' is
/// outside [0, classes)".
std::vector<std::int32_t> read_idx_labels(const std::string& labels_path, int classes);

/// Read an images file and its labels file, checking that the images are
/// rows x cols (when rows, cols > 0), that both files hold the same number
/// of samples, and that every label is in [0, classes).
/// Errors: as read_idx and read_idx_labels; "images in 'PATH' are 32 x 32,
/// expected 28 x 28"; "'LABELS' has 60000 labels but 'IMAGES' has 59999
/// images".
IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path, int classes,
                          Index rows, Index cols);

}  // namespace seigh::data
