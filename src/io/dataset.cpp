#include "seigh/io/dataset.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <sstream>
#include <type_traits>

#include "seigh/dist/collective.hpp"
#include "seigh/io/internal.hpp"

namespace seigh::io {

// ---------------------------------------------------------------------------
// Small public helpers.

bool TransferReport::collective() const {
  const auto collective_bits = static_cast<unsigned>(H5D_MPIO_CHUNK_COLLECTIVE) |
                               static_cast<unsigned>(H5D_MPIO_CONTIGUOUS_COLLECTIVE);
  return transfers > 0 && (static_cast<unsigned>(io_mode) & collective_bits) != 0;
}

std::string TransferReport::describe() const {
  if (transfers == 0) return "no transfer";
  std::string text;
  switch (io_mode) {
    case H5D_MPIO_NO_COLLECTIVE: text = "independent"; break;
    case H5D_MPIO_CHUNK_INDEPENDENT: text = "chunk independent"; break;
    case H5D_MPIO_CHUNK_COLLECTIVE: text = "chunk collective"; break;
    case H5D_MPIO_CHUNK_MIXED: text = "chunk mixed"; break;
    case H5D_MPIO_CONTIGUOUS_COLLECTIVE: text = "contiguous collective"; break;
  }
  const std::uint32_t causes = local_no_collective_cause | global_no_collective_cause;
  if (causes != 0) {
    static constexpr std::array<std::pair<std::uint32_t, const char*>, 8> kCauses{{
        {H5D_MPIO_SET_INDEPENDENT, "independent I/O requested"},
        {H5D_MPIO_DATATYPE_CONVERSION, "datatype conversion"},
        {H5D_MPIO_DATA_TRANSFORMS, "data transforms"},
        {H5D_MPIO_MPI_OPT_TYPES_ENV_VAR_DISABLED, "MPI derived types disabled"},
        {H5D_MPIO_NOT_SIMPLE_OR_SCALAR_DATASPACES, "not simple or scalar dataspaces"},
        {H5D_MPIO_NOT_CONTIGUOUS_OR_CHUNKED_DATASET, "not contiguous or chunked"},
        {H5D_MPIO_PARALLEL_FILTERED_WRITES_DISABLED, "parallel filtered writes disabled"},
        {H5D_MPIO_ERROR_WHILE_CHECKING_COLLECTIVE_POSSIBLE, "error while checking"},
    }};
    text += " (";
    bool first = true;
    for (const auto& [bit, what] : kCauses) {
      if ((causes & bit) == 0) continue;
      text += (first ? "" : ", ") + std::string(what);
      first = false;
    }
    text += ")";
  }
  return text;
}

Index DatasetInfo::elements() const {
  Index n = 1;
  for (const Index d : shape) n *= d;
  return n;
}

std::string format_shape(const std::vector<Index>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i == 0 ? "" : ", ") << shape[i];
  out << ']';
  return out.str();
}

std::string absolute_path(const std::string& name) {
  if (!name.empty() && name.front() == '/') return name;
  return "/" + name;
}

// ---------------------------------------------------------------------------
// Internal helpers (internal.hpp).

