#include "seigh/core/version.hpp"
namespace seigh {
std::string version_string() { return "seigh 0.1.0"; }
}  // namespace seigh
