#pragma once
/// \file
/// Library version string (recorded in every file seigh writes).
#include <string>
namespace seigh {
/// "seigh 0.1.0"
std::string version_string();
}  // namespace seigh