namespace detail {

std::string in_file(const File& file, const std::string& path) { return "'" + path + "' in '" + file.path() + "'"; }

void require_usable(const File& file, bool write, const std::string& action) {
  SEIGH_REQUIRE(file.is_open()) << "cannot " << action << ": '" << file.path() << "' is closed";
  SEIGH_REQUIRE(!write || file.mode() == Mode::read_write)
      << "cannot " << action << ": '" << file.path() << "' is open read-only";
}

bool exists_local(const File& file, const std::string& path) {
  if (path == "/") return true;
  // H5Lexists fails (rather than answering false) when an intermediate
  // component is missing, so walk the components one by one.
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    const htri_t found = check_status(H5Lexists(file.id(), prefix.c_str(), H5P_DEFAULT),
                                      [&] { return "cannot look up " + in_file(file, prefix); });
    if (found == 0) return false;
    if (pos == std::string::npos) break;
    H5O_info_t info{};
    check_status(H5Oget_info_by_name2(file.id(), prefix.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
                 [&] { return "cannot look up " + in_file(file, prefix); });
    if (info.type != H5O_TYPE_GROUP) return false;
  }
  // A dangling soft link exists as a link but names no object.
  return check_status(H5Oexists_by_name(file.id(), path.c_str(), H5P_DEFAULT),
                      [&] { return "cannot look up " + in_file(file, path); }) > 0;
}

ObjectHandle open_object_local(const File& file, const std::string& path) {
  require_usable(file, false, "open " + in_file(file, path));
  SEIGH_REQUIRE(exists_local(file, path)) << "no object " << in_file(file, path);
  return adopt<ObjectHandle>(H5Oopen(file.id(), path.c_str(), H5P_DEFAULT),
                             [&] { return "cannot open " + in_file(file, path); });
}

DatasetHandle open_dataset_local(const File& file, const std::string& path) {
  require_usable(file, false, "open dataset " + in_file(file, path));
  SEIGH_REQUIRE(exists_local(file, path)) << "no dataset " << in_file(file, path);
  H5O_info_t info{};
  check_status(H5Oget_info_by_name2(file.id(), path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
               [&] { return "cannot look up " + in_file(file, path); });
  SEIGH_REQUIRE(info.type == H5O_TYPE_DATASET) << in_file(file, path) << " is not a dataset";
  return adopt<DatasetHandle>(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT),
                              [&] { return "cannot open dataset " + in_file(file, path); });
}

DatasetInfo dataset_info_local(hid_t dataset) {
  auto context = [] { return std::string("cannot query dataset"); };
  DatasetInfo info;
  const auto space = adopt<DataspaceHandle>(H5Dget_space(dataset), context);
  const int rank = check_status(H5Sget_simple_extent_ndims(space.get()), context);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  check_status(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), context);
  info.shape.assign(dims.begin(), dims.end());
  const auto type = adopt<DatatypeHandle>(H5Dget_type(dataset), context);
  info.type_name = hdf5_type_name(type.get());
  info.dtype = dtype_from_hdf5(type.get());
  info.type_class = H5Tget_class(type.get());
  info.element_size = H5Tget_size(type.get());
  return info;
}

Agreement agree(const dist::Comm& comm, const std::vector<Index>& same, const std::vector<Index>& maxed) {
  // max(v) == -max(-v) on every rank iff all ranks passed the same v.
  std::vector<Index> buffer;
  buffer.reserve(2 * same.size() + maxed.size());
  for (const Index v : same) buffer.push_back(v);
  for (const Index v : same) buffer.push_back(-v);
  for (const Index v : maxed) buffer.push_back(v);
  dist::check_mpi(MPI_Allreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(buffer.size()), MPI_INT64_T, MPI_MAX,
                                comm.raw()),
                  "MPI_Allreduce");
  Agreement result;
  for (std::size_t i = 0; i < same.size(); ++i) result.same = result.same && buffer[i] == -buffer[same.size() + i];
  result.max.assign(buffer.begin() + static_cast<std::ptrdiff_t>(2 * same.size()), buffer.end());
  return result;
}

namespace {
template <class T>
struct Tag {
  using type = T;
};

/// Call f(Tag<T>{}) with the C++ type T of `type`.
template <class F>
void visit_dtype(DType type, F&& f) {
  switch (type) {
    case DType::int8: f(Tag<std::int8_t>{}); return;
    case DType::int16: f(Tag<std::int16_t>{}); return;
    case DType::int32: f(Tag<std::int32_t>{}); return;
    case DType::int64: f(Tag<std::int64_t>{}); return;
    case DType::uint8: f(Tag<std::uint8_t>{}); return;
    case DType::uint16: f(Tag<std::uint16_t>{}); return;
    case DType::uint32: f(Tag<std::uint32_t>{}); return;
    case DType::uint64: f(Tag<std::uint64_t>{}); return;
    case DType::float32: f(Tag<float>{}); return;
    case DType::float64: f(Tag<double>{}); return;
  }
  SEIGH_FAIL() << "invalid DType " << static_cast<int>(type);
}
}  // namespace

