#include "codex/reasoning.h"

#include <gtest/gtest.h>

namespace companion::codex {
namespace {

using nlohmann::json;
using Sections = std::vector<std::string>;

Sections read(const json& summary) {
  return reasoning_sections(summary, 100, 1000);
}

TEST(ReasoningSectionsTest, StringsAsCodexSendsThem) {
  EXPECT_EQ(read(json{"**Plan**\n\nRead  the diff.", "  ", "Check tests"}),
            (Sections{"**Plan** Read the diff.", "Check tests"}));
}

// Regression (issue 9, R1): summaries given as {text} objects were dropped, so `review` printed
// no "Reasoning:" section for servers (and the reference's fixture) that send them.
TEST(ReasoningSectionsTest, TextObjectsAreRead) {
  EXPECT_EQ(read(json::array({{{"text", "Inspected the changed files."}}})),
            (Sections{"Inspected the changed files."}));
}

TEST(ReasoningSectionsTest, NestedSummaryContentAndPartsAreRead) {
  json nested = json::array({{{"summary", json::array({{{"text", "one"}}, "two"})}},
                             {{"content", {{"parts", json::array({"three", {{"text", "four"}}})}}}},
                             {{"parts", "five"}}});
  EXPECT_EQ(read(nested), (Sections{"one", "two", "three", "four", "five"}));
  EXPECT_EQ(read("a single string"), (Sections{"a single string"}));
}

TEST(ReasoningSectionsTest, TextWinsOverOtherKeysAndOtherShapesHoldNothing) {
  EXPECT_EQ(read(json{{"text", "kept"}, {"summary", "ignored"}}), (Sections{"kept"}));
  EXPECT_TRUE(read(json{{"text", 3}}).empty());
  EXPECT_TRUE(read(json(42)).empty());
  EXPECT_TRUE(read(json()).empty());
  EXPECT_TRUE(read(json{{"other", "x"}}).empty());
}

TEST(ReasoningSectionsTest, BoundedInCountSizeAndDepth) {
  json many = json::array();
  for (int i = 0; i < 50; ++i) many.push_back("section");
  EXPECT_EQ(reasoning_sections(many, 3, 1000).size(), 3u);
  EXPECT_LE(reasoning_sections(json{std::string(5000, 'x')}, 3, 100)[0].size(), 110u);
  json deep = "bottom";
  for (int i = 0; i < 20; ++i) deep = json::array({deep});
  EXPECT_TRUE(read(deep).empty());
  json shallow = json::array({json::array({"near"})});
  EXPECT_EQ(read(shallow), (Sections{"near"}));
}

}  // namespace
}  // namespace companion::codex
