#pragma once
/// \file
/// Resource measurements for progress and summaries.
#include <cstdint>

namespace seigh {

/// Peak resident set size of this process so far, in bytes
/// (getrusage ru_maxrss); 0 where unavailable.
std::int64_t peak_rss_bytes();

}  // namespace seigh
