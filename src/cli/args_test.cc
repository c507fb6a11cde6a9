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

TEST(Parse, FlagFalseAndDoubleDash) {
  auto p = parse_arguments({"--write=false", "x", "--", "--unknown", "--base", "y"}, spec());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->flag("write"));
  EXPECT_TRUE(p->has_flag("write"));
  EXPECT_FALSE(p->value("base").has_value());
  EXPECT_EQ(p->positionals, (Words{"x", "--unknown", "--base", "y"}));
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

OptionSpec free_text_spec() {
  OptionSpec s = spec();
  s.free_text = true;
  return s;
}

// Regression: prompt text taken as flags. One raw argument ("$ARGUMENTS") used to be split
// whole, so option words, quotes and backslashes inside the prompt changed the command.
TEST(PromptTextTakenAsFlags, OptionWordsInsideRawTextStayText) {
  auto p = parse_arguments({"explain what the --write flag does"}, free_text_spec());
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->has_flag("write"));
  EXPECT_EQ(p->text, "explain what the --write flag does");
  auto moved = parse_arguments({"look --cwd /etc -C / --base x"}, free_text_spec());
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(moved->value("cwd").has_value());
  EXPECT_FALSE(moved->value("base").has_value());
  EXPECT_EQ(moved->text, "look --cwd /etc -C / --base x");
}

TEST(PromptTextTakenAsFlags, RawTextIsKeptByteForByte) {
  for (const std::string raw : {R"(open C:\Users\me and \n)", "it's broken", "say \"hi",
                                "'quoted' \"words\"  two  spaces ", "tab\there\nnew line\n"}) {
    auto p = parse_arguments({raw}, free_text_spec());
    ASSERT_TRUE(p.ok()) << raw;
    EXPECT_EQ(p->text, raw);
  }
}

TEST(PromptTextTakenAsFlags, LeadingOptionsAreSplitThenTheExactRemainder) {
  auto p = parse_arguments(
      {"  --background --base 'a b' -C /tmp --write=false  do it's \\ --json "}, free_text_spec());
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->flag("background"));
  EXPECT_EQ(p->value("base"), "a b");
  EXPECT_EQ(p->value("cwd"), "/tmp");
  EXPECT_TRUE(p->has_flag("write"));
  EXPECT_FALSE(p->flag("write"));
  EXPECT_FALSE(p->has_flag("json"));
  EXPECT_EQ(p->text, "do it's \\ --json ");
}

TEST(PromptTextTakenAsFlags, DoubleDashStartsTheText) {
  auto dashed = parse_arguments({"--write -- --background  x"}, free_text_spec());
  ASSERT_TRUE(dashed.ok());
  EXPECT_TRUE(dashed->flag("write"));
  EXPECT_FALSE(dashed->has_flag("background"));
  EXPECT_EQ(dashed->text, "--background  x");
  auto literal = parse_arguments({"-- --frobnicate --write"}, free_text_spec());
  ASSERT_TRUE(literal.ok());
  EXPECT_FALSE(literal->has_flag("write"));
  EXPECT_EQ(literal->text, "--frobnicate --write");
  auto only_options = parse_arguments({" --write  "}, free_text_spec());
  ASSERT_TRUE(only_options.ok());
  EXPECT_EQ(only_options->text, "");
}

TEST(PromptTextTakenAsFlags, UnbalancedQuoteIsTextButNotAValue) {
  auto text = parse_arguments({"--write it's \"open"}, free_text_spec());
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->text, "it's \"open");
  auto value = parse_arguments({"--base 'open"}, free_text_spec());
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().message, "the value of --base: unterminated single quote in arguments");
  auto missing = parse_arguments({"--write --base "}, free_text_spec());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "--base needs a value");
}

