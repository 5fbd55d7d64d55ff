# Finds seigh's dependencies (all Debian 12 packages). Included by the
# build and by the installed seighConfig.cmake, so a consumer's
# find_package(seigh) resolves exactly what the library was built against.
#
# A missing dependency stops configuration with the Debian package to install.

include_guard(GLOBAL)

macro(seigh_require_found found_var what debian_packages)
  if(NOT ${found_var})
    message(FATAL_ERROR
      "seigh: ${what} not found. On Debian 12 install it with:\n"
      "    apt-get install ${debian_packages}\n"
      "(or run cmake/bootstrap.sh, which installs every dependency).")
  endif()
endmacro()

# MPI (OpenMPI): only the C API is used.
find_package(MPI QUIET COMPONENTS C)
seigh_require_found(MPI_C_FOUND "MPI (OpenMPI)" "libopenmpi-dev openmpi-bin")

# Eigen 3.4.
find_package(Eigen3 3.4 QUIET NO_MODULE)
seigh_require_found(Eigen3_FOUND "Eigen >= 3.4" "libeigen3-dev")

# Parallel HDF5 (the OpenMPI flavour). FindHDF5 picks the parallel compiler
# wrapper (h5pcc) when asked to prefer it; we then insist that it really is
# parallel, because a serial libhdf5 would silently lose collective I/O.
set(HDF5_PREFER_PARALLEL ON)
find_package(HDF5 QUIET COMPONENTS C)
seigh_require_found(HDF5_FOUND "HDF5" "libhdf5-openmpi-dev")
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "seigh: the HDF5 found (${HDF5_INCLUDE_DIRS}) is the serial build; seigh needs parallel HDF5.\n"
    "    apt-get install libhdf5-openmpi-dev\n"
    "and make sure h5pcc points to h5pcc.openmpi (update-alternatives --config h5pcc).")
endif()
if(NOT TARGET seigh_deps_hdf5)
  add_library(seigh_deps_hdf5 INTERFACE IMPORTED)
  target_include_directories(seigh_deps_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(seigh_deps_hdf5 INTERFACE ${HDF5_C_LIBRARIES})
  target_compile_definitions(seigh_deps_hdf5 INTERFACE ${HDF5_C_DEFINITIONS} H5_USE_110_API)
endif()

# Boost.Program_options (apps only, but checked up front).
find_package(Boost 1.74 QUIET COMPONENTS program_options)
seigh_require_found(Boost_FOUND "Boost.Program_options" "libboost-program-options-dev")

# Random123 (header-only counter-based RNG).
find_path(SEIGH_RANDOM123_INCLUDE_DIR NAMES Random123/philox.h)
seigh_require_found(SEIGH_RANDOM123_INCLUDE_DIR "Random123" "librandom123-dev")
if(NOT TARGET seigh_deps_random123)
  add_library(seigh_deps_random123 INTERFACE IMPORTED)
  target_include_directories(seigh_deps_random123 SYSTEM INTERFACE ${SEIGH_RANDOM123_INCLUDE_DIR})
endif()

# zlib (IDX .gz datasets).
find_package(ZLIB QUIET)
seigh_require_found(ZLIB_FOUND "zlib" "zlib1g-dev")

# Spectra (Lanczos baseline).
find_package(spectra QUIET CONFIG)
seigh_require_found(spectra_FOUND "Spectra" "libspectra-dev")

# LAPACK (the exact path's dense eigensolver, src/eig/dense_eigen.cpp).
# Linked against the generic liblapack.so.3; at run time Debian's
# alternatives pick OpenBLAS (libopenblas0-pthread) when it is installed,
# which makes the D = 7030 solve about 12x faster than reference LAPACK.
find_package(LAPACK QUIET)
seigh_require_found(LAPACK_FOUND "LAPACK" "liblapack-dev libopenblas0-pthread")

# Threads (OpenMP-free; std::thread where used).
find_package(Threads REQUIRED)
