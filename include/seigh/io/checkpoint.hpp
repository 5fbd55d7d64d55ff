#pragma once
/// \file
/// Training checkpoints (DESIGN.md §4) as a plain struct, with atomic
/// collective write and read. No knowledge of networks or optimizers: the
/// nn module decides what goes in.
///
/// Layout (h5py-friendly):
///
///     /params              float32 [D]   θ in the flat layout of DESIGN.md §4
///     /optimizer/NAME      float32 [D]   optimizer state vectors (e.g. momentum,
///                                        adam_m, adam_v); absent for plain SGD
///     attributes of /      `format` = "seigh-checkpoint-1", and the caller's
///                                        (model, step, seed, dataset, ...)
///
/// The file is written under PATH.partial and renamed (io::OutputFile), so a
/// checkpoint is complete or absent.

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "seigh/core/types.hpp"
#include "seigh/dist/comm.hpp"

namespace seigh::io {

/// An attribute value: int64, float64 or string.
using AttributeValue = std::variant<std::int64_t, double, std::string>;

struct Checkpoint {
  VectorF params;                                ///< /params (D)
  std::map<std::string, AttributeValue> attributes;  ///< attributes of /
  std::map<std::string, VectorF> state;          ///< /optimizer/NAME, each of length D
};

/// Value of attributes `name` as T (int64_t, double or string); throws
/// seigh::Error naming the file if absent or of another type.
template <class T>
[[nodiscard]] T attribute(const Checkpoint& checkpoint, const std::string& name, const std::string& path);

/// Write `checkpoint` to PATH atomically. Rank 0's contents are written
/// (every rank holds the same replicated θ in training). Throws a
/// collective seigh::Error if the file cannot be written. Collective.
void write_checkpoint(const dist::Comm& comm, const std::string& path, const Checkpoint& checkpoint);

/// Read a checkpoint on every rank. Errors (collective): "no such file",
/// "not an HDF5 file", "'PATH' is not a seigh checkpoint (no /params)",
/// state vectors of a length other than /params'. Collective.
[[nodiscard]] Checkpoint read_checkpoint(const dist::Comm& comm, const std::string& path);

}  // namespace seigh::io