void convert(const void* from, DType from_type, void* to, DType to_type, std::size_t n) {
  visit_dtype(from_type, [&](auto source_tag) {
    using S = typename decltype(source_tag)::type;
    visit_dtype(to_type, [&](auto target_tag) {
      using T = typename decltype(target_tag)::type;
      const S* source = static_cast<const S*>(from);
      T* target = static_cast<T*>(to);
      std::transform(source, source + n, target, [](S v) { return static_cast<T>(v); });
    });
  });
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Queries and creation.

bool exists(const File& file, const std::string& path) {
  return dist::collective(file.comm(), [&] {
    detail::require_usable(file, false, "look up " + detail::in_file(file, absolute_path(path)));
    return detail::exists_local(file, absolute_path(path));
  });
}

void remove_object(File& file, const std::string& path_in) {
  const std::string path = absolute_path(path_in);
  dist::collective(file.comm(), [&] {
    detail::require_usable(file, true, "remove " + detail::in_file(file, path));
    if (!detail::exists_local(file, path)) return;
    check_status(H5Ldelete(file.id(), path.c_str(), H5P_DEFAULT),
                 [&] { return "cannot remove " + detail::in_file(file, path); });
  });
}

void move_object(File& file, const std::string& from_in, const std::string& to_in) {
  const std::string from = absolute_path(from_in), to = absolute_path(to_in);
  dist::collective(file.comm(), [&] {
    const std::string what = detail::in_file(file, from) + " to " + to;
    detail::require_usable(file, true, "move " + what);
    SEIGH_REQUIRE(detail::exists_local(file, from)) << "cannot move " << what << ": no such object";
    SEIGH_REQUIRE(!detail::exists_local(file, to)) << "cannot move " << what << ": the target exists";
    check_status(H5Lmove(file.id(), from.c_str(), file.id(), to.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                 [&] { return "cannot move " + what; });
  });
}

void set_extent(File& file, const std::string& name_in, const std::vector<Index>& shape) {
  const std::string name = absolute_path(name_in);
  dist::collective(file.comm(), [&] {
    const std::string where = detail::in_file(file, name);
    detail::require_usable(file, true, "resize dataset " + where);
    const DatasetHandle dataset = detail::open_dataset_local(file, name);
    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    check_status(H5Dset_extent(dataset.get(), dims.data()),
                 [&] { return "cannot resize dataset " + where + " to " + format_shape(shape); });
  });
}

void create_group(File& file, const std::string& path_in) {
  const std::string path = absolute_path(path_in);
  dist::collective(file.comm(), [&] {
    detail::require_usable(file, true, "create group " + detail::in_file(file, path));
    if (detail::exists_local(file, path)) {
      H5O_info_t info{};
      check_status(H5Oget_info_by_name2(file.id(), path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT),
                   [&] { return "cannot look up " + detail::in_file(file, path); });
      SEIGH_REQUIRE(info.type == H5O_TYPE_GROUP)
          << "cannot create group " << detail::in_file(file, path) << ": a non-group object has that name";
      return;
    }
    auto context = [&] { return "cannot create group " + detail::in_file(file, path); };
    const auto lcpl = adopt<PropertyListHandle>(H5Pcreate(H5P_LINK_CREATE), context);
    check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), context);
    GroupHandle group = adopt<GroupHandle>(H5Gcreate2(file.id(), path.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                                           context);
    group.close(context);
  });
}

DatasetHandle open_dataset(const File& file, const std::string& name) {
  return dist::collective(file.comm(), [&] { return detail::open_dataset_local(file, absolute_path(name)); });
}

DatasetInfo dataset_info(const File& file, const std::string& name) {
  return dist::collective(file.comm(), [&] {
    const DatasetHandle dataset = detail::open_dataset_local(file, absolute_path(name));
    return detail::dataset_info_local(dataset.get());
  });
}

std::vector<Index> dataset_shape(const File& file, const std::string& name) { return dataset_info(file, name).shape; }

namespace {

/// ⌈a / b⌉ for a ≥ 0, b > 0.
Index ceil_div(Index a, Index b) { return (a + b - 1) / b; }

}  // namespace

Index chunk_length(Index D) {
  static_assert(kChunkElements % dist::detail::kPromoteChunk == 0);
  if (D <= kChunkElements) return std::max<Index>(D, 1);
  const Index even = ceil_div(D, ceil_div(D, kChunkElements));  // ≤ 2^18
  constexpr Index align = dist::detail::kPromoteChunk;
  return ceil_div(even, align) * align;  // still ≤ 2^18 (itself a multiple of align)
}

namespace {

/// Chunk shape of Layout::chunked (see its documentation).
std::vector<hsize_t> chunk_shape(const std::vector<Index>& shape) {
  const Index length = chunk_length(shape.back());
  if (shape.size() == 1) return {static_cast<hsize_t>(length)};
  std::vector<hsize_t> chunk(shape.size(), 1);
  chunk.back() = static_cast<hsize_t>(length);
  if (shape.size() == 2) {
    // As many leading rows as fit into kChunkElements, evened out over the
    // rows so the last chunk row is not mostly padding either.
    const Index rows = std::clamp<Index>(kChunkElements / length, 1, shape[0]);
    chunk[0] = static_cast<hsize_t>(ceil_div(shape[0], ceil_div(shape[0], rows)));
  }
  return chunk;
}

}  // namespace

void create_dataset(File& file, const std::string& name_in, const std::vector<Index>& shape, DType type,
                    Layout layout) {
  const std::string name = absolute_path(name_in);
  const std::string where = detail::in_file(file, name);
  std::vector<Index> same = shape;
  same.push_back(static_cast<Index>(shape.size()));
  same.push_back(static_cast<Index>(type));
  same.push_back(static_cast<Index>(layout));
  const detail::Agreement agreed = detail::agree(file.comm(), same, {});
  dist::collective(file.comm(), [&] {
    SEIGH_REQUIRE(agreed.same) << "cannot create dataset " << where << ": ranks passed different shapes or types";
    detail::require_usable(file, true, "create dataset " + where);
    for (const Index d : shape) {
      SEIGH_REQUIRE(d >= 0) << "cannot create dataset " << where << " with shape " << format_shape(shape);
    }
    SEIGH_REQUIRE(!detail::exists_local(file, name)) << "dataset " << where << " already exists";
    auto context = [&] { return "cannot create dataset " + where; };

    const std::vector<hsize_t> dims(shape.begin(), shape.end());
    const auto space = adopt<DataspaceHandle>(
        shape.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
        context);
    const auto dcpl = adopt<PropertyListHandle>(H5Pcreate(H5P_DATASET_CREATE), context);
    // Parallel HDF5 allocates all space at creation anyway; never writing
    // fill values saves a full pass over a [k, D] dataset.
    check_status(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), context);
    check_status(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), context);
    const bool nonempty = std::all_of(shape.begin(), shape.end(), [](Index d) { return d > 0; });
    if (layout == Layout::chunked && !shape.empty() && nonempty) {
      const std::vector<hsize_t> chunk = chunk_shape(shape);
      check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), context);
    }
    const auto lcpl = adopt<PropertyListHandle>(H5Pcreate(H5P_LINK_CREATE), context);
    check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), context);
    DatasetHandle dataset = adopt<DatasetHandle>(
        H5Dcreate2(file.id(), name.c_str(), hdf5_file_type(type), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT),
        context);
    dataset.close(context);
  });
}

