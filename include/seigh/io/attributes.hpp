#pragma once
/// \file
/// Attributes on groups and datasets: scalar int64, float64 and strings,
/// written so h5py reads them as Python int, float and str (strings are
/// variable-length UTF-8), and a listing of all attributes of an object.
///
/// `object` is an absolute path: "/" for the file's root group,
/// "/eigenvectors" for a dataset. Every function is *collective* over the
/// file's communicator, with errors agreed across ranks. Attribute values
/// live in HDF5's metadata, which every rank caches, so all ranks must write
/// the same value: the write functions take rank 0's value (broadcast) and
/// ignore the others'.

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "seigh/core/types.hpp"
#include "seigh/io/file.hpp"

namespace seigh::io {

/// One attribute as listed by list_attributes / describe.
struct AttributeInfo {
  std::string name;
  std::string type_name;     ///< "int64", "float64", "string", ...
  std::vector<Index> shape;  ///< empty for a scalar
  /// The value rendered as text: numbers in shortest round-trip form,
  /// strings in double quotes, arrays as "[1, 2, 3]" (long arrays end in
  /// "... (N values)"), other types as "<compound>" etc.
  std::string text;
};

/// Write (or replace) a scalar attribute. Collective; rank 0's value.
void write_attribute(File& file, const std::string& object, const std::string& name, std::int64_t value);
void write_attribute(File& file, const std::string& object, const std::string& name, double value);
/// Variable-length UTF-8 string (h5py: str).
void write_attribute(File& file, const std::string& object, const std::string& name, const std::string& value);
void write_attribute(File& file, const std::string& object, const std::string& name, const char* value);

/// Any other integer type is stored as int64 (so `write_attribute(f, "/",
/// "k", 10)` is not ambiguous between int64 and double).
template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, std::int64_t>)
void write_attribute(File& file, const std::string& object, const std::string& name, T value) {
  write_attribute(file, object, name, static_cast<std::int64_t>(value));
}

/// Read a scalar attribute as T = std::int64_t (integer attributes),
/// double (float or integer attributes) or std::string (string attributes).
/// Errors: "no object '/x' in 'FILE'", "no attribute 'step' on '/' in
/// 'FILE'", "attribute 'step' on '/' in 'FILE' has type string, expected
/// int64", "... has shape [3], expected a scalar". Collective.
template <class T>
T read_attribute(const File& file, const std::string& object, const std::string& name) {
  static_assert(sizeof(T) == 0, "read_attribute<T>: T must be std::int64_t, double or std::string");
}
template <>
std::int64_t read_attribute<std::int64_t>(const File& file, const std::string& object, const std::string& name);
template <>
double read_attribute<double>(const File& file, const std::string& object, const std::string& name);
template <>
std::string read_attribute<std::string>(const File& file, const std::string& object, const std::string& name);

/// True if `object` exists and has attribute `name`. Collective.
bool has_attribute(const File& file, const std::string& object, const std::string& name);

/// read_attribute<T>(file, object, name) if the attribute exists, else
/// `fallback`: for attributes that older files lack. Collective.
template <class T>
T read_attribute_or(const File& file, const std::string& object, const std::string& name, T fallback) {
  return has_attribute(file, object, name) ? read_attribute<T>(file, object, name) : std::move(fallback);
}

/// All attributes of `object`, ordered by name. Collective.
std::vector<AttributeInfo> list_attributes(const File& file, const std::string& object);

}  // namespace seigh::io
