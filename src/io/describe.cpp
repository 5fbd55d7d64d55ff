#include "seigh/io/describe.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

#include "seigh/dist/collective.hpp"
#include "seigh/io/internal.hpp"

namespace seigh::io {

namespace {

struct Visited {
  std::vector<std::pair<std::string, H5O_type_t>> objects;
};

herr_t visit_object(hid_t, const char* name, const H5O_info_t* info, void* data) {
  try {
    // H5Ovisit names the start object "." and the others relative to it.
    const std::string relative(name);
    std::string path = relative == "." ? std::string("/") : "/" + relative;
    static_cast<Visited*>(data)->objects.emplace_back(std::move(path), info->type);
    return 0;
  } catch (...) {
    return -1;  // never let an exception cross HDF5's C frames
  }
}

}  // namespace

std::vector<ObjectInfo> describe(const File& file) {
  return dist::collective(file.comm(), [&] {
    detail::require_usable(file, false, "describe '" + file.path() + "'");
    Visited visited;
    check_status(H5Ovisit2(file.id(), H5_INDEX_NAME, H5_ITER_INC, visit_object, &visited, H5O_INFO_BASIC),
                 [&] { return "cannot list the contents of '" + file.path() + "'"; });
    std::vector<ObjectInfo> objects;
    objects.reserve(visited.objects.size());
    for (const auto& [path, type] : visited.objects) {
      ObjectInfo info;
      info.path = path;
      if (type == H5O_TYPE_DATASET) {
        info.kind = ObjectInfo::Kind::dataset;
        const DatasetHandle dataset = detail::open_dataset_local(file, path);
        const DatasetInfo d = detail::dataset_info_local(dataset.get());
        info.shape = d.shape;
        info.type_name = d.type_name;
      } else if (type == H5O_TYPE_NAMED_DATATYPE) {
        info.kind = ObjectInfo::Kind::datatype;
      }
      const ObjectHandle object = detail::open_object_local(file, path);
      info.attributes = detail::list_attributes_local(object.get(), detail::in_file(file, path));
      objects.push_back(std::move(info));
    }
    return objects;
  });
}

std::string format_info(const std::string& file_name, const std::vector<ObjectInfo>& objects) {
  std::size_t width = 0;
  for (const ObjectInfo& o : objects) width = std::max(width, o.path.size());
  std::ostringstream out;
  out << file_name << '\n';
  for (const ObjectInfo& o : objects) {
    out << o.path << std::string(width - o.path.size() + 2, ' ');
    switch (o.kind) {
      case ObjectInfo::Kind::group: out << "group"; break;
      case ObjectInfo::Kind::datatype: out << "datatype"; break;
      case ObjectInfo::Kind::dataset: out << "dataset  " << o.type_name << "  " << format_shape(o.shape); break;
    }
    out << '\n';
    for (const AttributeInfo& a : o.attributes) out << "    " << a.name << " = " << a.text << '\n';
  }
  return out.str();
}

}  // namespace seigh::io
