// Selections and class-balanced subsets, on label vectors built in the test
// (no files).
#include <catch2/catch.hpp>

#include "expect_error.hpp"
#include "seigh/data/selection.hpp"

using namespace seigh;
using Catch::Matchers::Contains;

TEST_CASE("parse_selection: grammar and canonical form", "[selection]") {
  const auto r = data::parse_selection(" train:500 , test:all,val");
  REQUIRE(r.size() == 3);
  CHECK(r[0].split == "train");
  CHECK(r[0].count == 500);
  CHECK(r[1].split == "test");
  CHECK_FALSE(r[1].count.has_value());
  CHECK_FALSE(r[2].count.has_value());
  CHECK(data::format_selection(r) == "train:500,test:all,val:all");
  CHECK(data::format_selection(data::parse_selection("test:1000")) == "test:1000");
}

TEST_CASE("parse_selection: mistakes are errors that say what is wrong", "[selection]") {
  CHECK_THAT(test::expect_error([] { data::parse_selection(""); }).what(), Contains("empty selection"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("  "); }).what(), Contains("empty selection"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:0"); }).what(),
             Contains("empty subset: 'train:0' selects no samples"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:"); }).what(), Contains("bad selection item 'train:'"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:-5"); }).what(),
             Contains("'-5' is not a sample count"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:1e3"); }).what(), Contains("'1e3' is not a sample count"));
  CHECK_THAT(test::expect_error([] { data::parse_selection(":500"); }).what(), Contains("no split name"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:10,,test:10"); }).what(), Contains("empty item"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:10,"); }).what(), Contains("empty item"));
  CHECK_THAT(test::expect_error([] { data::parse_selection("train:10,train:all"); }).what(),
             Contains("split 'train' appears twice"));
}

TEST_CASE("class_balanced_indices: the first n/C of each class, ascending", "[selection]") {
  // 3 classes; class 2 first appears late, class 0 is frequent.
  const std::vector<std::int32_t> labels{0, 0, 1, 0, 0, 1, 0, 2, 1, 0, 2, 2, 1, 0};
  SECTION("n = 6: two of each class") {
    const auto idx = data::class_balanced_indices(labels, 3, 6, "split 'x'");
    CHECK(idx == std::vector<Index>{0, 1, 2, 5, 7, 10});
  }
  SECTION("n = 9: three of each class") {
    const auto idx = data::class_balanced_indices(labels, 3, 9, "split 'x'");
    CHECK(idx == std::vector<Index>{0, 1, 2, 3, 5, 7, 8, 10, 11});
  }
  SECTION("exact counts per class, ascending, and the first of each class, on a larger random labelling") {
    std::vector<std::int32_t> many(5000);
    std::uint32_t s = 99;
    for (auto& y : many) y = static_cast<std::int32_t>(((s = s * 1664525u + 1013904223u) >> 16) % 10);
    const auto idx = data::class_balanced_indices(many, 10, 1000, "split 'x'");
    REQUIRE(idx.size() == 1000);
    CHECK(std::is_sorted(idx.begin(), idx.end()));
    CHECK(std::adjacent_find(idx.begin(), idx.end()) == idx.end());
    std::vector<int> per_class(10, 0);
    for (const Index i : idx) ++per_class[static_cast<std::size_t>(many[static_cast<std::size_t>(i)])];
    CHECK(per_class == std::vector<int>(10, 100));
    // Every unselected index of class c comes after class c's 100th selected one.
    for (int c = 0; c < 10; ++c) {
      Index seen = 0;
      for (std::size_t i = 0; i < many.size(); ++i) {
        if (many[i] != c) continue;
        const bool selected = std::binary_search(idx.begin(), idx.end(), static_cast<Index>(i));
        CHECK(selected == (seen < 100));
        ++seen;
      }
    }
  }
}

TEST_CASE("class_balanced_indices: impossible subsets are clear errors", "[selection]") {
  const std::vector<std::int32_t> labels{0, 1, 0, 1, 0, 0, 0, 0};  // class 1 has 2 samples
  CHECK_THAT(test::expect_error([&] { data::class_balanced_indices(labels, 2, 0, "split 'train' of d"); }).what(),
             Contains("empty subset"));
  CHECK_THAT(test::expect_error([&] { data::class_balanced_indices(labels, 2, 5, "split 'train' of d"); }).what(),
             Contains("subset size 5 of split 'train' of d is not a multiple of the 2 classes"));
  CHECK_THAT(test::expect_error([&] { data::class_balanced_indices(labels, 2, 10, "split 'train' of d"); }).what(),
             Contains("subset size 10 exceeds the 8 samples of split 'train' of d"));
  CHECK_THAT(test::expect_error([&] { data::class_balanced_indices(labels, 2, 6, "split 'train' of d"); }).what(),
             Contains("needs 3 samples of each of the 2 classes, but class 1 has only 2"));
  CHECK(data::class_balanced_indices(labels, 2, 4, "d") == std::vector<Index>{0, 1, 2, 3});
}

TEST_CASE("select_indices: 'all' is the whole split in order", "[selection]") {
  const std::vector<std::int32_t> labels{2, 2, 0};
  CHECK(data::select_indices(data::SplitRequest{"s", std::nullopt}, labels, 3, "s") == std::vector<Index>{0, 1, 2});
}
