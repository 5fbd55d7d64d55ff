#include "seigh/io/file.hpp"

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <system_error>
#include <utility>

#include "seigh/dist/collective.hpp"

namespace seigh::io {

namespace fs = std::filesystem;

namespace {

/// File access properties shared by open and create: MPI-IO over `comm`,
/// collective metadata reads and writes.
PropertyListHandle parallel_access(const dist::Comm& comm, const std::string& what) {
  auto context = [&] { return what + ": cannot set up MPI-IO file access"; };
  auto fapl = adopt<PropertyListHandle>(H5Pcreate(H5P_FILE_ACCESS), context);
  check_status(H5Pset_fapl_mpio(fapl.get(), comm.raw(), MPI_INFO_NULL), context);
  check_status(H5Pset_all_coll_metadata_ops(fapl.get(), true), context);
  check_status(H5Pset_coll_metadata_write(fapl.get(), true), context);
  return fapl;
}

/// Rank-0 checks before opening: turn the common mistakes into plain
/// messages instead of a deep HDF5/MPI-IO stack.
void check_openable(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) SEIGH_FAIL() << "no such file: " << path;
  if (ec) SEIGH_FAIL() << "cannot open " << path << ": " << ec.message();
  if (fs::is_directory(status)) SEIGH_FAIL() << "not an HDF5 file: " << path << " (it is a directory)";
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) throw_hdf5_error("cannot open " + path);
  if (is_hdf5 == 0) SEIGH_FAIL() << "not an HDF5 file: " << path;
}

/// Rank-0 checks before creating.
void check_creatable(const std::string& path, IfExists if_exists) {
  const fs::path target(path);
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  const fs::file_status parent_status = fs::status(parent, ec);
  if (parent_status.type() == fs::file_type::not_found) {
    SEIGH_FAIL() << "cannot create " << path << ": directory '" << parent.string() << "' does not exist";
  }
  if (ec) SEIGH_FAIL() << "cannot create " << path << ": " << ec.message();
  if (!fs::is_directory(parent_status)) {
    SEIGH_FAIL() << "cannot create " << path << ": '" << parent.string() << "' is not a directory";
  }
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    SEIGH_FAIL() << "cannot create " << path << ": directory '" << parent.string() << "' is not writable";
  }
  const fs::file_status status = fs::status(target, ec);
  if (fs::is_directory(status)) SEIGH_FAIL() << "cannot create " << path << ": it is a directory";
  if (fs::exists(status) && if_exists == IfExists::fail) SEIGH_FAIL() << "cannot create " << path << ": file exists";
}

}  // namespace

File::File(const dist::Comm& comm, std::string path, Mode mode)
    : comm_(comm.raw()), path_(std::move(path)), mode_(mode), uncaught_at_open_(std::uncaught_exceptions()) {}

File File::open(const dist::Comm& comm, const std::string& path, Mode mode) {
  init_hdf5_errors();
  File file(comm, path, mode);
  const dist::Comm& c = file.comm_;
  // File-system facts are the same for every rank; asking once (rank 0) keeps
  // thousands of ranks off the metadata server and makes the verdict
  // identical everywhere by construction.
  dist::collective(c, [&] {
    if (c.is_root()) check_openable(path);
  });
  // If H5Fopen failed on some ranks only, the ranks where it succeeded keep a
  // leaked identifier: closing it would be collective and hang. The checks
  // above make that case practically unreachable.
  hid_t id = H5I_INVALID_HID;
  dist::collective(c, [&] {
    init_hdf5_errors();
    auto fapl = parallel_access(c, "cannot open " + path);
    const unsigned flags = mode == Mode::read_write ? H5F_ACC_RDWR : H5F_ACC_RDONLY;
    id = check_id(H5Fopen(path.c_str(), flags, fapl.get()), [&] { return "cannot open " + path; });
  });
  file.handle_ = FileHandle(id);
  return file;
}

