// RAII handles, checked calls and type mapping; serial (no MPI-IO needed).
#include <catch2/catch.hpp>

#include "seigh/io/dataset.hpp"
#include "seigh/io/dtype.hpp"
#include "seigh/io/hdf5_handle.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace seigh::io;

TEST_CASE("Handle owns, moves and closes exactly once", "[io][handle]") {
  init_hdf5_errors();
  init_hdf5_errors();  // idempotent
  const hsize_t n = 4;
  hid_t raw = H5I_INVALID_HID;
  {
    DataspaceHandle a(H5Screate_simple(1, &n, nullptr));
    REQUIRE(a.valid());
    raw = a.get();
    CHECK(H5Iis_valid(raw) > 0);
    DataspaceHandle b(std::move(a));
    CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(b.get() == raw);
    DataspaceHandle c;
    c = std::move(b);
    CHECK(c.get() == raw);
    CHECK(H5Iis_valid(raw) > 0);
  }
  CHECK(H5Iis_valid(raw) <= 0);  // closed by the last owner

  DataspaceHandle d(H5Screate(H5S_SCALAR));
  const hid_t released = d.release();
  CHECK_FALSE(d.valid());
  CHECK(H5Sclose(released) >= 0);
}

TEST_CASE("failed HDF5 calls throw with context and the innermost HDF5 error", "[io][handle]") {
  init_hdf5_errors();
  try {
    (void)adopt<DatasetHandle>(H5Dopen2(H5I_INVALID_HID, "/x", H5P_DEFAULT),
                               [] { return std::string("cannot open dataset '/x' in 'nowhere.h5'"); });
    FAIL("no exception");
  } catch (const seigh::Error& e) {
    INFO(e.what());
    CHECK_THAT(e.what(), StartsWith("cannot open dataset '/x' in 'nowhere.h5': "));
    CHECK(std::string(e.what()).size() > std::string("cannot open dataset '/x' in 'nowhere.h5': ").size());
    CHECK_FALSE(e.collective());
  }
  // The stack was consumed: a later description does not repeat it.
  CHECK(hdf5_error_description() == "unknown HDF5 error");

  // A checked close reports failure; the nothrow path (destructor) swallows it.
  const hsize_t n = 2;
  DataspaceHandle stale(H5Screate_simple(1, &n, nullptr));
  REQUIRE(H5Sclose(stale.get()) >= 0);  // closed behind the handle's back
  CHECK_THROWS_WITH(stale.close([] { return std::string("cannot close space"); }), StartsWith("cannot close space: "));
  CHECK_FALSE(stale.valid());
  DataspaceHandle stale2(H5Screate_simple(1, &n, nullptr));
  REQUIRE(H5Sclose(stale2.get()) >= 0);
  CHECK_NOTHROW(stale2.reset());
  CHECK(hdf5_error_description() == "unknown HDF5 error");  // reset cleared the stack
}

TEST_CASE("DType names, sizes and HDF5 type mapping", "[io][dtype]") {
  CHECK(dtype_name(DType::float32) == "float32");
  CHECK(dtype_name(DType::uint8) == "uint8");
  CHECK(dtype_size(DType::float64) == 8);
  CHECK(dtype_size(DType::int16) == 2);
  static_assert(dtype_of<float>() == DType::float32);
  static_assert(dtype_of<std::int64_t>() == DType::int64);
  for (const DType t : {DType::int8, DType::int16, DType::int32, DType::int64, DType::uint8, DType::uint16,
                        DType::uint32, DType::uint64, DType::float32, DType::float64}) {
    INFO(dtype_name(t));
    CHECK(dtype_from_hdf5(hdf5_file_type(t)) == t);
    CHECK(dtype_from_hdf5(hdf5_memory_type(t)) == t);
    CHECK(H5Tget_size(hdf5_file_type(t)) == dtype_size(t));
    CHECK(hdf5_type_name(hdf5_file_type(t)) == dtype_name(t));
  }
  const hid_t big_endian = H5T_IEEE_F64BE;
  CHECK(dtype_from_hdf5(big_endian) == DType::float64);
  DatatypeHandle text(H5Tcopy(H5T_C_S1));
  CHECK_FALSE(dtype_from_hdf5(text.get()).has_value());
  CHECK(hdf5_type_name(text.get()) == "string");
}

TEST_CASE("shape formatting and path normalisation", "[io][dataset]") {
  CHECK(format_shape({}) == "[]");
  CHECK(format_shape({3, 4}) == "[3, 4]");
  CHECK(absolute_path("x") == "/x");
  CHECK(absolute_path("/a/b") == "/a/b");
  TransferReport none;
  CHECK_FALSE(none.collective());
  CHECK(none.describe() == "no transfer");
  TransferReport independent{1, H5D_MPIO_NO_COLLECTIVE, H5D_MPIO_DATATYPE_CONVERSION, 0};
  CHECK_FALSE(independent.collective());
  CHECK_THAT(independent.describe(), Contains("independent") && Contains("datatype conversion"));
  TransferReport chunked{2, H5D_MPIO_CHUNK_COLLECTIVE, 0, 0};
  CHECK(chunked.collective());
  CHECK(chunked.describe() == "chunk collective");
}