// ---------------------------------------------------------------------------
// Transfers.

namespace {

/// Transfer property list requesting collective MPI-IO.
PropertyListHandle collective_transfer(const std::string& where) {
  auto context = [&] { return "cannot set up collective transfer for " + where; };
  auto dxpl = adopt<PropertyListHandle>(H5Pcreate(H5P_DATASET_XFER), context);
  check_status(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), context);
  return dxpl;
}

/// Fold what HDF5 did in the transfer just made with `dxpl` into `report`.
void record_transfer(TransferReport& report, hid_t dxpl, const std::string& where) {
  auto context = [&] { return "cannot query the I/O mode of " + where; };
  H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
  std::uint32_t local_cause = 0;
  std::uint32_t global_cause = 0;
  check_status(H5Pget_mpio_actual_io_mode(dxpl, &mode), context);
  check_status(H5Pget_mpio_no_collective_cause(dxpl, &local_cause, &global_cause), context);
  // Once one batch was independent, the report stays independent.
  if (report.transfers == 0 || report.io_mode != H5D_MPIO_NO_COLLECTIVE) report.io_mode = mode;
  report.local_no_collective_cause |= local_cause;
  report.global_no_collective_cause |= global_cause;
  ++report.transfers;
}

/// File and memory dataspaces selecting vectors [first, first + count) and
/// entries [row_offset, row_offset + local_rows) (nothing if empty).
struct Selection {
  DataspaceHandle file;
  DataspaceHandle memory;
};