File File::create(const dist::Comm& comm, const std::string& path, IfExists if_exists) {
  init_hdf5_errors();
  File file(comm, path, Mode::read_write);
  const dist::Comm& c = file.comm_;
  dist::collective(c, [&] {
    if (c.is_root()) check_creatable(path, if_exists);
  });
  hid_t id = H5I_INVALID_HID;
  dist::collective(c, [&] {
    init_hdf5_errors();
    auto fapl = parallel_access(c, "cannot create " + path);
    const unsigned flags = if_exists == IfExists::overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL;
    id = check_id(H5Fcreate(path.c_str(), flags, H5P_DEFAULT, fapl.get()), [&] { return "cannot create " + path; });
  });
  file.handle_ = FileHandle(id);
  return file;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    close_quietly();
    comm_ = std::move(other.comm_);
    path_ = std::move(other.path_);
    mode_ = other.mode_;
    handle_ = std::move(other.handle_);
    uncaught_at_open_ = other.uncaught_at_open_;
  }
  return *this;
}

File::~File() { close_quietly(); }

void File::close_quietly() noexcept {
  if (!handle_.valid()) return;
  if (std::uncaught_exceptions() > uncaught_at_open_) {
    // Unwinding: possibly a rank-local error, so no collective close (see
    // the class comment). HDF5 closes the file inside MPI_Finalize.
    (void)handle_.release();
    return;
  }
  handle_.reset();
}

void File::flush() {
  SEIGH_REQUIRE(is_open()) << "cannot flush " << path_ << ": file is closed";
  dist::collective(comm_, [&] {
    check_status(H5Fflush(handle_.get(), H5F_SCOPE_GLOBAL), [&] { return "cannot flush " + path_; });
  });
}

void File::close() {
  if (!is_open()) return;
  dist::collective(comm_, [&] { handle_.close([&] { return "cannot close " + path_; }); });
}

// ---------------------------------------------------------------------------

OutputFile::OutputFile(const dist::Comm& comm, const std::string& path)
    : path_(path),
      file_([&] {
        // Fail now, not after hours of computing, if the final name can never
        // be renamed into.
        dist::collective(comm, [&] {
          if (!comm.is_root()) return;
          std::error_code ec;
          if (fs::is_directory(fs::status(path, ec))) {
            SEIGH_FAIL() << "cannot create " << path << ": it is a directory";
          }
        });
        return File::create(comm, path + ".partial", IfExists::overwrite);
      }()),
      uncaught_at_open_(std::uncaught_exceptions()) {}

OutputFile::OutputFile(std::string path, File file)
    : path_(std::move(path)), file_(std::move(file)), keep_partial_(true), uncaught_at_open_(std::uncaught_exceptions()) {}

OutputFile OutputFile::reopen(const dist::Comm& comm, const std::string& path) {
  return OutputFile(path, File::open(comm, path + ".partial", Mode::read_write));
}

void OutputFile::close_partial() {
  SEIGH_REQUIRE(active_ && !committed_) << "OutputFile " << path_ << ": close_partial() after commit()";
  file_.close();
  keep_partial_ = true;
  active_ = false;
}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::move(other.file_)),
      committed_(other.committed_),
      keep_partial_(other.keep_partial_),
      active_(std::exchange(other.active_, false)),
      uncaught_at_open_(other.uncaught_at_open_) {}

OutputFile::~OutputFile() {
  if (!active_ || committed_) return;
  const bool unwinding = std::uncaught_exceptions() > uncaught_at_open_;
  file_.close_quietly();  // collective unless unwinding (then abandoned)
  if (file_.comm().is_root() && !keep_partial_) {
    std::error_code ec;
    fs::remove(file_.path(), ec);  // nothing sensible to do on failure here
  }
  // Removal happened on rank 0 only; the barrier makes it visible to every
  // rank's next step. Skipped while unwinding for the same reason as the
  // close.
  if (!unwinding) MPI_Barrier(file_.comm().raw());
}

void OutputFile::commit() {
  SEIGH_REQUIRE(active_ && !committed_) << "OutputFile " << path_ << ": commit() called twice";
  file_.close();  // flushes; collective and agreed
  // From here on the partial file is complete: if the rename fails, keep it
  // and say where the data is rather than delete the result of a long run.
  keep_partial_ = true;
  const dist::Comm& comm = file_.comm();
  dist::collective(comm, [&] {
    if (!comm.is_root()) return;
    std::error_code ec;
    fs::rename(file_.path(), path_, ec);
    if (ec) {
      SEIGH_FAIL() << "cannot rename '" << file_.path() << "' to '" << path_ << "': " << ec.message()
                   << " (the complete output is in '" << file_.path() << "')";
    }
  });
  committed_ = true;
}

}  // namespace seigh::io
