// Attributes (int64, float64, UTF-8 strings) and the describe() listing.
#include <catch2/catch.hpp>

#include "expect_error.hpp"
#include "scratch_dir.hpp"
#include "seigh/dist/block_row_matrix.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/describe.hpp"

using Catch::Matchers::Contains;
using seigh::Index;
using seigh::io::DType;
using seigh::io::File;
using seigh::test::scratch;
using seigh::test::world;
namespace io = seigh::io;

using seigh::test::expect_error;

namespace {
/// A small eigen-result-like file at `path`.
void write_result(const std::string& path) {
  const auto& comm = world();
  const Index D = 10, k = 3;
  io::OutputFile out(comm, path);
  File& file = out.file();
  io::write_replicated(file, "/eigenvalues", std::vector<double>{6.057, -2.5, 0.125}, DType::float64);
  io::write_rows(file, "/eigenvectors", seigh::dist::BlockRowMatrix<double>(comm.partition(D), k), DType::float32);
  io::write_attribute(file, "/", "method", "seigh");
  io::write_attribute(file, "/", "model", std::string("mlp 256-20-10 \"tanh\""));
  io::write_attribute(file, "/", "D", D);
  io::write_attribute(file, "/", "k", 3);  // int: stored as int64
  io::write_attribute(file, "/", "seconds", 12.5);
  io::write_attribute(file, "/eigenvectors", "unit", "row i = eigenvector i");
  io::create_group(file, "/optimizer/state");
  out.commit();
}
}  // namespace

TEST_CASE("attributes round-trip on the root group and on datasets", "[io][attributes]") {
  const auto& comm = world();
  const std::string path = scratch("attributes.h5");
  write_result(path);
  File file = File::open(comm, path);
  CHECK(io::read_attribute<std::string>(file, "/", "method") == "seigh");
  CHECK(io::read_attribute<std::string>(file, "/", "model") == "mlp 256-20-10 \"tanh\"");
  CHECK(io::read_attribute<std::int64_t>(file, "/", "D") == 10);
  CHECK(io::read_attribute<std::int64_t>(file, "/", "k") == 3);
  CHECK(io::read_attribute<double>(file, "/", "seconds") == 12.5);
  CHECK(io::read_attribute<double>(file, "/", "k") == 3.0);  // integers widen to double
  CHECK(io::read_attribute<std::string>(file, "/eigenvectors", "unit") == "row i = eigenvector i");
  CHECK(io::has_attribute(file, "/", "method"));
  CHECK_FALSE(io::has_attribute(file, "/", "nope"));
  CHECK_FALSE(io::has_attribute(file, "/nope", "method"));

  const auto listed = io::list_attributes(file, "/");
  std::vector<std::string> names;
  for (const auto& a : listed) names.push_back(a.name);
  CHECK(names == std::vector<std::string>{"D", "k", "method", "model", "seconds"});
  CHECK(listed[0].type_name == "int64");
  CHECK(listed[0].text == "10");
  CHECK(listed[2].type_name == "string");
  CHECK(listed[2].text == "\"seigh\"");
  CHECK(listed[3].text == "\"mlp 256-20-10 \\\"tanh\\\"\"");
  CHECK(listed[4].type_name == "float64");
  CHECK(listed[4].text == "12.5");
  CHECK(listed[4].shape.empty());
}

TEST_CASE("attributes are replaced, and rank 0's value is the one written", "[io][attributes]") {
  const auto& comm = world();
  const std::string path = scratch("attributes-replace.h5");
  {
    File file = File::create(comm, path);
    io::write_attribute(file, "/", "step", std::int64_t{1});
    io::write_attribute(file, "/", "step", std::int64_t{100 + comm.rank()});  // differs by rank
    io::write_attribute(file, "/", "note", comm.is_root() ? "root" : "other");
    io::write_attribute(file, "/", "step_type_change", std::int64_t{1});
    io::write_attribute(file, "/", "step_type_change", "now a string");
  }
  File file = File::open(comm, path);
  CHECK(io::read_attribute<std::int64_t>(file, "/", "step") == 100);
  CHECK(io::read_attribute<std::string>(file, "/", "note") == "root");
  CHECK(io::read_attribute<std::string>(file, "/", "step_type_change") == "now a string");
}

TEST_CASE("attribute errors name attribute, object and file", "[io][attributes][errors]") {
  const auto& comm = world();
  const std::string path = scratch("attributes-errors.h5");
  write_result(path);
  File file = File::open(comm, path);
  auto e = expect_error([&] { (void)io::read_attribute<std::int64_t>(file, "/", "step"); });
  CHECK(std::string(e.what()) == "no attribute 'step' on '/' in '" + path + "'");
  CHECK(e.collective());
  e = expect_error([&] { (void)io::read_attribute<std::int64_t>(file, "/", "method"); });
  CHECK(std::string(e.what()) == "attribute 'method' on '/' in '" + path + "' has type string, expected int64");
  e = expect_error([&] { (void)io::read_attribute<std::string>(file, "/", "seconds"); });
  CHECK(std::string(e.what()) == "attribute 'seconds' on '/' in '" + path + "' has type float64, expected string");
  e = expect_error([&] { (void)io::read_attribute<double>(file, "/missing", "x"); });
  CHECK(std::string(e.what()) == "no object '/missing' in '" + path + "'");
  CHECK(e.collective());
}

TEST_CASE("describe lists groups, datasets and attributes; format_info renders them", "[io][describe]") {
  const auto& comm = world();
  const std::string path = scratch("describe.h5");
  write_result(path);
  File file = File::open(comm, path);
  const auto objects = io::describe(file);
  std::vector<std::string> paths;
  for (const auto& o : objects) paths.push_back(o.path);
  CHECK(paths == std::vector<std::string>{"/", "/eigenvalues", "/eigenvectors", "/optimizer", "/optimizer/state"});
  REQUIRE(objects.size() == 5);
  CHECK(objects[0].kind == io::ObjectInfo::Kind::group);
  CHECK(objects[0].attributes.size() == 5);
  CHECK(objects[1].kind == io::ObjectInfo::Kind::dataset);
  CHECK(objects[1].type_name == "float64");
  CHECK(objects[1].shape == std::vector<Index>{3});
  CHECK(objects[2].type_name == "float32");
  CHECK(objects[2].shape == std::vector<Index>{3, 10});
  REQUIRE(objects[2].attributes.size() == 1);
  CHECK(objects[2].attributes[0].text == "\"row i = eigenvector i\"");

  const std::string text = io::format_info(path, objects);
  INFO(text);
  CHECK_THAT(text, Contains("/eigenvectors     dataset  float32  [3, 10]\n"));
  CHECK_THAT(text, Contains("    method = \"seigh\"\n"));
  CHECK_THAT(text, Contains("    seconds = 12.5\n"));
  CHECK_THAT(text, Contains("/optimizer/state  group\n"));
}