Selection select_rows(hid_t dataset, bool one_dimensional, Index first, Index count, Index row_offset,
                      Index local_rows, const std::string& where) {
  auto context = [&] { return "cannot select rows of " + where; };
  Selection s;
  s.file = adopt<DataspaceHandle>(H5Dget_space(dataset), context);
  const Index n = count * local_rows;
  if (n == 0) {
    check_status(H5Sselect_none(s.file.get()), context);
    const hsize_t one = 1;
    s.memory = adopt<DataspaceHandle>(H5Screate_simple(1, &one, nullptr), context);
    check_status(H5Sselect_none(s.memory.get()), context);
    return s;
  }
  if (one_dimensional) {
    const hsize_t start = static_cast<hsize_t>(row_offset);
    const hsize_t extent = static_cast<hsize_t>(local_rows);
    check_status(H5Sselect_hyperslab(s.file.get(), H5S_SELECT_SET, &start, nullptr, &extent, nullptr), context);
    s.memory = adopt<DataspaceHandle>(H5Screate_simple(1, &extent, nullptr), context);
  } else {
    const std::array<hsize_t, 2> start{static_cast<hsize_t>(first), static_cast<hsize_t>(row_offset)};
    const std::array<hsize_t, 2> extent{static_cast<hsize_t>(count), static_cast<hsize_t>(local_rows)};
    check_status(H5Sselect_hyperslab(s.file.get(), H5S_SELECT_SET, start.data(), nullptr, extent.data(), nullptr),
                 context);
    // The memory block (local_rows x count, column-major) is C-order
    // [count, local_rows]: the file selection's shape. A 1-D memory space
    // holds the same elements in the same order, but then HDF5 cannot map
    // it onto the chunks of a chunked dataset by shape and iterates it
    // element by element (H5D__chunk_io_init): 10x slower transfers.
    s.memory = adopt<DataspaceHandle>(H5Screate_simple(2, extent.data(), nullptr), context);
  }
  return s;
}

/// Vectors per transfer so that no rank moves more than kMaxTransferBytes
/// (from the largest local row count, so every rank computes the same).
Index vectors_per_batch(Index max_local_rows, std::size_t element_size, Index vectors) {
  if (max_local_rows == 0 || vectors == 0) return std::max<Index>(vectors, 1);
  const Index bytes_per_vector = max_local_rows * static_cast<Index>(element_size);
  return std::clamp<Index>(kMaxTransferBytes / bytes_per_vector, 1, vectors);
}

/// Checks the shape of an open row dataset ([K, D], or [D]) and that
/// vectors [first, first + count) exist; returns its element type.
DType check_row_dataset(const File& file, hid_t dataset, const std::string& name, Index D, Index first, Index count,
                        bool one_dimensional) {
  const std::string where = "dataset " + detail::in_file(file, name);
  const DatasetInfo info = detail::dataset_info_local(dataset);
  const std::string expected = one_dimensional ? "[" + std::to_string(D) + "]" : "[k, " + std::to_string(D) + "]";
  if (one_dimensional) {
    SEIGH_REQUIRE(info.shape.size() == 1 && info.shape[0] == D)
        << where << " has shape " << format_shape(info.shape) << ", expected " << expected;
  } else {
    SEIGH_REQUIRE(info.shape.size() == 2 && info.shape[1] == D)
        << where << " has shape " << format_shape(info.shape) << ", expected " << expected;
    SEIGH_REQUIRE(first >= 0 && count >= 0 && first + count <= info.shape[0])
        << where << " has shape " << format_shape(info.shape) << ", rows [" << first << ", " << first + count
        << ") requested";
  }
  SEIGH_REQUIRE(info.dtype.has_value()) << where << " has type " << info.type_name << ", expected a numeric type";
  return *info.dtype;
}

}  // namespace

