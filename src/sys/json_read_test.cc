#include "sys/json_read.h"

#include <gtest/gtest.h>

#include <string>

namespace companion::sys {
namespace {

std::string nested_arrays(int depth) {
  return std::string(static_cast<size_t>(depth), '[') +
         std::string(static_cast<size_t>(depth), ']');
}

TEST(ParseJson, ParsesWhatNlohmannParses) {
  auto value = parse_json(R"({"a": [1, {"b": "c"}], "d": null})");
  ASSERT_FALSE(value.is_discarded());
  EXPECT_EQ(value["a"][1]["b"], "c");
  EXPECT_TRUE(parse_json("{").is_discarded());
  EXPECT_TRUE(parse_json("").is_discarded());
  EXPECT_TRUE(parse_json("\"\xff\"").is_discarded());
}

TEST(ParseJson, NestingUpToTheBoundIsKept) {
  bool too_deep = true;
  auto value = parse_json(nested_arrays(kMaxJsonDepth), kMaxJsonDepth, &too_deep);
  EXPECT_FALSE(value.is_discarded());
  EXPECT_FALSE(too_deep);
  auto object = parse_json(R"({"a":{"b":{"c":1}}})", 3);
  EXPECT_FALSE(object.is_discarded());
}

// Found by fuzz/review_output, fuzz/stored_rows, fuzz/turn_capture and fuzz/rpc_dispatch
// (fuzz/crashes/*/deep-nesting): a value nested tens of thousands of levels deep parsed fine,
// then overflowed the stack when it was copied, compared or dumped.
TEST(ParseJson, NestingDeeperThanTheBoundIsRefusedInsteadOfOverflowingTheStack) {
  bool too_deep = false;
  EXPECT_TRUE(
      parse_json(nested_arrays(kMaxJsonDepth + 1), kMaxJsonDepth, &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
  EXPECT_TRUE(parse_json(R"({"a":{"b":{"c":1}}})", 2).is_discarded());
  std::string deep = R"({"method":"x","params":)" + nested_arrays(1000000) + "}";
  too_deep = false;
  EXPECT_TRUE(parse_json(deep, kMaxJsonDepth, &too_deep).is_discarded());
  EXPECT_TRUE(too_deep);
}

}  // namespace
}  // namespace companion::sys
