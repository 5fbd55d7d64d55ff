#pragma once
/// \file
/// At which steps a training run writes checkpoints.
///
/// Grammar (`--checkpoints SPEC`; `--checkpoint-every N` is `every:N`):
///
///     every:N          0, N, 2N, … ≤ T  (N ≥ 1; N > T gives just 0 and T)
///     log:K            K log-spaced steps: 0 and round(T^(j/(K−2))) for
///                      j = 0..K−2 (1 … T), duplicates removed (K ≥ 2), so
///                      fewer than K steps when T is small
///     ITEM[,ITEM…]     ITEM = a step t, or a range START:STOP:STEP
///                      (STOP inclusive; STEP ≥ 1; START ≤ STOP),
///                      e.g. 0:1000:5,1100:5000:100
///
/// Step 0 (the initialisation) and the last step T are always included; the
/// result is sorted and deduplicated. A listed step beyond T is an error (it
/// would never be written), as is anything malformed.

#include <string>
#include <vector>

#include "seigh/core/types.hpp"

namespace seigh::nn {

/// The sorted, deduplicated checkpoint steps of `spec` for a run of
/// `total_steps` (≥ 1) steps, always with 0 and total_steps. Throws
/// seigh::Error naming the offending item.
[[nodiscard]] std::vector<Index> checkpoint_steps(const std::string& spec, Index total_steps);

}  // namespace seigh::nn
