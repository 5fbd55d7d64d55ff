#pragma once
/// \file
/// Helpers shared by the io sources. Not part of the public API: nothing
/// here agrees on errors across ranks; the public functions that call these
/// wrap them in dist::collective.

#include <hdf5.h>

#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/dtype.hpp"
#include "seigh/io/file.hpp"
#include "seigh/io/hdf5_handle.hpp"

namespace seigh::io::detail {

/// "'/x' in 'FILE'" (path already absolute).
std::string in_file(const File& file, const std::string& path);

/// Throws unless the file is open (and writable if `write`).
void require_usable(const File& file, bool write, const std::string& action);

/// Existence of `path` (absolute), without error agreement.
bool exists_local(const File& file, const std::string& path);

/// H5Oopen of `path` (absolute); "no object '/x' in 'FILE'" if missing.
ObjectHandle open_object_local(const File& file, const std::string& path);

/// H5Dopen2 of `path` (absolute); "no dataset '/x' in 'FILE'" if missing,
/// "'/x' in 'FILE' is not a dataset" if it is something else.
DatasetHandle open_dataset_local(const File& file, const std::string& path);

/// Shape and type of an open dataset.
DatasetInfo dataset_info_local(hid_t dataset);

/// Attributes of an open object, by name; `where` names it in errors.
std::vector<AttributeInfo> list_attributes_local(hid_t object, const std::string& where);

/// One allreduce: whether every rank passed the same `same` values, and the
/// maximum over ranks of each of `maxed`. Collective.
struct Agreement {
  bool same = true;
  std::vector<Index> max;
};
Agreement agree(const dist::Comm& comm, const std::vector<Index>& same, const std::vector<Index>& maxed);

/// Element-wise static_cast of n values between any two DTypes.
void convert(const void* from, DType from_type, void* to, DType to_type, std::size_t n);

}  // namespace seigh::io::detail
