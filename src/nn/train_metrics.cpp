#include "seigh/nn/train_metrics.hpp"

#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/file.hpp"

namespace seigh::nn {

namespace {
template <class Table, class F>
void for_each_column(Table& t, F&& f) {
  f("/train_loss", t.train_loss);
  f("/train_accuracy", t.train_accuracy);
  f("/test_loss", t.test_loss);
  f("/test_accuracy", t.test_accuracy);
  f("/lr", t.lr);
  f("/seconds", t.seconds);
}
}  // namespace

void MetricsTable::truncate_after(Index last_step) {
  std::size_t keep = 0;
  while (keep < step.size() && step[keep] <= last_step) ++keep;
  step.resize(keep);
  for_each_column(*this, [&](const char*, std::vector<double>& column) { column.resize(keep); });
}

void write_metrics(const dist::Comm& comm, const std::string& path, const MetricsTable& table,
                   const std::vector<std::pair<std::string, std::string>>& attributes) {
  io::OutputFile out(comm, path);
  io::write_replicated(out.file(), "/step", table.step, io::DType::int64);
  for_each_column(table, [&](const char* name, const std::vector<double>& column) {
    io::write_replicated(out.file(), name, column, io::DType::float64);
  });
  for (const auto& [name, value] : attributes) io::write_attribute(out.file(), "/", name, value);
  out.commit();
}

MetricsTable read_metrics(const dist::Comm& comm, const std::string& path) {
  const io::File file = io::File::open(comm, path);
  MetricsTable table;
  table.step = io::read_replicated<std::int64_t>(file, "/step");
  for_each_column(table, [&](const char* name, std::vector<double>& column) {
    column = io::read_replicated<double>(file, name);
    dist::require_all(comm, column.size() == table.step.size(),
                      "metrics file '" + path + "': " + name + " has " + std::to_string(column.size()) +
                          " rows, /step has " + std::to_string(table.step.size()));
  });
  return table;
}

}  // namespace seigh::nn
