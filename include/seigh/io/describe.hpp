#pragma once
/// \file
/// A structured listing of everything in an HDF5 file — groups, datasets
/// (shape, element type) and their attributes — for `seigh info FILE`
/// (DESIGN.md §4) and for tests that check a file's layout.
///
///     const auto objects = io::describe(file);       // collective
///     if (comm.is_root()) std::cout << io::format_info(file.path(), objects);

#include <string>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/file.hpp"

namespace seigh::io {

/// One group, dataset or named datatype of a file.
struct ObjectInfo {
  enum class Kind { group, dataset, datatype };
  std::string path;  ///< absolute, "/" for the root group
  Kind kind = Kind::group;
  std::vector<Index> shape;  ///< datasets only (C order; empty = scalar)
  std::string type_name;     ///< datasets only: "float32", "int64", "string", ...
  std::vector<AttributeInfo> attributes;  ///< ordered by name
};

/// Every object reachable from the root group by hard links, depth first
/// with members in name order ("/", "/a", "/a/x", "/b", ...), each listed
/// once even if linked under several names. Collective.
std::vector<ObjectInfo> describe(const File& file);

/// Human-readable rendering of describe(), one object per line with its
/// attributes indented below it:
///
///     eig.h5
///     /                group
///         D = 7030
///         method = "seigh"
///     /eigenvalues     dataset  float64  [10]
///     /eigenvectors    dataset  float32  [10, 7030]
///
/// Local (pure formatting).
std::string format_info(const std::string& file_name, const std::vector<ObjectInfo>& objects);

}  // namespace seigh::io
