#pragma once
/// \file
/// RAII handles for HDF5 identifiers and the checked-call helpers that turn
/// a failing HDF5 C call into a seigh::Error carrying the HDF5 error stack.
///
/// The split follows HighFive: a *checked* path that throws (`check_id`,
/// `check_status`, `Handle::close`) and a *nothrow* path used by destructors
/// (`Handle::reset`), which closes and discards any error, because a
/// destructor that throws during unwinding terminates the program.
///
/// Error messages have the shape
///
///     cannot open dataset '/A' in 'x.h5': <innermost HDF5 error description>
///
/// The innermost entry of the HDF5 error stack is the one that names the
/// actual cause ("No such file or directory", "unable to truncate a file
/// which is already open", ...); the outer entries only repeat the API
/// function. HDF5's own automatic printing of the stack to stderr is turned
/// off by init_hdf5_errors(), so a failure is reported once, by seigh.

#include <hdf5.h>

#include <string>
#include <utility>

#include "seigh/core/error.hpp"

namespace seigh::io {

/// Silence HDF5's automatic error-stack printing for the calling thread.
/// Idempotent and cheap; every open/create in seigh::io calls it, so users
/// never need to. (With a thread-safe HDF5 build the setting is per thread,
/// hence per-thread bookkeeping.)
void init_hdf5_errors();

/// The innermost (most specific) description on HDF5's default error stack,
/// with the minor error message appended when it adds information; clears
/// the stack. Returns "unknown HDF5 error" if the stack is empty.
std::string hdf5_error_description();

/// Throw seigh::Error("<context>: <innermost HDF5 error>").
[[noreturn]] void throw_hdf5_error(const std::string& context);

/// Check an identifier returned by an HDF5 call (negative = failure).
/// `context` is a callable returning the message prefix; it is evaluated only
/// on failure, so building the message costs nothing on the success path.
template <class Context>
hid_t check_id(hid_t id, Context&& context) {
  if (id < 0) throw_hdf5_error(std::forward<Context>(context)());
  return id;
}

/// Check an herr_t / htri_t status (negative = failure); returns it, so a
/// tri-state result (htri_t: 0 = false, positive = true) can be used.
template <class Status, class Context>
Status check_status(Status status, Context&& context) {
  if (status < 0) throw_hdf5_error(std::forward<Context>(context)());
  return status;
}

/// A move-only owner of one HDF5 identifier, closed with `Close` (H5Fclose,
/// H5Dclose, ...). One instantiation per identifier kind, so a dataset
/// handle cannot be passed where a dataspace is expected.
///
/// Invariant: `get()` is either H5I_INVALID_HID or an identifier this object
/// owns. Predefined HDF5 types (H5T_NATIVE_FLOAT, ...) must not be adopted:
/// they are library constants and closing them is an error.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() noexcept = default;
  /// Adopt `id` (which must be valid or H5I_INVALID_HID).
  explicit Handle(hid_t id) noexcept : id_(id) {}
  ~Handle() { reset(); }

  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }

  [[nodiscard]] hid_t get() const noexcept { return id_; }
  [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }

  /// Give up ownership without closing.
  [[nodiscard]] hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

  /// Close now, ignoring (and clearing) any error. Never throws.
  void reset() noexcept {
    if (id_ >= 0) {
      if (Close(id_) < 0) H5Eclear2(H5E_DEFAULT);
      id_ = H5I_INVALID_HID;
    }
  }

  /// Close now and throw seigh::Error("<context()>: ...") if HDF5 reports a
  /// failure (for files this is where buffered data reaches the disk, so
  /// the error matters). The handle is empty afterwards either way.
  template <class Context>
  void close(Context&& context) {
    if (id_ < 0) return;
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    check_status(Close(id), std::forward<Context>(context));
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<H5Fclose>;
using GroupHandle = Handle<H5Gclose>;
using DatasetHandle = Handle<H5Dclose>;
using DataspaceHandle = Handle<H5Sclose>;
using DatatypeHandle = Handle<H5Tclose>;
using AttributeHandle = Handle<H5Aclose>;
using PropertyListHandle = Handle<H5Pclose>;
/// Any object opened with H5Oopen (group, dataset or named datatype).
using ObjectHandle = Handle<H5Oclose>;

/// Adopt the identifier returned by an HDF5 call, throwing
/// seigh::Error("<context()>: ...") if it signals failure.
template <class H, class Context>
H adopt(hid_t id, Context&& context) {
  return H(check_id(id, std::forward<Context>(context)));
}

}  // namespace seigh::io