namespace detail {

std::vector<Index> rows_shape(const File& file, const std::string& name_in, Index D, bool one_dimensional) {
  const std::string name = absolute_path(name_in);
  return dist::collective(file.comm(), [&] {
    const DatasetHandle dataset = open_dataset_local(file, name);
    const DatasetInfo info = dataset_info_local(dataset.get());
    const std::string where = "dataset " + in_file(file, name);
    const std::string d = D < 0 ? std::string("D") : std::to_string(D);
    if (one_dimensional) {
      SEIGH_REQUIRE(info.shape.size() == 1 && (D < 0 || info.shape[0] == D))
          << where << " has shape " << format_shape(info.shape) << ", expected [" << d << "]";
    } else {
      SEIGH_REQUIRE(info.shape.size() == 2 && (D < 0 || info.shape[1] == D))
          << where << " has shape " << format_shape(info.shape) << ", expected [k, " << d << "]";
    }
    return info.shape;
  });
}

TransferReport write_rows(File& file, const std::string& name_in, const RowsView& rows,
                          const dist::RowPartition& partition, Index first_row, bool one_dimensional,
                          std::optional<DType> create_as) {
  const dist::Comm& comm = file.comm();
  const std::string where = "dataset " + in_file(file, absolute_path(name_in));
  const bool mine = partition.size() == comm.size() && partition.rank() == comm.rank();
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(mine) << "cannot write " << where << ": the row partition is for rank " << partition.rank()
                        << " of " << partition.size() << ", the file's communicator is rank " << comm.rank()
                        << " of " << comm.size();
    SEIGH_REQUIRE(rows.local_rows == partition.local_rows())
        << "cannot write " << where << ": local block has " << rows.local_rows << " rows, the partition "
        << partition.local_rows();
  });
  return write_span(file, name_in, rows, partition.global_rows(), partition.row_offset(), first_row, one_dimensional,
                    create_as);
}

TransferReport write_span(File& file, const std::string& name_in, const RowsView& rows, Index D, Index row_offset,
                          Index first_row, bool one_dimensional, std::optional<DType> create_as) {
  const std::string name = absolute_path(name_in);
  const std::string where = "dataset " + in_file(file, name);
  const dist::Comm& comm = file.comm();
  const Agreement agreed =
      agree(comm, {rows.cols, D, first_row, create_as ? static_cast<Index>(*create_as) : -1}, {rows.local_rows});
  dist::collective(comm, [&] {
    SEIGH_REQUIRE(agreed.same) << "cannot write " << where
                               << ": ranks passed different vector counts, lengths, offsets or types";
    require_usable(file, true, "write " + where);
    SEIGH_REQUIRE(row_offset >= 0 && rows.local_rows >= 0 && row_offset + rows.local_rows <= D)
        << "cannot write " << where << ": entries [" << row_offset << ", " << row_offset + rows.local_rows
        << ") of vectors of length " << D;
    SEIGH_REQUIRE(!one_dimensional || rows.cols == 1)
        << "cannot write " << where << " as a [D] vector: the block-row matrix has " << rows.cols << " columns";
  });
  if (create_as) {
    create_dataset(file, name, one_dimensional ? std::vector<Index>{D} : std::vector<Index>{rows.cols, D},
                   *create_as, Layout::chunked);
  }
  DatasetHandle dataset;
  const DType file_type = dist::collective(comm, [&] {
    dataset = open_dataset_local(file, name);
    return check_row_dataset(file, dataset.get(), name, D, first_row, rows.cols, one_dimensional);
  });

  TransferReport report;
  if (D == 0 || rows.cols == 0) return report;  // nothing anywhere; same on every rank
  const Index batch = vectors_per_batch(agreed.max[0], dtype_size(file_type), rows.cols);
  const PropertyListHandle dxpl = dist::collective(comm, [&] { return collective_transfer(where); });
  const std::size_t memory_size = dtype_size(rows.type);
  std::vector<std::byte> converted;
  for (Index j0 = 0; j0 < rows.cols; j0 += batch) {
    const Index count = std::min(batch, rows.cols - j0);
    const auto n = static_cast<std::size_t>(count * rows.local_rows);
    const void* source = static_cast<const std::byte*>(rows.data) +
                         static_cast<std::size_t>(j0 * rows.local_rows) * memory_size;
    if (n > 0 && rows.type != file_type) {
      // Convert here so HDF5 sees matching types and keeps the I/O collective.
      converted.resize(n * dtype_size(file_type));
      convert(source, rows.type, converted.data(), file_type, n);
      source = converted.data();
    }
    const std::byte dummy{};
    if (n == 0) source = &dummy;  // HDF5 rejects a null buffer even with an empty selection
    dist::collective(comm, [&] {
      const Selection s =
          select_rows(dataset.get(), one_dimensional, first_row + j0, count, row_offset, rows.local_rows, where);
      check_status(H5Dwrite(dataset.get(), hdf5_memory_type(file_type), s.memory.get(), s.file.get(), dxpl.get(),
                            source),
                   [&] { return "cannot write " + where; });
      record_transfer(report, dxpl.get(), where);
    });
  }
  return report;
}

