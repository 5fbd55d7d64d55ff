// Parallel files: open/create, clear collective errors, atomic output.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "expect_error.hpp"
#include "scratch_dir.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/file.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using seigh::io::File;
using seigh::io::IfExists;
using seigh::io::Mode;
using seigh::io::OutputFile;
using seigh::test::scratch;
using seigh::test::world;

using seigh::test::expect_error;

namespace {
/// The same verdict on every rank: `flag` holds on all of them.
bool on_all_ranks(bool flag) { return world().min(static_cast<int>(flag)) == 1; }
}  // namespace

TEST_CASE("scratch directory is shared by all ranks", "[io][file]") {
  REQUIRE_FALSE(seigh::test::scratch_dir().empty());
  CHECK(on_all_ranks(fs::is_directory(seigh::test::scratch_dir())));
}

TEST_CASE("create, close, reopen read-only and read-write", "[io][file]") {
  const auto& comm = world();
  const std::string path = scratch("plain.h5");
  {
    File file = File::create(comm, path);
    CHECK(file.is_open());
    CHECK(file.path() == path);
    CHECK(file.mode() == Mode::read_write);
    CHECK(file.comm().size() == comm.size());
    seigh::io::write_attribute(file, "/", "answer", std::int64_t{42});
    file.flush();
    file.close();
    CHECK_FALSE(file.is_open());
    file.close();  // idempotent
  }
  {
    File file = File::open(comm, path);
    CHECK(file.mode() == Mode::read_only);
    CHECK(seigh::io::read_attribute<std::int64_t>(file, "/", "answer") == 42);
    // Writing into a read-only file is refused before HDF5 is asked.
    const auto e = expect_error([&] { seigh::io::write_attribute(file, "/", "more", 1.0); });
    CHECK_THAT(e.what(), Contains("read-only") && Contains(path));
    CHECK(e.collective());
  }
  {
    File file = File::open(comm, path, Mode::read_write);
    seigh::io::write_attribute(file, "/", "answer", std::int64_t{43});
    // Move assignment closes the target first (collectively) and takes over.
    File other = File::create(comm, scratch("plain-other.h5"));
    other = std::move(file);
    CHECK(other.path() == path);
    CHECK(seigh::io::read_attribute<std::int64_t>(other, "/", "answer") == 43);
  }
}

TEST_CASE("open errors name the path, agree across ranks and do not hang", "[io][file][errors]") {
  const auto& comm = world();

  const std::string missing = scratch("does-not-exist.h5");
  auto e = expect_error([&] { (void)File::open(comm, missing); });
  CHECK(std::string(e.what()) == "no such file: " + missing);
  CHECK(e.collective());

  const std::string text = scratch("not-hdf5.txt");
  if (comm.is_root()) std::ofstream(text) << "this is not an HDF5 file\n";
  comm.barrier();
  e = expect_error([&] { (void)File::open(comm, text); });
  CHECK(std::string(e.what()) == "not an HDF5 file: " + text);
  CHECK(e.collective());

  e = expect_error([&] { (void)File::open(comm, seigh::test::scratch_dir()); });
  CHECK_THAT(e.what(), StartsWith("not an HDF5 file: " + seigh::test::scratch_dir()));
}

TEST_CASE("create errors name the path, agree across ranks and do not hang", "[io][file][errors]") {
  const auto& comm = world();

  auto e = expect_error([&] { (void)File::create(comm, "/proc/seigh-nope/x.h5"); });
  CHECK_THAT(e.what(), StartsWith("cannot create /proc/seigh-nope/x.h5: ") && Contains("does not exist"));
  CHECK(e.collective());

  const std::string regular = scratch("regular-file");
  if (comm.is_root()) std::ofstream(regular) << "x";
  comm.barrier();
  e = expect_error([&] { (void)File::create(comm, regular + "/x.h5"); });
  CHECK_THAT(e.what(), StartsWith("cannot create " + regular + "/x.h5: ") && Contains("not a directory"));
  CHECK(e.collective());

  // A directory the pre-checks accept but where MPI-IO cannot create files:
  // the failure comes from HDF5 and carries its innermost error.
  e = expect_error([&] { (void)File::create(comm, "/proc/seigh-nope.h5"); });
  INFO(e.what());
  CHECK_THAT(e.what(), StartsWith("cannot create /proc/seigh-nope.h5: "));
  CHECK(e.collective());

  const std::string existing = scratch("existing.h5");
  File::create(comm, existing).close();
  e = expect_error([&] { (void)File::create(comm, existing); });
  CHECK(std::string(e.what()) == "cannot create " + existing + ": file exists");
  File::create(comm, existing, IfExists::overwrite).close();
}

