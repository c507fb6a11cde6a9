#include "cli/args.h"

#include <gtest/gtest.h>

namespace companion::cli {
namespace {

using Words = std::vector<std::string>;

TEST(SplitRaw, ShellLikeQuoting) {
  EXPECT_EQ(*split_raw_arguments("a b  c"), (Words{"a", "b", "c"}));
  EXPECT_EQ(*split_raw_arguments("--base 'main branch' x"), (Words{"--base", "main branch", "x"}));
  EXPECT_EQ(*split_raw_arguments(R"("say \"hi\"" 'it''s')"), (Words{"say \"hi\"", "its"}));
}

TEST(SplitRaw, EscapesAndEmptyQuotes) {
  EXPECT_EQ(*split_raw_arguments(R"(a\ b "" '')"), (Words{"a b", "", ""}));
  EXPECT_EQ(*split_raw_arguments(R"("a\\b\$c\d")"), (Words{R"(a\b$c\d)"}));
  EXPECT_EQ(*split_raw_arguments("  "), Words{});
  EXPECT_EQ(*split_raw_arguments("x'y z'w"), (Words{"xy zw"}));
  EXPECT_FALSE(split_raw_arguments("'open").ok());
  EXPECT_FALSE(split_raw_arguments("\"open").ok());
}

OptionSpec spec() {
  OptionSpec s;
  s.value_options = {"base", "model"};
  s.boolean_options = {"write", "background"};
  return s;
}

TEST(Parse, OptionsFlagsAndPositionals) {
  auto p = parse_arguments({"--base", "main", "--model=gpt", "--write", "fix", "it"}, spec());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->value("base"), "main");
  EXPECT_EQ(p->value("model"), "gpt");
  EXPECT_TRUE(p->flag("write"));
  EXPECT_EQ(p->positionals, (Words{"fix", "it"}));
}

TEST(Parse, FlagFalseUnknownFlagsAndDoubleDash) {
  auto p = parse_arguments({"--write=false", "--unknown", "x", "--", "--base", "y"}, spec());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->flag("write"));
  EXPECT_TRUE(p->has_flag("write"));
  EXPECT_FALSE(p->value("base").has_value());
  EXPECT_EQ(p->positionals, (Words{"--unknown", "x", "--base", "y"}));
  EXPECT_FALSE(parse_arguments({"--write=maybe", "x"}, spec()).ok());
}

TEST(Parse, SingleArgumentIsARawString) {
  auto p = parse_arguments({"--background --base 'a b' -C /tmp do the thing"}, spec());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->flag("background"));
  EXPECT_EQ(p->value("base"), "a b");
  EXPECT_EQ(p->value("cwd"), "/tmp");
  EXPECT_EQ(join_positionals(p->positionals), "do the thing");
}

TEST(Parse, CommonOptionsAndMissingValue) {
  auto p = parse_arguments({"--json", "--cwd=/x"}, spec());
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->flag("json"));
  EXPECT_EQ(p->value("cwd"), "/x");
  auto missing = parse_arguments({"--json", "--base"}, spec());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "--base needs a value");
}

}  // namespace
}  // namespace companion::cli
