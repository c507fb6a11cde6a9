#include "store/log_lines.h"

#include <gtest/gtest.h>

namespace companion::store {
namespace {

using Lines = std::vector<std::string>;

TEST(LastLines, TakesTheLastCompleteLines) {
  std::string rest;
  EXPECT_EQ(last_lines("a\nb\nc\n", 2, false, rest), (Lines{"b", "c"}));
  EXPECT_EQ(rest, "");
  EXPECT_EQ(last_lines("a\nb\nc\n", 10, false, rest), (Lines{"a", "b", "c"}));
}

TEST(LastLines, AnUnfinishedLineIsTheRest) {
  std::string rest;
  EXPECT_EQ(last_lines("a\nb\npart", 5, false, rest), (Lines{"a", "b"}));
  EXPECT_EQ(rest, "part");
  EXPECT_EQ(last_lines("only", 5, false, rest), Lines{});
  EXPECT_EQ(rest, "only");
}

TEST(LastLines, ACutTailDropsItsFirstFragment) {
  std::string rest;
  EXPECT_EQ(last_lines("ment\nwhole\n", 5, true, rest), (Lines{"whole"}));
  EXPECT_EQ(last_lines("fragment", 5, true, rest), Lines{});
  EXPECT_EQ(rest, "");
}

TEST(LastLines, KeepsEmptyLines) {
  std::string rest;
  EXPECT_EQ(last_lines("\n\nx\n", 5, false, rest), (Lines{"", "", "x"}));
}

TEST(LineSplitter, HoldsAPartialLineUntilItsNewline) {
  LineSplitter splitter("[t] sta");
  EXPECT_EQ(splitter.feed("rted\n[t] ne"), (Lines{"[t] started"}));
  EXPECT_EQ(splitter.feed("xt\n\n"), (Lines{"[t] next", ""}));
  EXPECT_EQ(splitter.feed("tail"), Lines{});
  EXPECT_EQ(splitter.take_rest(), "tail");
  EXPECT_EQ(splitter.take_rest(), "");
}

TEST(LineSplitter, CutsOverlongLines) {
  LineSplitter splitter;
  std::string huge(LineSplitter::kMaxLineBytes + 10, 'x');
  auto lines = splitter.feed(huge + "\n");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].size(), LineSplitter::kMaxLineBytes);
  EXPECT_EQ(lines[1], std::string(10, 'x'));
}

}  // namespace
}  // namespace companion::store
