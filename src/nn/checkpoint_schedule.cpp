#include "seigh/nn/checkpoint_schedule.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "seigh/core/error.hpp"

namespace seigh::nn {

namespace {

/// A non-negative decimal integer, the whole of `text`.
bool parse_index(std::string_view text, Index& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

}  // namespace

std::vector<Index> checkpoint_steps(const std::string& spec, Index T) {
  SEIGH_REQUIRE(T >= 1) << "checkpoint schedule: the run needs >= 1 steps, got " << T;
  std::vector<Index> steps{0, T};
  const std::string_view text = spec;
  SEIGH_REQUIRE(!text.empty()) << "empty checkpoint schedule (use --checkpoint-every N or --checkpoints LIST)";
  if (text.rfind("every:", 0) == 0) {
    Index n = 0;
    SEIGH_REQUIRE(parse_index(text.substr(6), n) && n >= 1)
        << "bad checkpoint schedule '" << spec << "': every:N needs an integer N >= 1";
    for (Index t = 0; t <= T; t += n) steps.push_back(t);
  } else if (text.rfind("log:", 0) == 0) {
    Index k = 0;
    SEIGH_REQUIRE(parse_index(text.substr(4), k) && k >= 2)
        << "bad checkpoint schedule '" << spec << "': log:K needs an integer K >= 2";
    for (Index j = 0; j <= k - 2; ++j) {
      const double exponent = k == 2 ? 1.0 : static_cast<double>(j) / static_cast<double>(k - 2);
      steps.push_back(static_cast<Index>(std::llround(std::pow(static_cast<double>(T), exponent))));
    }
  } else {
    for (const std::string_view item : split(text, ',')) {
      const auto fields = split(item, ':');
      Index start = 0, stop = 0, step = 1;
      if (fields.size() == 1) {
        SEIGH_REQUIRE(parse_index(item, start))
            << "bad checkpoint step '" << item << "' in '" << spec << "' (a step, START:STOP:STEP, every:N or log:K)";
        stop = start;
      } else {
        SEIGH_REQUIRE(fields.size() == 3 && parse_index(fields[0], start) && parse_index(fields[1], stop) &&
                      parse_index(fields[2], step) && step >= 1 && start <= stop)
            << "bad checkpoint range '" << item << "' in '" << spec
            << "' (START:STOP:STEP with START <= STOP, STEP >= 1, STOP inclusive)";
      }
      SEIGH_REQUIRE(stop <= T) << "checkpoint schedule '" << spec << "': step " << stop << " (in '" << item
                               << "') is beyond the last step " << T << " (--steps)";
      for (Index t = start; t <= stop; t += step) steps.push_back(t);
    }
  }
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  return steps;
}

}  // namespace seigh::nn