TransferReport read_rows(const File& file, const std::string& name_in, const MutableRowsView& rows,
                         const dist::RowPartition& partition, Index first_row, bool one_dimensional) {
  dist::collective(file.comm(), [&] {
    SEIGH_REQUIRE(rows.local_rows == partition.local_rows())
        << "cannot read dataset " << in_file(file, absolute_path(name_in)) << ": local block has " << rows.local_rows
        << " rows, the partition " << partition.local_rows();
  });
  return read_span(file, name_in, rows, partition.global_rows(), partition.row_offset(), first_row, one_dimensional);
}

TransferReport read_span(const File& file, const std::string& name_in, const MutableRowsView& rows, Index D,
                         Index row_offset, Index first_row, bool one_dimensional) {
  const std::string name = absolute_path(name_in);
  const std::string where = "dataset " + in_file(file, name);
  const dist::Comm& comm = file.comm();
  const Agreement agreed = agree(comm, {rows.cols, D, first_row}, {rows.local_rows});
  DatasetHandle dataset;
  const DType file_type = dist::collective(comm, [&] {
    SEIGH_REQUIRE(agreed.same) << "cannot read " << where << ": ranks passed different vector counts, lengths or offsets";
    SEIGH_REQUIRE(row_offset >= 0 && rows.local_rows >= 0 && row_offset + rows.local_rows <= D)
        << "cannot read " << where << ": entries [" << row_offset << ", " << row_offset + rows.local_rows
        << ") of vectors of length " << D;
    SEIGH_REQUIRE(!one_dimensional || rows.cols == 1)
        << "cannot read " << where << " as a [D] vector into " << rows.cols << " columns";
    dataset = open_dataset_local(file, name);
    return check_row_dataset(file, dataset.get(), name, D, first_row, rows.cols, one_dimensional);
  });

  TransferReport report;
  if (D == 0 || rows.cols == 0) return report;
  const Index batch = vectors_per_batch(agreed.max[0], dtype_size(file_type), rows.cols);
  const PropertyListHandle dxpl = dist::collective(comm, [&] { return collective_transfer(where); });
  const std::size_t memory_size = dtype_size(rows.type);
  std::vector<std::byte> buffer;
  for (Index j0 = 0; j0 < rows.cols; j0 += batch) {
    const Index count = std::min(batch, rows.cols - j0);
    const auto n = static_cast<std::size_t>(count * rows.local_rows);
    void* target = static_cast<std::byte*>(rows.data) + static_cast<std::size_t>(j0 * rows.local_rows) * memory_size;
    const bool convert_after = n > 0 && rows.type != file_type;
    void* destination = target;
    if (convert_after) {
      buffer.resize(n * dtype_size(file_type));
      destination = buffer.data();
    }
    std::byte dummy{};
    if (n == 0) destination = &dummy;
    dist::collective(comm, [&] {
      const Selection s =
          select_rows(dataset.get(), one_dimensional, first_row + j0, count, row_offset, rows.local_rows, where);
      check_status(H5Dread(dataset.get(), hdf5_memory_type(file_type), s.memory.get(), s.file.get(), dxpl.get(),
                           destination),
                   [&] { return "cannot read " + where; });
      record_transfer(report, dxpl.get(), where);
    });
    if (convert_after) convert(buffer.data(), file_type, target, rows.type, n);
  }
  return report;
}

