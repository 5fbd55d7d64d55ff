#include "seigh/io/checkpoint.hpp"

#include <vector>

#include "seigh/core/error.hpp"
#include "seigh/dist/collective.hpp"
#include "seigh/io/attributes.hpp"
#include "seigh/io/dataset.hpp"
#include "seigh/io/describe.hpp"
#include "seigh/io/file.hpp"

namespace seigh::io {

namespace {
constexpr const char* kFormat = "seigh-checkpoint-1";
constexpr const char* kStateGroup = "/optimizer";

const char* type_label(const AttributeValue& value) {
  switch (value.index()) {
    case 0: return "int64";
    case 1: return "float64";
    default: return "string";
  }
}
}  // namespace

template <class T>
T attribute(const Checkpoint& checkpoint, const std::string& name, const std::string& path) {
  const auto found = checkpoint.attributes.find(name);
  SEIGH_REQUIRE(found != checkpoint.attributes.end()) << "checkpoint '" << path << "' has no attribute '" << name << "'";
  if constexpr (std::is_same_v<T, double>) {
    if (const auto* i = std::get_if<std::int64_t>(&found->second)) return static_cast<double>(*i);
  }
  const T* value = std::get_if<T>(&found->second);
  SEIGH_REQUIRE(value != nullptr) << "checkpoint '" << path << "': attribute '" << name << "' has type "
                                  << type_label(found->second);
  return *value;
}

template std::int64_t attribute<std::int64_t>(const Checkpoint&, const std::string&, const std::string&);
template double attribute<double>(const Checkpoint&, const std::string&, const std::string&);
template std::string attribute<std::string>(const Checkpoint&, const std::string&, const std::string&);

void write_checkpoint(const dist::Comm& comm, const std::string& path, const Checkpoint& checkpoint) {
  const Index D = checkpoint.params.size();
  dist::collective(comm, [&] {
    for (const auto& [name, vector] : checkpoint.state) {
      SEIGH_REQUIRE(!name.empty() && name.find('/') == std::string::npos)
          << "checkpoint state name '" << name << "' must be a plain name";
      SEIGH_REQUIRE(vector.size() == D) << "checkpoint state '" << name << "' has " << vector.size()
                                        << " entries, /params has " << D;
    }
  });
  OutputFile out(comm, path);
  File& file = out.file();
  write_replicated<float>(file, "/params", checkpoint.params, DType::float32);
  if (!checkpoint.state.empty()) {
    create_group(file, kStateGroup);
    for (const auto& [name, vector] : checkpoint.state)
      write_replicated<float>(file, std::string(kStateGroup) + "/" + name, vector, DType::float32);
  }
  write_attribute(file, "/", "format", kFormat);
  for (const auto& [name, value] : checkpoint.attributes)
    std::visit([&](const auto& v) { write_attribute(file, "/", name, v); }, value);
  out.commit();
}

Checkpoint read_checkpoint(const dist::Comm& comm, const std::string& path) {
  const File file = File::open(comm, path);
  const std::vector<ObjectInfo> objects = describe(file);
  Checkpoint checkpoint;
  bool has_params = false;
  std::vector<std::string> state_names;
  const std::string prefix = std::string(kStateGroup) + "/";
  for (const ObjectInfo& object : objects) {
    if (object.kind != ObjectInfo::Kind::dataset) continue;
    if (object.path == "/params") has_params = true;
    if (object.path.rfind(prefix, 0) == 0) state_names.push_back(object.path.substr(prefix.size()));
  }
  dist::require_all(comm, has_params, "'" + path + "' is not a seigh checkpoint (no /params dataset)");
  const std::vector<float> params = read_replicated<float>(file, "/params");
  checkpoint.params = Eigen::Map<const VectorF>(params.data(), static_cast<Index>(params.size()));
  for (const std::string& name : state_names) {
    const std::vector<float> values = read_replicated<float>(file, prefix + name);
    dist::require_all(comm, values.size() == params.size(),
                      "checkpoint '" + path + "': /optimizer/" + name + " has " + std::to_string(values.size()) +
                          " entries, /params has " + std::to_string(params.size()));
    checkpoint.state[name] = Eigen::Map<const VectorF>(values.data(), static_cast<Index>(values.size()));
  }
  for (const AttributeInfo& info : list_attributes(file, "/")) {
    if (!info.shape.empty()) continue;
    if (info.type_name == "string") {
      checkpoint.attributes[info.name] = read_attribute<std::string>(file, "/", info.name);
    } else if (info.type_name.rfind("int", 0) == 0 || info.type_name.rfind("uint", 0) == 0) {
      checkpoint.attributes[info.name] = read_attribute<std::int64_t>(file, "/", info.name);
    } else if (info.type_name.rfind("float", 0) == 0) {
      checkpoint.attributes[info.name] = read_attribute<double>(file, "/", info.name);
    }
  }
  return checkpoint;
}

}  // namespace seigh::io
