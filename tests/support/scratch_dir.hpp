#pragma once
// A fresh scratch directory per test executable run, under $TMPDIR (or
// /tmp), created by rank 0 and broadcast so every rank uses the same names;
// removed by rank 0 when the executable exits.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "mpi_test.hpp"

namespace seigh::test {

class ScratchDir {
 public:
  explicit ScratchDir(const dist::Comm& comm) : root_(comm.is_root()) {
    std::string made;
    if (root_) {
      const char* tmp = std::getenv("TMPDIR");
      const std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/seigh-test-XXXXXX";
      std::vector<char> buffer(pattern.begin(), pattern.end());
      buffer.push_back('\0');
      if (::mkdtemp(buffer.data()) != nullptr) made = buffer.data();
    }
    path_ = comm.broadcast_string(made);
  }
  ~ScratchDir() {
    if (root_ && !path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  bool root_;
  std::string path_;
};

/// The run's scratch directory (empty if it could not be created).
inline const std::string& scratch_dir() {
  static const ScratchDir dir(world());
  return dir.path();
}

/// A path for file `name` in the scratch directory.
inline std::string scratch(const std::string& name) { return scratch_dir() + "/" + name; }

}  // namespace seigh::test
