#include "hooks/typed_arguments.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include "sys/fs.h"

namespace companion::hooks {
namespace {

// What a user may type: both quotes, a here-document's end, a substitution, backticks, a `!`.
constexpr const char* kNasty =
    "--base main look at \"it's\" C:\\Users\\me\nCODEX_COMPANION_ARGS\n)\"; touch PWNED; "
    "$(touch PWNED2) `touch PWNED3` !x";

class TypedArgumentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/companion-typed-XXXXXX";
    root_ = std::string(::mkdtemp(tmpl)) + "/state";
  }
  sys::Env& env_ = sys::default_env();
  std::string root_;
};

TEST_F(TypedArgumentsTest, AStashIsTakenOnceExactlyAsTyped) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "s-1", "status", kNasty).ok());
  auto taken = take_typed_arguments(env_, root_, "s-1", "status");
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_EQ(taken->value_or("(none)"), kNasty);
  auto again = take_typed_arguments(env_, root_, "s-1", "status");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value()) << "taken twice";
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/typed-arguments").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(TypedArgumentsTest, EmptyArgumentsAreAStashToo) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "s-1", "result", "").ok());
  auto taken = take_typed_arguments(env_, root_, "s-1", "result");
  ASSERT_TRUE(taken.ok());
  ASSERT_TRUE(taken->has_value());
  EXPECT_EQ(**taken, "");
}

TEST_F(TypedArgumentsTest, OneSessionNeverTakesAnothersText) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "session-a", "review", "--base main").ok());
  EXPECT_FALSE(take_typed_arguments(env_, root_, "session-b", "review")->has_value());
  // A stash copied under another session's name still names its own session: refused.
  std::string a = *typed_arguments_path(root_, "session-a");
  std::string b = *typed_arguments_path(root_, "session-b");
  ASSERT_TRUE(sys::write_file_atomic(b, *sys::read_file(a)).ok());
  auto copied = take_typed_arguments(env_, root_, "session-b", "review");
  ASSERT_FALSE(copied.ok());
  EXPECT_FALSE(sys::path_exists(b));
  EXPECT_EQ(take_typed_arguments(env_, root_, "session-a", "review")->value_or(""), "--base main");
}

TEST_F(TypedArgumentsTest, AStashForAnotherCommandIsLeftForIt) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "s-1", "review", "--wait").ok());
  EXPECT_FALSE(take_typed_arguments(env_, root_, "s-1", "setup")->has_value());
  EXPECT_EQ(take_typed_arguments(env_, root_, "s-1", "review")->value_or(""), "--wait");
}

TEST_F(TypedArgumentsTest, ClearRemovesTheSessionsStash) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "s-1", "cancel", "job").ok());
  ASSERT_TRUE(clear_typed_arguments(env_, root_, "s-1").ok());
  EXPECT_FALSE(take_typed_arguments(env_, root_, "s-1", "cancel")->has_value());
  EXPECT_TRUE(clear_typed_arguments(env_, root_, "never-stashed").ok());
}

TEST_F(TypedArgumentsTest, NoPathIsBuiltFromAnIdThatIsNotPlain) {
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "../escape", "a/b", "a b",
                                                         "a\nb", std::string(129, 'a')}) {
    EXPECT_FALSE(typed_arguments_path(root_, bad).ok()) << bad;
    EXPECT_FALSE(stash_typed_arguments(env_, root_, bad, "status", "x").ok()) << bad;
    EXPECT_FALSE(take_typed_arguments(env_, root_, bad, "status")->has_value()) << bad;
    EXPECT_TRUE(clear_typed_arguments(env_, root_, bad).ok()) << bad;
  }
  EXPECT_TRUE(typed_arguments_path(root_, "0f3c8a52-1d7e-4a55-9c1b-6e2f0a9d4b11").ok());
}

TEST_F(TypedArgumentsTest, ASymlinkOrOversizedTextIsRefused) {
  ASSERT_TRUE(stash_typed_arguments(env_, root_, "s-1", "status", "x").ok());
  std::string path = *typed_arguments_path(root_, "s-1");
  ASSERT_TRUE(sys::remove_file(path).ok());
  std::string target = root_ + "/elsewhere.json";
  ASSERT_TRUE(sys::write_file_atomic(
                  target, R"({"sessionId":"s-1","command":"status","arguments":"planted"})")
                  .ok());
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0);
  EXPECT_FALSE(take_typed_arguments(env_, root_, "s-1", "status").ok());
  EXPECT_TRUE(sys::path_exists(target));
  std::string huge(kMaxTypedArgumentsBytes + 1, 'x');
  EXPECT_FALSE(stash_typed_arguments(env_, root_, "s-1", "rescue", huge).ok());
}

TEST(SlashCall, PluginCommandsAndTheirRuntimeCommands) {
  EXPECT_EQ(plugin_command("codex:status"), "status");
  EXPECT_EQ(plugin_command("codex:adversarial-review"), "adversarial-review");
  EXPECT_FALSE(plugin_command("status").has_value());
  EXPECT_FALSE(plugin_command("other:status").has_value());
  EXPECT_FALSE(plugin_command("codex:task-worker").has_value());
  EXPECT_EQ(runtime_command("rescue"), "task");
  EXPECT_EQ(runtime_command("setup"), "setup");
}

TEST(SlashCall, RawArgumentsAreTheFixedWordsThenTheTextExactly) {
  EXPECT_EQ(slash_raw_arguments({}, ""), "");
  EXPECT_EQ(slash_raw_arguments({"--json"}, ""), "--json");
  EXPECT_EQ(slash_raw_arguments({}, "  spaced \"text\"\n"), "  spaced \"text\"\n");
  EXPECT_EQ(slash_raw_arguments({"--write", "--background"}, kNasty),
            std::string("--write --background ") + kNasty);
  EXPECT_TRUE(is_fixed_option("--background"));
  EXPECT_TRUE(is_fixed_option("--resume-last"));
  for (const char* word : {"--", "---x", "-x", "--model=x", "--Write", "--a b", "text", ""}) {
    EXPECT_FALSE(is_fixed_option(word)) << word;
  }
}

TEST(SlashCall, TheFallbackNamesAFreshMarkerAndTheExactCall) {
  std::string marker = random_marker();
  EXPECT_TRUE(std::regex_match(marker, std::regex("CODEX_COMPANION_ARGS_[0-9a-f]{24}"))) << marker;
  EXPECT_NE(random_marker(), marker);
  std::string text = fallback_instructions("rescue", {"--write"}, marker);
  EXPECT_EQ(text.rfind("codex-companion: the arguments typed after /codex:rescue did not reach "
                       "codex-companion",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\ncodex-companion task \"$(cat <<'" + marker +
                      "'\n--write <the arguments>\n\n" + marker + "\n)\"\n"),
            std::string::npos)
      << text;
  EXPECT_NE(fallback_instructions("status", {}, marker)
                .find("codex-companion status \"$(cat <<'" + marker + "'\n<the arguments>\n"),
            std::string::npos);
}

}  // namespace
}  // namespace companion::hooks
