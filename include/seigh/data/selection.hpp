#pragma once
/// \file
/// Which samples of a dataset a run uses: the selection string and the
/// class-balanced subsets of the paper's Hessians (DESIGN.md §1: "500 train
/// + 500 test, class-balanced").
///
/// Grammar: comma-separated items `SPLIT:N`, `SPLIT:all` or `SPLIT`
/// (= `SPLIT:all`), e.g. "train:500,test:500", "train:all", "test:1000".
/// The samples are the items' samples concatenated in the order given
/// (train part, then test part). A split may appear once.
///
/// `SPLIT:N` is class balanced: with C classes, the first N/C samples of
/// each class in index order; the subset is their indices sorted ascending.
/// N must be a positive multiple of C and each class must have N/C samples.
/// `SPLIT:all` is the whole split in index order.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "seigh/core/types.hpp"

namespace seigh::data {

/// One item of a selection.
struct SplitRequest {
  std::string split;
  std::optional<Index> count;  ///< nullopt = all samples of the split
};

/// Parse a selection string. Errors: "empty selection ..."; "bad selection
/// item 'train:x' ..." (count not a non-negative integer or 'all');
/// "empty subset: 'train:0' ..."; "split 'train' appears twice ...".
std::vector<SplitRequest> parse_selection(const std::string& selection);

/// Canonical text of a parsed selection: "train:500,test:all".
std::string format_selection(const std::vector<SplitRequest>& requests);

/// The class-balanced subset of n samples: for each class c the first n/C
/// indices i with labels[i] == c, all of them sorted ascending. Pure (no
/// files), so it is tested directly. `what` names the split in errors
/// ("split 'train' of fmnist16").
/// Errors: "empty subset ..." (n = 0); "subset size 505 of WHAT is not a
/// multiple of the 10 classes ..."; "subset size 70000 exceeds the 60000
/// samples of WHAT"; "subset size 700 of WHAT needs 70 samples of each
/// class, but class 3 has only 60".
std::vector<Index> class_balanced_indices(std::span<const std::int32_t> labels, int classes, Index n,
                                          const std::string& what);

/// The indices a request selects from a split with these labels: all
/// indices for `all`, else class_balanced_indices.
std::vector<Index> select_indices(const SplitRequest& request, std::span<const std::int32_t> labels, int classes,
                                  const std::string& what);

}  // namespace seigh::data
