#include "seigh/io/hdf5_handle.hpp"

#include <array>
#include <string>

namespace seigh::io {

void init_hdf5_errors() {
  thread_local bool silenced = false;
  if (silenced) return;
  // Failure here would only mean HDF5 keeps printing; nothing to report.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

namespace {

struct Innermost {
  bool found = false;
  std::string description;
  std::string minor;
};

herr_t take_innermost(unsigned n, const H5E_error2_t* entry, void* client) {
  // Walking upward, entry 0 is the innermost: where the error was detected.
  if (n != 0 || entry == nullptr) return 0;
  auto* out = static_cast<Innermost*>(client);
  out->found = true;
  if (entry->desc != nullptr) out->description = entry->desc;
  std::array<char, 256> text{};
  H5E_type_t type{};
  if (H5Eget_msg(entry->min_num, &type, text.data(), text.size()) > 0) out->minor = text.data();
  return 1;  // stop: only the innermost entry is wanted
}

}  // namespace

std::string hdf5_error_description() {
  Innermost innermost;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &innermost);
  H5Eclear2(H5E_DEFAULT);
  if (!innermost.found) return "unknown HDF5 error";
  std::string text = innermost.description;
  if (text.empty()) return innermost.minor.empty() ? std::string("unknown HDF5 error") : innermost.minor;
  if (!innermost.minor.empty() && text.find(innermost.minor) == std::string::npos) text += " (" + innermost.minor + ")";
  return text;
}

void throw_hdf5_error(const std::string& context) { throw Error(context + ": " + hdf5_error_description()); }

}  // namespace seigh::io