TransferReport write_replicated(File& file, const std::string& name_in, const void* data, DType memory_type,
                                const std::vector<Index>& shape_in, DType file_type) {
  const std::string name = absolute_path(name_in);
  const std::string where = "dataset " + in_file(file, name);
  const dist::Comm& comm = file.comm();
  // Rank 0's shape is the one written; the others learn it here.
  std::vector<Index> shape = shape_in;
  shape.resize(static_cast<std::size_t>(comm.broadcast_value<Index>(static_cast<Index>(shape.size()))));
  if (!shape.empty()) {
    dist::check_mpi(MPI_Bcast(shape.data(), static_cast<int>(shape.size()), MPI_INT64_T, 0, comm.raw()), "MPI_Bcast");
  }
  create_dataset(file, name, shape, file_type, Layout::contiguous);
  DatasetHandle dataset = dist::collective(comm, [&] { return open_dataset_local(file, name); });
  Index elements = 1;
  for (const Index d : shape) elements *= d;
  TransferReport report;
  if (elements == 0) return report;

  std::vector<std::byte> converted;
  const void* source = data;
  const std::byte dummy{};
  if (comm.is_root() && memory_type != file_type) {
    converted.resize(static_cast<std::size_t>(elements) * dtype_size(file_type));
    convert(data, memory_type, converted.data(), file_type, static_cast<std::size_t>(elements));
    source = converted.data();
  }
  if (!comm.is_root()) source = &dummy;
  dist::collective(comm, [&] {
    auto context = [&] { return "cannot write " + where; };
    const PropertyListHandle dxpl = collective_transfer(where);
    const auto file_space = adopt<DataspaceHandle>(H5Dget_space(dataset.get()), context);
    const hsize_t n = comm.is_root() ? static_cast<hsize_t>(elements) : 1;
    const auto memory_space = adopt<DataspaceHandle>(H5Screate_simple(1, &n, nullptr), context);
    if (!comm.is_root()) {
      // Only rank 0 writes, but every rank takes part in the collective call.
      check_status(H5Sselect_none(file_space.get()), context);
      check_status(H5Sselect_none(memory_space.get()), context);
    }
    check_status(H5Dwrite(dataset.get(), hdf5_memory_type(file_type), memory_space.get(), file_space.get(),
                          dxpl.get(), source),
                 context);
    record_transfer(report, dxpl.get(), where);
  });
  return report;
}

TransferReport read_replicated(const File& file, const std::string& name_in, void* data, DType memory_type,
                               Index elements) {
  const std::string name = absolute_path(name_in);
  const std::string where = "dataset " + in_file(file, name);
  const dist::Comm& comm = file.comm();
  DatasetHandle dataset;
  const DType file_type = dist::collective(comm, [&] {
    dataset = open_dataset_local(file, name);
    const DatasetInfo info = dataset_info_local(dataset.get());
    SEIGH_REQUIRE(info.dtype.has_value()) << where << " has type " << info.type_name << ", expected a numeric type";
    SEIGH_REQUIRE(info.elements() == elements)
        << where << " has shape " << format_shape(info.shape) << ", expected " << elements << " elements";
    return *info.dtype;
  });
  TransferReport report;
  if (elements == 0) return report;
  std::vector<std::byte> buffer;
  void* destination = data;
  if (memory_type != file_type) {
    buffer.resize(static_cast<std::size_t>(elements) * dtype_size(file_type));
    destination = buffer.data();
  }
  dist::collective(comm, [&] {
    const PropertyListHandle dxpl = collective_transfer(where);
    check_status(H5Dread(dataset.get(), hdf5_memory_type(file_type), H5S_ALL, H5S_ALL, dxpl.get(), destination),
                 [&] { return "cannot read " + where; });
    record_transfer(report, dxpl.get(), where);
  });
  if (memory_type != file_type) convert(buffer.data(), file_type, data, memory_type, static_cast<std::size_t>(elements));
  return report;
}

}  // namespace detail
}  // namespace seigh::io