TEST(PromptTextTakenAsFlags, ArgvFormJoinsTheRestWithSingleSpaces) {
  auto p = parse_arguments({"--model", "m", "fix", "--write", "", "it's"}, free_text_spec());
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->value("model"), "m");
  EXPECT_FALSE(p->has_flag("write"));
  EXPECT_EQ(p->text, "fix --write  it's");
  auto dashed = parse_arguments({"--json", "--", "--write"}, free_text_spec());
  ASSERT_TRUE(dashed.ok());
  EXPECT_TRUE(dashed->flag("json"));
  EXPECT_EQ(dashed->text, "--write");
  EXPECT_FALSE(parse_arguments({"--write", "--model"}, free_text_spec()).ok());
}

// Regression: an unknown option before the text became prompt text. `adversarial-review --wait
// --some-flag focus` sent "--some-flag focus" to Codex as the focus and exited 0.
TEST(UnknownOptionBeforeTextBecomesPromptText, RefusedInTheRawAndTheArgvForm) {
  const std::string expected =
      "unknown option --some-flag for adversarial-review; put text after -- to send it literally";
  OptionSpec review = free_text_spec();
  review.boolean_options.insert("wait");
  for (const Words& args :
       {Words{"--wait --some-flag focus text"}, Words{"--wait", "--some-flag", "focus", "text"},
        Words{"--some-flag=1 focus"}, Words{"'--some-flag' focus"}}) {
    auto p = parse_arguments(args, review, "adversarial-review");
    ASSERT_FALSE(p.ok()) << args.front();
    EXPECT_EQ(p.error().message, expected) << args.front();
  }
  auto single = parse_arguments({"-x marks the spot"}, free_text_spec(), "task");
  ASSERT_FALSE(single.ok());
  EXPECT_EQ(single.error().message,
            "unknown option -x for task; put text after -- to send it literally");
}

TEST(UnknownOptionBeforeTextBecomesPromptText, TextAfterTheFirstWordOrDoubleDashStaysLiteral) {
  for (const std::string raw : {"focus --some-flag", "-- --some-flag focus", "- a list item",
                                "-5% throughput since yesterday", "--write -- -x"}) {
    auto p = parse_arguments({raw}, free_text_spec(), "adversarial-review");
    ASSERT_TRUE(p.ok()) << raw << ": " << p.error().message;
  }
  EXPECT_EQ(parse_arguments({"-5% slower"}, free_text_spec())->text, "-5% slower");
  EXPECT_EQ(parse_arguments({"--write -- -x"}, free_text_spec())->text, "-x");
  // -h is --help, as everywhere.
  EXPECT_TRUE(parse_arguments({"-h"}, free_text_spec())->flag("help"));
}

// The same kind in the commands that take options anywhere: an unknown option was taken as a
// job id, a config word, or ignored.
TEST(UnknownOptionBeforeTextBecomesPromptText, CommandsWithOptionsAnywhereRefuseThemToo) {
  auto status = parse_arguments({"task-abc", "--frobnicate"}, spec(), "status");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "unknown option --frobnicate for status; run `codex-companion status --help` for its "
            "options");
  EXPECT_FALSE(parse_arguments({"--all -v"}, spec(), "status").ok());
  OptionSpec literal = spec();
  literal.literal_words = true;
  auto config = parse_arguments({"set", "notify", "notify-send", "-u", "low"}, literal, "config");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().message,
            "unknown option -u for config; put text after -- to send it literally");
  auto dashed = parse_arguments({"set", "notify", "--", "notify-send", "-u", "low"}, literal);
  ASSERT_TRUE(dashed.ok());
  EXPECT_EQ(dashed->positionals, (Words{"set", "notify", "notify-send", "-u", "low"}));
  // Negative numbers and a lone dash are words, not options.
  EXPECT_EQ(parse_arguments({"set", "max-parallel", "-1"}, literal)->positionals.back(), "-1");
  // A command that takes no positionals says so instead of ignoring them.
  OptionSpec none = spec();
  none.max_positionals = 0;
  auto setup = parse_arguments({"--json", "stray"}, none, "setup");
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.error().message,
            "unexpected argument 'stray' for setup; run `codex-companion setup --help`");
}

}  // namespace
}  // namespace companion::cli
