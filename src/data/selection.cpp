#include "seigh/data/selection.hpp"

#include <algorithm>
#include <cctype>
#include <numeric>
#include <sstream>

#include "seigh/core/error.hpp"

namespace seigh::data {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

constexpr const char* kGrammar = " (expected SPLIT:N, SPLIT:all or SPLIT, comma-separated, e.g. train:500,test:500)";

}  // namespace

std::vector<SplitRequest> parse_selection(const std::string& selection) {
  if (trim(selection).empty()) SEIGH_FAIL() << "empty selection" << kGrammar;
  std::vector<SplitRequest> requests;
  std::stringstream items(selection);
  for (std::string item; std::getline(items, item, ',');) {
    item = trim(item);
    if (item.empty()) SEIGH_FAIL() << "bad selection '" << selection << "': empty item" << kGrammar;
    SplitRequest request;
    const auto colon = item.find(':');
    request.split = trim(item.substr(0, colon));
    const std::string count = colon == std::string::npos ? "all" : trim(item.substr(colon + 1));
    if (request.split.empty()) SEIGH_FAIL() << "bad selection item '" << item << "': no split name" << kGrammar;
    if (count != "all") {
      const bool digits = !count.empty() && count.size() <= 15 &&
                          std::all_of(count.begin(), count.end(), [](unsigned char c) { return std::isdigit(c); });
      if (!digits) {
        SEIGH_FAIL() << "bad selection item '" << item << "': '" << count
                     << "' is not a sample count (a non-negative integer) or 'all'" << kGrammar;
      }
      request.count = std::stoll(count);
      if (*request.count == 0) {
        SEIGH_FAIL() << "empty subset: '" << item << "' selects no samples (give a positive multiple of the classes, "
                     << "or 'all')";
      }
    }
    for (const SplitRequest& earlier : requests) {
      if (earlier.split == request.split) {
        SEIGH_FAIL() << "bad selection '" << selection << "': split '" << request.split
                     << "' appears twice (its samples would be used twice)";
      }
    }
    requests.push_back(request);
  }
  // getline drops a trailing empty item ("train:500,").
  if (trim(selection).back() == ',') SEIGH_FAIL() << "bad selection '" << selection << "': empty item" << kGrammar;
  return requests;
}

std::string format_selection(const std::vector<SplitRequest>& requests) {
  std::string text;
  for (const SplitRequest& request : requests) {
    if (!text.empty()) text += ',';
    text += request.split + ':' + (request.count ? std::to_string(*request.count) : std::string("all"));
  }
  return text;
}

std::vector<Index> class_balanced_indices(std::span<const std::int32_t> labels, int classes, Index n,
                                          const std::string& what) {
  SEIGH_REQUIRE(classes >= 1) << "class_balanced_indices: classes = " << classes;
  const auto size = static_cast<Index>(labels.size());
  if (n <= 0) SEIGH_FAIL() << "empty subset: " << n << " samples of " << what << " requested";
  if (n % classes != 0) {
    SEIGH_FAIL() << "subset size " << n << " of " << what << " is not a multiple of the " << classes
                 << " classes (class-balanced subsets take n/" << classes << " samples of each class; e.g. "
                 << (n > classes ? std::to_string((n / classes) * classes) + " or " : std::string())
                 << (n / classes + 1) * classes << ")";
  }
  if (n > size) SEIGH_FAIL() << "subset size " << n << " exceeds the " << size << " samples of " << what;
  const Index per_class = n / classes;
  std::vector<Index> taken(static_cast<std::size_t>(classes), 0);
  std::vector<Index> indices;
  indices.reserve(static_cast<std::size_t>(n));
  // One ascending scan: index i joins while its class still needs samples,
  // so the result is sorted and holds the first per_class of each class.
  for (Index i = 0; i < size && static_cast<Index>(indices.size()) < n; ++i) {
    const std::int32_t c = labels[static_cast<std::size_t>(i)];
    SEIGH_REQUIRE(c >= 0 && c < classes) << "label " << c << " at index " << i << " of " << what
                                         << " is outside [0, " << classes << ")";
    if (taken[static_cast<std::size_t>(c)] < per_class) {
      ++taken[static_cast<std::size_t>(c)];
      indices.push_back(i);
    }
  }
  for (int c = 0; c < classes; ++c) {
    if (taken[static_cast<std::size_t>(c)] < per_class) {
      SEIGH_FAIL() << "subset size " << n << " of " << what << " needs " << per_class << " samples of each of the "
                   << classes << " classes, but class " << c << " has only " << taken[static_cast<std::size_t>(c)];
    }
  }
  return indices;
}

std::vector<Index> select_indices(const SplitRequest& request, std::span<const std::int32_t> labels, int classes,
                                  const std::string& what) {
  if (request.count) return class_balanced_indices(labels, classes, *request.count, what);
  std::vector<Index> all(labels.size());
  std::iota(all.begin(), all.end(), Index{0});
  return all;
}

}  // namespace seigh::data
