#pragma once
// Small IDX files written with zlib for the reader's tests, in a scratch
// directory of their own (serial tests: no MPI).
#include <stdlib.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace seigh::test {

/// A fresh directory under $TMPDIR (or /tmp), removed on destruction.
class TempDir {
 public:
  TempDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/seigh-data-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return path_ + "/" + name; }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Big-endian IDX header: magic 0x0000 08 d, then the d sizes.
inline std::vector<std::uint8_t> idx_header(const std::vector<std::uint32_t>& dims, std::uint8_t type = 0x08) {
  std::vector<std::uint8_t> bytes{0, 0, type, static_cast<std::uint8_t>(dims.size())};
  for (const std::uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  return bytes;
}

/// Write `bytes` gzip-compressed (gzopen/gzwrite) to `path`.
inline void write_gz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("gzopen failed: " + path);
  if (!bytes.empty() && gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())) != static_cast<int>(bytes.size())) {
    gzclose(file);
    throw std::runtime_error("gzwrite failed: " + path);
  }
  if (gzclose(file) != Z_OK) throw std::runtime_error("gzclose failed: " + path);
}

/// An IDX file: header for `dims` followed by `values`.
inline void write_idx_gz(const std::string& path, const std::vector<std::uint32_t>& dims,
                         const std::vector<std::uint8_t>& values) {
  std::vector<std::uint8_t> bytes = idx_header(dims);
  bytes.insert(bytes.end(), values.begin(), values.end());
  write_gz(path, bytes);
}

}  // namespace seigh::test
