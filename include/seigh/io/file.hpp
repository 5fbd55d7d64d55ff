#pragma once
/// \file
/// Parallel HDF5 files (MPI-IO driver, collective metadata) and atomic
/// output files.
///
/// Every function here is *collective* over the communicator the file was
/// opened with: all ranks call it, in the same order, with the same
/// arguments. Errors are agreed across ranks (dist::collective), so every
/// rank throws the same seigh::Error, marked collective, and the application
/// can exit cleanly instead of aborting (DESIGN.md §3).
///
/// Typical output:
///
///     io::OutputFile out(comm, "eig.h5");        // creates eig.h5.partial
///     io::write_rows(out.file(), "/eigenvectors", V, io::DType::float32);
///     io::write_attribute(out.file(), "/", "method", "seigh");
///     out.commit();                              // eig.h5 appears atomically

#include <hdf5.h>

#include <string>

#include "seigh/dist/comm.hpp"
#include "seigh/io/hdf5_handle.hpp"

namespace seigh::io {

/// Access mode of File::open.
enum class Mode { read_only, read_write };

/// What File::create does when the path already exists.
enum class IfExists { fail, overwrite };

/// An open parallel HDF5 file.
///
/// Opened with the MPI-IO driver (H5Pset_fapl_mpio) and collective metadata
/// reads and writes (H5Pset_all_coll_metadata_ops, H5Pset_coll_metadata_write):
/// rank 0 reads metadata and broadcasts it, instead of every rank hitting the
/// file system, which is what makes opening a file at many ranks cheap. The
/// price is that *every* metadata operation (opening a dataset, reading an
/// attribute, listing) is collective.
///
/// The File holds its own duplicate of the communicator, so it does not
/// depend on the lifetime of the Comm it was opened with.
class File {
 public:
  /// Open an existing file. Collective.
  /// Errors: "no such file: PATH", "not an HDF5 file: PATH",
  /// "cannot open PATH: <HDF5 error>". The file-system checks run on rank 0
  /// and are broadcast, so all ranks agree and the error is collective.
  static File open(const dist::Comm& comm, const std::string& path, Mode mode = Mode::read_only);

  /// Create a file (truncating an existing one only if `if_exists` says
  /// so). Collective. Errors: "cannot create PATH: <reason>" (missing or
  /// non-directory parent, existing file, HDF5/MPI-IO failure).
  static File create(const dist::Comm& comm, const std::string& path, IfExists if_exists = IfExists::fail);

  File(File&&) noexcept = default;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  /// Closes the file if still open, never throwing. Closing an MPI-IO file
  /// is collective, so on a normal scope exit every rank must get here
  /// together. During stack unwinding (an exception is in flight) the
  /// destructor does *not* close: the error may be local to this rank, and a
  /// collective close would then hang the others. The file is left to HDF5,
  /// which closes every open file inside MPI_Finalize (it hooks
  /// MPI_COMM_SELF's delete callback); after MPI_Abort nothing needs closing.
  ~File();

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] Mode mode() const { return mode_; }
  /// The file's own communicator (a duplicate of the one it was opened with).
  [[nodiscard]] const dist::Comm& comm() const { return comm_; }
  [[nodiscard]] hid_t id() const { return handle_.get(); }
  [[nodiscard]] bool is_open() const { return handle_.valid(); }

  /// Flush buffered data and metadata to the file. Collective.
  void flush();

  /// Close now, reporting failure (the last metadata flush happens here).
  /// Collective; a no-op if already closed.
  void close();

 private:
  friend class OutputFile;
  File(const dist::Comm& comm, std::string path, Mode mode);
  /// Close (collectively) or, during unwinding, abandon; never throws.
  void close_quietly() noexcept;

  dist::Comm comm_;
  std::string path_;
  Mode mode_ = Mode::read_only;
  FileHandle handle_;
  int uncaught_at_open_ = 0;  // std::uncaught_exceptions() when opened
};

/// A file written under `PATH.partial` and renamed to PATH only by
/// commit(), so PATH is either absent, the previous complete file, or the new
/// complete file — never half-written (DESIGN.md §4: a killed run must not
/// leave a plausible-looking result).
///
/// The partial file lives in the same directory as PATH, so the rename is a
/// single atomic rename(2) on one file system. A stale PATH.partial from a
/// killed run is overwritten.
///
/// Without commit(): the destructor closes the file and rank 0 removes
/// PATH.partial. After MPI_Abort or a kill nothing runs: PATH.partial stays
/// behind, PATH is untouched.
class OutputFile {
 public:
  /// Create PATH.partial. Collective. Errors: "cannot create PATH.partial: ...".
  OutputFile(const dist::Comm& comm, const std::string& path);

  /// Open an existing PATH.partial read-write: an output written over
  /// several runs (the out-of-core SEIGH writes the eigenvectors first and
  /// the rest when the solve ends; a resumed run continues it). The
  /// returned object keeps PATH.partial if destroyed without commit().
  /// Collective. Errors: "no such file: PATH.partial".
  static OutputFile reopen(const dist::Comm& comm, const std::string& path);

  /// Keep PATH.partial if this object is destroyed without commit() (the
  /// partial output is a restart point). Local.
  void keep_partial() { keep_partial_ = true; }

  /// Close the file without committing and keep PATH.partial for a later
  /// reopen(); the object is inactive afterwards. Collective.
  void close_partial();

  OutputFile(OutputFile&& other) noexcept;
  OutputFile& operator=(OutputFile&&) = delete;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  /// Without commit(): close the file (collective on a normal scope exit,
  /// skipped during unwinding as for File), rank 0 removes PATH.partial, and
  /// on a normal scope exit a barrier, so that on return no rank can still
  /// see PATH.partial. Never throws.
  ~OutputFile();

  /// The file to write into (valid until commit()).
  [[nodiscard]] File& file() { return file_; }
  [[nodiscard]] const File& file() const { return file_; }
  /// Final path.
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Path written until commit(): path() + ".partial".
  [[nodiscard]] const std::string& partial_path() const { return file_.path(); }
  [[nodiscard]] bool committed() const { return committed_; }

  /// Flush and close the file, then rank 0 renames PATH.partial to PATH
  /// (replacing an existing PATH), and all ranks agree on the outcome (this
  /// agreement is the barrier: on return PATH exists for every rank).
  /// Collective. Errors: "cannot rename 'PATH.partial' to 'PATH': ...";
  /// the then complete PATH.partial is kept (and named in the message)
  /// rather than deleted with the result of a long run.
  void commit();

 private:
  OutputFile(std::string path, File file);
  std::string path_;
  File file_;
  bool committed_ = false;
  bool keep_partial_ = false;  // closed completely but the rename failed
  bool active_ = true;         // false once moved from
  int uncaught_at_open_ = 0;
};

}  // namespace seigh::io
