#pragma once
/// \file
/// Element types of datasets and attributes, and their HDF5 counterparts.
///
/// `DType` names the on-disk element type a caller chooses ("float32 for
/// eigenvectors, float64 for eigenvalues", DESIGN.md §4). Files are always
/// written little-endian IEEE / two's complement, which is what h5py and
/// NumPy expect ('<f4', '<f8', '<i8').

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

namespace seigh::io {

/// Numeric element types seigh reads and writes.
enum class DType { int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64 };

/// "float32", "int64", ... (NumPy's names).
std::string dtype_name(DType type);

/// Size of one element in bytes.
std::size_t dtype_size(DType type);

/// The DType of a C++ arithmetic type (compile-time).
template <class T>
constexpr DType dtype_of() {
  using U = std::remove_cv_t<T>;
  if constexpr (std::is_same_v<U, float>) return DType::float32;
  else if constexpr (std::is_same_v<U, double>) return DType::float64;
  else if constexpr (std::is_same_v<U, std::int8_t>) return DType::int8;
  else if constexpr (std::is_same_v<U, std::int16_t>) return DType::int16;
  else if constexpr (std::is_same_v<U, std::int32_t>) return DType::int32;
  else if constexpr (std::is_same_v<U, std::int64_t>) return DType::int64;
  else if constexpr (std::is_same_v<U, std::uint8_t>) return DType::uint8;
  else if constexpr (std::is_same_v<U, std::uint16_t>) return DType::uint16;
  else if constexpr (std::is_same_v<U, std::uint32_t>) return DType::uint32;
  else if constexpr (std::is_same_v<U, std::uint64_t>) return DType::uint64;
  else static_assert(sizeof(T) == 0, "no seigh::io::DType for this type");
}

/// Little-endian file type (H5T_IEEE_F32LE, H5T_STD_I64LE, ...): a library
/// constant, never to be closed.
hid_t hdf5_file_type(DType type);

/// Native memory type (H5T_NATIVE_FLOAT, ...): a library constant.
hid_t hdf5_memory_type(DType type);

/// The DType whose values an HDF5 numeric type holds (class, size and sign;
/// byte order ignored, HDF5 swaps on read), or nullopt for strings, compounds
/// and other non-numeric types.
std::optional<DType> dtype_from_hdf5(hid_t type);

/// Name of any HDF5 type for listings: a DType name, "string" (fixed or
/// variable length), or "compound", "enum", "opaque", ... for the rest.
std::string hdf5_type_name(hid_t type);

}  // namespace seigh::io
