#include "seigh/io/dtype.hpp"

#include "seigh/core/error.hpp"
#include "seigh/io/hdf5_handle.hpp"

namespace seigh::io {

std::string dtype_name(DType type) {
  switch (type) {
    case DType::int8: return "int8";
    case DType::int16: return "int16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::uint16: return "uint16";
    case DType::uint32: return "uint32";
    case DType::uint64: return "uint64";
    case DType::float32: return "float32";
    case DType::float64: return "float64";
  }
  SEIGH_FAIL() << "invalid DType " << static_cast<int>(type);
}

std::size_t dtype_size(DType type) {
  switch (type) {
    case DType::int8:
    case DType::uint8: return 1;
    case DType::int16:
    case DType::uint16: return 2;
    case DType::int32:
    case DType::uint32:
    case DType::float32: return 4;
    case DType::int64:
    case DType::uint64:
    case DType::float64: return 8;
  }
  SEIGH_FAIL() << "invalid DType " << static_cast<int>(type);
}

hid_t hdf5_file_type(DType type) {
  init_hdf5_errors();
  switch (type) {
    case DType::int8: return H5T_STD_I8LE;
    case DType::int16: return H5T_STD_I16LE;
    case DType::int32: return H5T_STD_I32LE;
    case DType::int64: return H5T_STD_I64LE;
    case DType::uint8: return H5T_STD_U8LE;
    case DType::uint16: return H5T_STD_U16LE;
    case DType::uint32: return H5T_STD_U32LE;
    case DType::uint64: return H5T_STD_U64LE;
    case DType::float32: return H5T_IEEE_F32LE;
    case DType::float64: return H5T_IEEE_F64LE;
  }
  SEIGH_FAIL() << "invalid DType " << static_cast<int>(type);
}

hid_t hdf5_memory_type(DType type) {
  init_hdf5_errors();
  switch (type) {
    case DType::int8: return H5T_NATIVE_INT8;
    case DType::int16: return H5T_NATIVE_INT16;
    case DType::int32: return H5T_NATIVE_INT32;
    case DType::int64: return H5T_NATIVE_INT64;
    case DType::uint8: return H5T_NATIVE_UINT8;
    case DType::uint16: return H5T_NATIVE_UINT16;
    case DType::uint32: return H5T_NATIVE_UINT32;
    case DType::uint64: return H5T_NATIVE_UINT64;
    case DType::float32: return H5T_NATIVE_FLOAT;
    case DType::float64: return H5T_NATIVE_DOUBLE;
  }
  SEIGH_FAIL() << "invalid DType " << static_cast<int>(type);
}

std::optional<DType> dtype_from_hdf5(hid_t type) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (cls == H5T_FLOAT) {
    // Only IEEE binary32/binary64 layouts are accepted; exotic precisions
    // (a 16-bit or 80-bit float) have no DType.
    if (size == 4 && H5Tget_precision(type) == 32) return DType::float32;
    if (size == 8 && H5Tget_precision(type) == 64) return DType::float64;
    return std::nullopt;
  }
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    switch (size) {
      case 1: return is_signed ? DType::int8 : DType::uint8;
      case 2: return is_signed ? DType::int16 : DType::uint16;
      case 4: return is_signed ? DType::int32 : DType::uint32;
      case 8: return is_signed ? DType::int64 : DType::uint64;
      default: return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string hdf5_type_name(hid_t type) {
  if (const auto dtype = dtype_from_hdf5(type)) return dtype_name(*dtype);
  switch (H5Tget_class(type)) {
    case H5T_STRING: return "string";
    case H5T_FLOAT: return "float" + std::to_string(8 * H5Tget_size(type));
    case H5T_INTEGER: return "int" + std::to_string(8 * H5Tget_size(type));
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    case H5T_OPAQUE: return "opaque";
    case H5T_ARRAY: return "array";
    case H5T_VLEN: return "vlen";
    case H5T_REFERENCE: return "reference";
    case H5T_BITFIELD: return "bitfield";
    case H5T_TIME: return "time";
    default: H5Eclear2(H5E_DEFAULT); return "unknown";
  }
}

}  // namespace seigh::io
