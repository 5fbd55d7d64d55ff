#include "seigh/data/idx.hpp"

#include <zlib.h>

#include <array>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "seigh/core/error.hpp"

namespace seigh::data {

namespace {

/// Bounds the element count a header may promise (2^40 bytes): a corrupt
/// header must give an error, not a failed 10^18-byte allocation.
constexpr Index kMaxValues = Index{1} << 40;

struct GzCloser {
  void operator()(gzFile file) const noexcept { gzclose(file); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

std::string corrupt(const std::string& path) { return "corrupt IDX file '" + path + "': "; }

/// Outcome of reading up to `size` bytes: how many arrived, and zlib's
/// message when the stream broke off (empty at a clean end of file).
struct ReadResult {
  Index bytes = 0;
  std::string gzip_error;
};

/// zlib's message without the "PATH: " it prefixes (the caller names the file).
std::string gzip_message(const char* message, const std::string& path, const char* fallback) {
  std::string text = message != nullptr && *message != '\0' ? message : fallback;
  if (text.rfind(path + ": ", 0) == 0) text.erase(0, path.size() + 2);
  return text;
}

ReadResult read_bytes(gzFile file, const std::string& path, void* buffer, Index size) {
  // gzread takes an unsigned count and returns an int: read in pieces.
  constexpr Index kPiece = Index{1} << 30;
  ReadResult result;
  auto* out = static_cast<unsigned char*>(buffer);
  while (result.bytes < size) {
    const auto want = static_cast<unsigned>(std::min(kPiece, size - result.bytes));
    const int got = gzread(file, out + result.bytes, want);
    int code = Z_OK;
    const char* message = gzerror(file, &code);
    if (got < 0 || (code != Z_OK && code != Z_BUF_ERROR)) {
      SEIGH_FAIL() << corrupt(path) << "gzip: " << gzip_message(message, path, "read error");
    }
    result.bytes += got;
    if (static_cast<unsigned>(got) < want) {
      // End of input. Z_BUF_ERROR means the gzip stream itself was cut off.
      if (code == Z_BUF_ERROR) result.gzip_error = gzip_message(message, path, "unexpected end of file");
      break;
    }
  }
  return result;
}

std::string format_dims(const std::vector<Index>& dims) {
  std::ostringstream text;
  for (std::size_t i = 0; i < dims.size(); ++i) text << (i ? " x " : "") << dims[i];
  return text.str();
}

}  // namespace

IdxArray read_idx(const std::string& path, int expected_dims) {
  SEIGH_REQUIRE(expected_dims >= 1 && expected_dims <= 255) << "read_idx: bad expected_dims " << expected_dims;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) SEIGH_FAIL() << "no such file: " << path;
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file) SEIGH_FAIL() << "cannot open " << path;
  // Larger zlib buffers: the images file inflates to 47 MB.
  gzbuffer(file.get(), 1 << 20);

  std::array<unsigned char, 4> magic{};
  const ReadResult head = read_bytes(file.get(), path, magic.data(), 4);
  if (head.bytes < 4) SEIGH_FAIL() << corrupt(path) << "shorter than the 4-byte IDX magic number";
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08 || magic[3] != expected_dims) {
    char found[16];
    char wanted[16];
    std::snprintf(found, sizeof found, "0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]);
    std::snprintf(wanted, sizeof wanted, "0x000008%02X", static_cast<unsigned>(expected_dims));
    SEIGH_FAIL() << corrupt(path) << "bad magic number " << found << ", expected " << wanted << " (unsigned bytes, "
                 << expected_dims << (expected_dims > 1 ? " dimensions)" : " dimension)");
  }

  std::vector<unsigned char> header(static_cast<std::size_t>(4 * expected_dims));
  const ReadResult sizes = read_bytes(file.get(), path, header.data(), static_cast<Index>(header.size()));
  if (sizes.bytes < static_cast<Index>(header.size())) {
    SEIGH_FAIL() << corrupt(path) << "truncated header: " << expected_dims << " dimension sizes need "
                 << header.size() << " bytes, found " << sizes.bytes;
  }
  IdxArray array;
  Index total = 1;
  for (int d = 0; d < expected_dims; ++d) {
    const unsigned char* b = &header[static_cast<std::size_t>(4 * d)];
    const Index size = (Index{b[0]} << 24) | (Index{b[1]} << 16) | (Index{b[2]} << 8) | Index{b[3]};
    array.dims.push_back(size);
    total = size == 0 ? 0 : (total > kMaxValues / size ? kMaxValues + 1 : total * size);
  }
  if (total > kMaxValues) SEIGH_FAIL() << corrupt(path) << "implausible dimensions " << format_dims(array.dims);

  array.values.resize(static_cast<std::size_t>(total));
  const ReadResult body = read_bytes(file.get(), path, array.values.data(), total);
  if (body.bytes < total) {
    SEIGH_FAIL() << corrupt(path) << "truncated: the header promises " << total << " values ("
                 << format_dims(array.dims) << "), the file holds " << body.bytes
                 << (body.gzip_error.empty() ? "" : " (gzip: " + body.gzip_error + ")");
  }
  unsigned char extra[4096];
  Index trailing = 0;
  for (ReadResult more; (more = read_bytes(file.get(), path, extra, sizeof extra)).bytes > 0;) trailing += more.bytes;
  if (trailing > 0) {
    SEIGH_FAIL() << corrupt(path) << trailing << " bytes after the " << total << " values the header promises ("
                 << format_dims(array.dims) << ")";
  }
  return array;
}

std::vector<std::int32_t> read_idx_labels(const std::string& labels_path, int classes) {
  const IdxArray array = read_idx(labels_path, 1);
  std::vector<std::int32_t> labels(array.values.begin(), array.values.end());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= classes) {
      SEIGH_FAIL() << corrupt(labels_path) << "label " << labels[i] << " at index " << i << " is outside [0, "
                   << classes << ")";
    }
  }
  return labels;
}

IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path, int classes, Index rows,
                          Index cols) {
  IdxImages images;
  images.labels = read_idx_labels(labels_path, classes);
  IdxArray array = read_idx(images_path, 3);
  images.count = array.dims[0];
  images.rows = array.dims[1];
  images.cols = array.dims[2];
  if (rows > 0 && cols > 0 && (images.rows != rows || images.cols != cols)) {
    SEIGH_FAIL() << corrupt(images_path) << "images are " << images.rows << " x " << images.cols << ", expected "
                 << rows << " x " << cols;
  }
  if (static_cast<Index>(images.labels.size()) != images.count) {
    SEIGH_FAIL() << "corrupt IDX files: '" << labels_path << "' has " << images.labels.size() << " labels but '"
                 << images_path << "' has " << images.count << " images";
  }
  images.pixels = std::move(array.values);
  return images;
}

}  // namespace seigh::data
