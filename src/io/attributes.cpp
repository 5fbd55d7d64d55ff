#include "seigh/io/attributes.hpp"

#include <charconv>
#include <cstring>
#include <functional>
#include <sstream>

#include "seigh/dist/collective.hpp"
#include "seigh/io/internal.hpp"

namespace seigh::io {

namespace {

/// "attribute 'step' on '/' in 'FILE'".
std::string attribute_where(const File& file, const std::string& object, const std::string& name) {
  return "attribute '" + name + "' on " + detail::in_file(file, object);
}

/// Variable-length string type with `cset` (H5T_CSET_UTF8 for writing, so
/// h5py returns str rather than bytes).
DatatypeHandle variable_string_type(H5T_cset_t cset) {
  auto context = [] { return std::string("cannot build a string datatype"); };
  auto type = adopt<DatatypeHandle>(H5Tcopy(H5T_C_S1), context);
  check_status(H5Tset_size(type.get(), H5T_VARIABLE), context);
  check_status(H5Tset_cset(type.get(), cset), context);
  return type;
}

/// Collective core of the write_attribute overloads: replaces attribute
/// `name` of `object` by a scalar of `file_type` holding *value (of
/// `memory_type`), which the caller has already made equal on all ranks.
void write_scalar(File& file, const std::string& object_in, const std::string& name, hid_t file_type,
                  hid_t memory_type, const void* value) {
  const std::string object = absolute_path(object_in);
  const std::string where = attribute_where(file, object, name);
  // Attribute metadata must be identical on every rank: make sure the ranks
  // at least name the same attribute.
  const auto key = static_cast<Index>(std::hash<std::string>{}(object + '\n' + name) >> 1);
  const detail::Agreement agreed = detail::agree(file.comm(), {key}, {});
  dist::collective(file.comm(), [&] {
    SEIGH_REQUIRE(agreed.same) << "cannot write " << where << ": ranks passed different attribute names";
    detail::require_usable(file, true, "write " + where);
    auto context = [&] { return "cannot write " + where; };
    const ObjectHandle target = detail::open_object_local(file, object);
    if (check_status(H5Aexists(target.get(), name.c_str()), context) > 0) {
      check_status(H5Adelete(target.get(), name.c_str()), context);
    }
    const auto space = adopt<DataspaceHandle>(H5Screate(H5S_SCALAR), context);
    AttributeHandle attribute = adopt<AttributeHandle>(
        H5Acreate2(target.get(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), context);
    check_status(H5Awrite(attribute.get(), memory_type, value), context);
    attribute.close(context);
  });
}

/// An open attribute with its type and shape.
struct OpenAttribute {
  AttributeHandle handle;
  DatatypeHandle type;
  std::vector<Index> shape;
  Index elements = 1;
};

OpenAttribute open_attribute(hid_t object, const std::string& name, const std::string& where) {
  auto context = [&] { return "cannot read " + where; };
  OpenAttribute a;
  a.handle = adopt<AttributeHandle>(H5Aopen(object, name.c_str(), H5P_DEFAULT), context);
  a.type = adopt<DatatypeHandle>(H5Aget_type(a.handle.get()), context);
  const auto space = adopt<DataspaceHandle>(H5Aget_space(a.handle.get()), context);
  const int rank = check_status(H5Sget_simple_extent_ndims(space.get()), context);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check_status(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), context);
  a.shape.assign(dims.begin(), dims.end());
  a.elements = check_status(H5Sget_simple_extent_npoints(space.get()), context);
  return a;
}

/// All values of a string attribute (fixed or variable length).
std::vector<std::string> read_strings(const OpenAttribute& a, const std::string& where) {
  auto context = [&] { return "cannot read " + where; };
  const auto n = static_cast<std::size_t>(a.elements);
  std::vector<std::string> values;
  values.reserve(n);
  if (check_status(H5Tis_variable_str(a.type.get()), context) > 0) {
    const DatatypeHandle memory = variable_string_type(H5Tget_cset(a.type.get()));
    std::vector<char*> pointers(n, nullptr);
    check_status(H5Aread(a.handle.get(), memory.get(), pointers.data()), context);
    for (const char* p : pointers) values.emplace_back(p != nullptr ? p : "");
    // The strings were allocated by HDF5; give them back.
    const auto space = adopt<DataspaceHandle>(H5Aget_space(a.handle.get()), context);
    check_status(H5Dvlen_reclaim(memory.get(), space.get(), H5P_DEFAULT, pointers.data()), context);
  } else {
    const std::size_t size = H5Tget_size(a.type.get());
    const auto memory = adopt<DatatypeHandle>(H5Tcopy(a.type.get()), context);
    std::vector<char> raw(n * size);
    check_status(H5Aread(a.handle.get(), memory.get(), raw.data()), context);
    const bool space_padded = H5Tget_strpad(a.type.get()) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(raw.data() + i * size, size);
      const std::size_t end = space_padded ? s.find_last_not_of(' ') + 1 : s.find('\0');
      if (end != std::string::npos) s.resize(end);
      values.push_back(std::move(s));
    }
  }
  return values;
}

template <class T>
std::vector<T> read_numbers(const OpenAttribute& a, hid_t memory_type, const std::string& where) {
  std::vector<T> values(static_cast<std::size_t>(a.elements));
  check_status(H5Aread(a.handle.get(), memory_type, values.data()), [&] { return "cannot read " + where; });
  return values;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string render_double(double v) {
  std::array<char, 32> text{};
  const auto result = std::to_chars(text.data(), text.data() + text.size(), v);
  return std::string(text.data(), result.ptr);
}

/// Render values as "v" (scalar) or "[v0, v1, ...]".
std::string render_list(const std::vector<std::string>& values, bool scalar) {
  constexpr std::size_t kShown = 16;
  if (scalar && values.size() == 1) return values.front();
  std::string out = "[";
  for (std::size_t i = 0; i < values.size() && i < kShown; ++i) out += (i == 0 ? "" : ", ") + values[i];
  if (values.size() > kShown) out += ", ... (" + std::to_string(values.size()) + " values)";
  return out + "]";
}

/// The attribute's value as text (see AttributeInfo::text).
std::string render(const OpenAttribute& a, const std::string& where) {
  auto context = [&] { return "cannot read " + where; };
  const bool scalar = a.shape.empty();
  std::vector<std::string> values;
  switch (H5Tget_class(a.type.get())) {
    case H5T_STRING:
      for (const std::string& s : read_strings(a, where)) values.push_back(quote(s));
      break;
    case H5T_INTEGER:
      if (H5Tget_sign(a.type.get()) == H5T_SGN_NONE && H5Tget_size(a.type.get()) == 8) {
        for (const auto v : read_numbers<std::uint64_t>(a, H5T_NATIVE_UINT64, where)) values.push_back(std::to_string(v));
      } else {
        for (const auto v : read_numbers<std::int64_t>(a, H5T_NATIVE_INT64, where)) values.push_back(std::to_string(v));
      }
      break;
    case H5T_FLOAT:
      for (const double v : read_numbers<double>(a, H5T_NATIVE_DOUBLE, where)) values.push_back(render_double(v));
      break;
    case H5T_ENUM: {
      // h5py stores bools as an enum {FALSE, TRUE}: show the member names.
      const std::size_t size = H5Tget_size(a.type.get());
      const auto memory = adopt<DatatypeHandle>(H5Tcopy(a.type.get()), context);
      std::vector<unsigned char> raw(static_cast<std::size_t>(a.elements) * size);
      check_status(H5Aread(a.handle.get(), memory.get(), raw.data()), context);
      std::array<char, 256> member{};
      for (Index i = 0; i < a.elements; ++i) {
        if (H5Tenum_nameof(a.type.get(), raw.data() + static_cast<std::size_t>(i) * size, member.data(),
                           member.size()) < 0) {
          H5Eclear2(H5E_DEFAULT);
          values.emplace_back("?");
        } else {
          values.emplace_back(member.data());
        }
      }
      break;
    }
    default: return "<" + hdf5_type_name(a.type.get()) + ">";
  }
  return render_list(values, scalar);
}

/// Open attribute `name` of `object` for a typed scalar read; checks that
/// it exists and holds exactly one value.
OpenAttribute open_scalar(const File& file, const std::string& object, const std::string& name, ObjectHandle& target) {
  const std::string where = attribute_where(file, object, name);
  target = detail::open_object_local(file, object);
  const htri_t found = check_status(H5Aexists(target.get(), name.c_str()), [&] { return "cannot read " + where; });
  SEIGH_REQUIRE(found > 0) << "no attribute '" << name << "' on " << detail::in_file(file, object);
  OpenAttribute a = open_attribute(target.get(), name, where);
  SEIGH_REQUIRE(a.elements == 1) << where << " has shape " << format_shape(a.shape) << ", expected a scalar";
  return a;
}

}  // namespace

// ---------------------------------------------------------------------------

void write_attribute(File& file, const std::string& object, const std::string& name, std::int64_t value) {
  const std::int64_t agreed = file.comm().broadcast_value(value);
  write_scalar(file, object, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &agreed);
}

void write_attribute(File& file, const std::string& object, const std::string& name, double value) {
  const double agreed = file.comm().broadcast_value(value);
  write_scalar(file, object, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &agreed);
}

void write_attribute(File& file, const std::string& object, const std::string& name, const std::string& value) {
  init_hdf5_errors();
  const std::string agreed = file.comm().broadcast_string(value);
  // Variable-length data is passed as a pointer to the string.
  const char* pointer = agreed.c_str();
  const DatatypeHandle type = variable_string_type(H5T_CSET_UTF8);
  write_scalar(file, object, name, type.get(), type.get(), &pointer);
}

void write_attribute(File& file, const std::string& object, const std::string& name, const char* value) {
  write_attribute(file, object, name, std::string(value != nullptr ? value : ""));
}

template <>
std::int64_t read_attribute<std::int64_t>(const File& file, const std::string& object_in, const std::string& name) {
  const std::string object = absolute_path(object_in);
  return dist::collective(file.comm(), [&] {
    const std::string where = attribute_where(file, object, name);
    ObjectHandle target;
    const OpenAttribute a = open_scalar(file, object, name, target);
    SEIGH_REQUIRE(H5Tget_class(a.type.get()) == H5T_INTEGER)
        << where << " has type " << hdf5_type_name(a.type.get()) << ", expected int64";
    return read_numbers<std::int64_t>(a, H5T_NATIVE_INT64, where).front();
  });
}

template <>
double read_attribute<double>(const File& file, const std::string& object_in, const std::string& name) {
  const std::string object = absolute_path(object_in);
  return dist::collective(file.comm(), [&] {
    const std::string where = attribute_where(file, object, name);
    ObjectHandle target;
    const OpenAttribute a = open_scalar(file, object, name, target);
    const H5T_class_t cls = H5Tget_class(a.type.get());
    SEIGH_REQUIRE(cls == H5T_FLOAT || cls == H5T_INTEGER)
        << where << " has type " << hdf5_type_name(a.type.get()) << ", expected float64";
    return read_numbers<double>(a, H5T_NATIVE_DOUBLE, where).front();
  });
}

template <>
std::string read_attribute<std::string>(const File& file, const std::string& object_in, const std::string& name) {
  const std::string object = absolute_path(object_in);
  return dist::collective(file.comm(), [&] {
    const std::string where = attribute_where(file, object, name);
    ObjectHandle target;
    const OpenAttribute a = open_scalar(file, object, name, target);
    SEIGH_REQUIRE(H5Tget_class(a.type.get()) == H5T_STRING)
        << where << " has type " << hdf5_type_name(a.type.get()) << ", expected string";
    return read_strings(a, where).front();
  });
}

bool has_attribute(const File& file, const std::string& object_in, const std::string& name) {
  const std::string object = absolute_path(object_in);
  return dist::collective(file.comm(), [&] {
    detail::require_usable(file, false, "read " + attribute_where(file, object, name));
    if (!detail::exists_local(file, object)) return false;
    const ObjectHandle target = detail::open_object_local(file, object);
    return check_status(H5Aexists(target.get(), name.c_str()),
                        [&] { return "cannot read " + attribute_where(file, object, name); }) > 0;
  });
}

std::vector<AttributeInfo> list_attributes(const File& file, const std::string& object_in) {
  const std::string object = absolute_path(object_in);
  return dist::collective(file.comm(), [&] {
    const ObjectHandle target = detail::open_object_local(file, object);
    return detail::list_attributes_local(target.get(), detail::in_file(file, object));
  });
}

namespace detail {

namespace {
herr_t collect_name(hid_t, const char* name, const H5A_info_t*, void* names) {
  try {
    static_cast<std::vector<std::string>*>(names)->emplace_back(name);
    return 0;
  } catch (...) {
    return -1;  // never let an exception cross HDF5's C frames
  }
}
}  // namespace

std::vector<AttributeInfo> list_attributes_local(hid_t object, const std::string& where) {
  std::vector<std::string> names;
  check_status(H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names),
               [&] { return "cannot list the attributes of " + where; });
  std::vector<AttributeInfo> attributes;
  attributes.reserve(names.size());
  for (const std::string& name : names) {
    const std::string attribute = "attribute '" + name + "' on " + where;
    const OpenAttribute a = open_attribute(object, name, attribute);
    attributes.push_back({name, hdf5_type_name(a.type.get()), a.shape, render(a, attribute)});
  }
  return attributes;
}

}  // namespace detail
}  // namespace seigh::io
