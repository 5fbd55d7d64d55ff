#include "seigh/eig/sketch_file.hpp"

#include <filesystem>
#include <sstream>

#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"

namespace seigh::eig {

namespace {

void write_identity(io::File& file, const SketchIdentity& id) {
  io::write_attribute(file, "/", "operator", id.operator_id);
  io::write_attribute(file, "/", "D", static_cast<std::int64_t>(id.dim));
  io::write_attribute(file, "/", "outer", static_cast<std::int64_t>(id.outer));
  io::write_attribute(file, "/", "inner", static_cast<std::int64_t>(id.inner));
  io::write_attribute(file, "/", "block", static_cast<std::int64_t>(id.block));
  io::write_attribute(file, "/", "test_matrix", id.test_matrix);
  io::write_attribute(file, "/", "zeta", id.zeta);
  io::write_attribute(file, "/", "seed", static_cast<std::int64_t>(id.seed));
  io::write_attribute(file, "/", "stream", static_cast<std::int64_t>(id.stream));
  io::write_attribute(file, "/", "recycle", static_cast<std::int64_t>(id.recycle));
  io::write_attribute(file, "/", "scalar", id.scalar);
}

/// "name: file has X, this run has Y" for every attribute that differs.
std::string identity_mismatches(const io::File& file, const SketchIdentity& id) {
  std::ostringstream out;
  const auto text = [&](const char* name, const std::string& mine) {
    const auto theirs = io::read_attribute<std::string>(file, "/", name);
    if (theirs != mine) out << "\n  " << name << ": file has '" << theirs << "', this run has '" << mine << "'";
  };
  const auto number = [&](const char* name, std::int64_t mine) {
    const auto theirs = io::read_attribute<std::int64_t>(file, "/", name);
    if (theirs != mine) out << "\n  " << name << ": file has " << theirs << ", this run has " << mine;
  };
  text("operator", id.operator_id);
  number("D", id.dim);
  number("outer", id.outer);
  number("inner", id.inner);
  number("block", id.block);
  text("test_matrix", id.test_matrix);
  number("zeta", id.zeta);
  number("seed", static_cast<std::int64_t>(id.seed));
  number("stream", id.stream);
  number("recycle", id.recycle);
  text("scalar", id.scalar);
  return out.str();
}

}  // namespace

SketchFile SketchFile::create(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity,
                              const std::string& tall_result) {
  const bool exists = comm.broadcast_value<int>(comm.is_root() ? std::filesystem::exists(path) : 0) != 0;
  SEIGH_REQUIRE(!exists) << "sketch file '" << path
                         << "' already exists (a partial measurement): continue it with --resume, or remove it";
  SEIGH_REQUIRE(tall_result.empty() || identity.scalar == "float32")
      << "the tall matrix goes into the result file only for a float32 operator (the result stores float32)";
  io::File file = io::File::create(comm, path);
  write_identity(file, identity);
  std::optional<io::File> result;
  if (tall_result.empty()) {
    const io::DType y_type = identity.scalar == "float32" ? io::DType::float32 : io::DType::float64;
    io::create_dataset(file, "/Y", {identity.outer, identity.dim}, y_type, io::Layout::contiguous);
    io::write_attribute(file, "/", "tall", "sketch");
  } else {
    // Chunked as the result's /eigenvectors (create_eigenvectors_dataset):
    // it becomes that dataset after the vectors stage.
    result.emplace(io::File::create(comm, tall_result + ".partial", io::IfExists::overwrite));
    io::create_dataset(*result, "/tall", {identity.outer, identity.dim}, io::DType::float32, io::Layout::chunked);
    io::write_attribute(file, "/", "tall", "result");
    io::write_attribute(file, "/", "tall_file", tall_result + ".partial");
  }
  io::create_dataset(file, "/Z", {identity.inner, identity.inner}, io::DType::float64, io::Layout::contiguous);
  io::write_attribute(file, "/", "y_columns_done", std::int64_t{0});
  io::write_attribute(file, "/", "z_columns_done", std::int64_t{0});
  SketchFile sketch(std::move(file), std::move(result), 0, 0, "measure", 0, "");
  sketch.flush_data();
  return sketch;
}

SketchFile SketchFile::resume(const dist::Comm& comm, const std::string& path, const SketchIdentity& identity,
                              const std::string& result_path) {
  io::File file = io::File::open(comm, path, io::Mode::read_write);
  SEIGH_REQUIRE(io::has_attribute(file, "/", "z_columns_done") && io::exists(file, "/Z"))
      << "--resume: '" << path << "' is not a seigh sketch file";
  const std::string mismatches = identity_mismatches(file, identity);
  SEIGH_REQUIRE(mismatches.empty()) << "--resume: sketch file '" << path
                                    << "' was measured with other settings:" << mismatches;
  SEIGH_REQUIRE(!io::exists(file, "/Q"))
      << "--resume: '" << path << "' was written by an earlier seigh whose out-of-core passes kept a separate /Q; "
      << "this version cannot continue it: finish it with that version, or restart without --resume";
  const std::string layout = io::read_attribute_or<std::string>(file, "/", "tall", "sketch");
  std::optional<io::File> result;
  if (layout == "result") {
    const auto recorded = io::read_attribute<std::string>(file, "/", "tall_file");
    SEIGH_REQUIRE(!result_path.empty()) << "--resume: '" << path << "' was measured out-of-core and keeps Y in '"
                                        << recorded << "': resume it with --out-of-core and the same --out";
    const std::string partial = result_path + ".partial";
    const bool there = comm.broadcast_value<int>(comm.is_root() ? std::filesystem::exists(partial) : 0) != 0;
    SEIGH_REQUIRE(there) << "--resume: the sketch data of '" << path << "' (the D x o matrix Y, or Q or V made from "
                         << "it in place) lived in '" << partial << "', which is gone (renamed to the result by a "
                         << "finished run, or removed); it cannot be measured again from this file: restart "
                         << "without --resume (remove '" << path << "' first)";
    result.emplace(io::File::open(comm, partial, io::Mode::read_write));
    SEIGH_REQUIRE(io::exists(*result, "/tall") || io::exists(*result, "/eigenvectors"))
        << "--resume: '" << partial << "' holds neither /tall nor /eigenvectors: it is not the partial result of '"
        << path << "'; restart without --resume (remove '" << path << "' first)";
  } else {
    SEIGH_REQUIRE(io::exists(file, "/Y")) << "--resume: '" << path << "' is not a seigh sketch file (no /Y)";
  }
  const Index y_done = io::read_attribute<std::int64_t>(file, "/", "y_columns_done");
  const Index z_done = io::read_attribute<std::int64_t>(file, "/", "z_columns_done");
  std::string phase = "measure";
  Index steps = 0;
  if (io::has_attribute(file, "/", "phase")) {
    phase = io::read_attribute<std::string>(file, "/", "phase");
    steps = io::read_attribute<std::int64_t>(file, "/", "phase_steps");
  }
  std::string pending = io::read_attribute_or<std::string>(file, "/", "pending", "");
  return SketchFile(std::move(file), std::move(result), y_done, z_done, std::move(phase), steps, std::move(pending));
}

void SketchFile::count_columns(const char* counter, Index columns_done) {
  flush_data();  // the data first ...
  io::write_attribute(file_, "/", counter, static_cast<std::int64_t>(columns_done));
  file_.flush();  // ... then the flag that says it is there
}

void SketchFile::flush_data() {
  if (result_) result_->flush();
  file_.flush();
}

void SketchFile::close() {
  if (result_) result_->close();
  file_.close();
}

void SketchFile::set_phase(const std::string& phase, Index steps) {
  flush_data();  // the data of the step first ...
  io::write_attribute(file_, "/", "phase", phase);
  io::write_attribute(file_, "/", "phase_steps", static_cast<std::int64_t>(steps));
  file_.flush();  // ... then the marker that says it is there
  phase_ = phase;
  phase_steps_ = steps;
}

void SketchFile::set_pending(const std::string& tag) {
  file_.flush();  // the journal first ...
  io::write_attribute(file_, "/", "pending", tag);
  file_.flush();  // ... then the flag that says it holds the step
  pending_ = tag;
}

void SketchFile::bind_row_blocks(int ranks, Index row_block) {
  if (io::has_attribute(file_, "/", "ooc_ranks")) {
    const auto file_ranks = io::read_attribute<std::int64_t>(file_, "/", "ooc_ranks");
    const auto file_block = io::read_attribute<std::int64_t>(file_, "/", "ooc_row_block");
    SEIGH_REQUIRE(file_ranks == ranks && file_block == row_block)
        << "--resume: '" << path() << "' is past the measurement (phase " << phase_ << ") with " << file_ranks
        << " rank(s) and row block " << file_block << "; this run has " << ranks << " rank(s) and row block "
        << row_block << " (resume the later stages with the same ranks and --row-block)";
    return;
  }
  io::write_attribute(file_, "/", "ooc_ranks", static_cast<std::int64_t>(ranks));
  io::write_attribute(file_, "/", "ooc_row_block", static_cast<std::int64_t>(row_block));
  file_.flush();
}

void SketchFile::write_matrix(const std::string& name, const MatrixD& M) {
  io::remove_object(file_, name);
  io::write_replicated(file_, name, M, io::DType::float64);
}

MatrixD SketchFile::read_matrix(const std::string& name) const {
  return io::read_replicated_matrix<double>(file_, name);
}

void SketchFile::ensure_journal(Index vectors, Index width) {
  if (io::exists(file_, "/pending")) return;
  const io::DType type = io::read_attribute<std::string>(file_, "/", "scalar") == "float32" ? io::DType::float32
                                                                                           : io::DType::float64;
  io::create_dataset(file_, "/pending", {vectors, width}, type, io::Layout::contiguous);
}

template <class Scalar>
void SketchFile::read_y(dist::BlockRowMatrix<Scalar>& Y, Index count) const {
  if (count == 0) return;
  SEIGH_REQUIRE(!result_) << "read_y: '" << path() << "' keeps Y in the out-of-core result file";
  const auto stored = io::read_rows_at<Scalar>(file_, "/Y", Y.partition(), 0, count);
  Y.local().leftCols(count) = stored.local();
}

void SketchFile::read_z(MatrixD& Z, Index count) const {
  if (count == 0) return;
  // Every rank reads the whole rows [0, count) of /Z: a partition with one part.
  const auto stored = io::read_rows_at<double>(file_, "/Z", dist::RowPartition(Z.rows(), 0, 1), 0, count);
  Z.leftCols(count) = stored.local();
}

template <class Scalar>
void SketchFile::store_y(const dist::BlockRowMatrix<Scalar>& Y, Index c0, Index width) {
  store_y_columns<Scalar>(Y.partition(), Y.local().middleCols(c0, width), c0);
}

template <class Scalar>
void SketchFile::store_y_columns(const dist::RowPartition& partition, const Matrix<Scalar>& block, Index c0) {
  SEIGH_REQUIRE(block.rows() == partition.local_rows())
      << "store_y_columns: block has " << block.rows() << " rows, the partition " << partition.local_rows();
  io::write_row_span(tall_file(), tall_name(), partition.global_rows(), partition.row_offset(), block, c0);
  count_columns("y_columns_done", c0 + block.cols());
  y_done_ = c0 + block.cols();
}

void SketchFile::store_z(const MatrixD& Z, Index c0, Index width) {
  // Z is replicated; each rank writes its share of the entries of the block.
  const dist::RowPartition part = file_.comm().partition(Z.rows());
  const dist::BlockRowMatrix<double> columns(part, Z.block(part.row_offset(), c0, part.local_rows(), width));
  io::write_rows_at(file_, "/Z", columns, c0);
  count_columns("z_columns_done", c0 + width);
  z_done_ = c0 + width;
}

template void SketchFile::read_y<float>(dist::BlockRowMatrix<float>&, Index) const;
template void SketchFile::read_y<double>(dist::BlockRowMatrix<double>&, Index) const;
template void SketchFile::store_y<float>(const dist::BlockRowMatrix<float>&, Index, Index);
template void SketchFile::store_y<double>(const dist::BlockRowMatrix<double>&, Index, Index);
template void SketchFile::store_y_columns<float>(const dist::RowPartition&, const Matrix<float>&, Index);
template void SketchFile::store_y_columns<double>(const dist::RowPartition&, const Matrix<double>&, Index);

}  // namespace seigh::eig