TEST_CASE("OutputFile: PATH appears only at commit", "[io][file][atomic]") {
  const auto& comm = world();
  const std::string path = scratch("atomic.h5");
  {
    OutputFile out(comm, path);
    CHECK(out.path() == path);
    CHECK(out.partial_path() == path + ".partial");
    seigh::io::write_attribute(out.file(), "/", "version", std::int64_t{1});
    comm.barrier();
    CHECK(on_all_ranks(fs::exists(path + ".partial")));
    CHECK(on_all_ranks(!fs::exists(path)));
    out.commit();
    CHECK(out.committed());
    CHECK(on_all_ranks(fs::exists(path)));
    CHECK(on_all_ranks(!fs::exists(path + ".partial")));
  }
  CHECK(on_all_ranks(fs::exists(path)));
  CHECK(seigh::io::read_attribute<std::int64_t>(File::open(comm, path), "/", "version") == 1);

  // Replacing an existing file: the old content stays until commit.
  {
    OutputFile out(comm, path);
    seigh::io::write_attribute(out.file(), "/", "version", std::int64_t{2});
    CHECK(seigh::io::read_attribute<std::int64_t>(File::open(comm, path), "/", "version") == 1);
    out.commit();
  }
  CHECK(seigh::io::read_attribute<std::int64_t>(File::open(comm, path), "/", "version") == 2);
}

TEST_CASE("OutputFile destroyed without commit leaves neither PATH nor PATH.partial", "[io][file][atomic]") {
  const auto& comm = world();
  const std::string path = scratch("abandoned.h5");
  {
    OutputFile out(comm, path);
    seigh::io::write_attribute(out.file(), "/", "version", std::int64_t{1});
  }
  CHECK(on_all_ranks(!fs::exists(path)));
  CHECK(on_all_ranks(!fs::exists(path + ".partial")));

  // A stale PATH.partial (from a killed run) does not block a new output.
  if (comm.is_root()) std::ofstream(path + ".partial") << "stale";
  comm.barrier();
  {
    OutputFile out(comm, path);
    out.commit();
  }
  CHECK(on_all_ranks(fs::exists(path) && !fs::exists(path + ".partial")));
}

TEST_CASE("OutputFile unwound by a collective error removes PATH.partial", "[io][file][atomic]") {
  const auto& comm = world();
  const std::string path = scratch("failed-run.h5");
  const auto e = expect_error([&] {
    OutputFile out(comm, path);
    seigh::io::write_attribute(out.file(), "/", "version", std::int64_t{1});
    // An error every rank agrees on, thrown while the file is open: the
    // destructor runs during unwinding and must neither hang nor leave files.
    (void)seigh::io::read_attribute<std::int64_t>(out.file(), "/", "missing");
  });
  CHECK_THAT(e.what(), Contains("no attribute 'missing'"));
  comm.barrier();  // the destructor skips its barrier while unwinding
  CHECK(on_all_ranks(!fs::exists(path)));
  CHECK(on_all_ranks(!fs::exists(path + ".partial")));
}

TEST_CASE("OutputFile refuses a directory as final path up front", "[io][file][atomic][errors]") {
  const auto& comm = world();
  const auto e = expect_error([&] { OutputFile out(comm, seigh::test::scratch_dir()); });
  CHECK_THAT(e.what(), Contains("is a directory"));
  CHECK(e.collective());
}
