#include "codex/identity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "sys/fs.h"
#include "sys/json_read.h"

namespace companion::codex {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(ConfigVariables, EnvKeysAndHeaderVariablesOfEveryForm) {
  const char* toml = R"(
model_provider = "corp"
# env_key = "COMMENTED_OUT"
[model_providers.corp]
name = "Corp"
env_key = "CORP_API_KEY"   # the key
env_http_headers = { "X-Org" = "CORP_ORG", 'X-Team' = 'CORP_TEAM' }

[model_providers.other]
env_key='OTHER_KEY'

[model_providers.other.env_http_headers]
"X-Region" = "OTHER_REGION"
X-Bad = "not a name!"

[profiles.p]
model_providers.third.env_key = "THIRD_KEY"
model_providers.third.env_http_headers."X-Fourth" = "FOURTH_VAR"
model = "gpt"
)";
  EXPECT_THAT(config_variables(toml),
              ElementsAre("CORP_API_KEY", "CORP_ORG", "CORP_TEAM", "FOURTH_VAR", "OTHER_KEY",
                          "OTHER_REGION", "THIRD_KEY"));
}

TEST(ConfigVariables, NothingFromGarbage) {
  EXPECT_THAT(config_variables(""), IsEmpty());
  EXPECT_THAT(config_variables("env_key = \"unterminated\n[[[\n= =\nenv_key = 42\n"), IsEmpty());
  EXPECT_THAT(config_variables("env_key = \"1STARTS_WITH_DIGIT\"\nenv_key = \"\"\n"), IsEmpty());
}

// Found by the test below: a key with an unclosed quote (`"a = 1`) never advanced, and the
// reading looped, adding empty segments until memory ran out. A repository's config could hang
// every command run in it.
TEST(ConfigVariables, AnUnclosedQuoteInAKeyEndsTheKey) {
  EXPECT_THAT(config_variables("\"env_key = \"X\"\n'a.b = 1\nenv_key = \"KEPT\"\n"),
              ElementsAre("KEPT"));
  EXPECT_THAT(config_variables("[\"unclosed.env_http_headers]\nA = \"NOT_A_HEADER\"\n"), IsEmpty());
}

// The workspace's .codex/config.toml is the repository's: whatever it holds, reading it names
// only well-formed variables and never throws or reads out of bounds (ASan preset).
TEST(ConfigVariables, AnyTextIsRead) {
  const std::vector<std::string> tokens = {"env_key",
                                           "env_http_headers",
                                           "model_providers",
                                           "=",
                                           "\"",
                                           "'",
                                           "{",
                                           "}",
                                           "[",
                                           "]",
                                           "[[",
                                           ".",
                                           ",",
                                           "#",
                                           " ",
                                           "\n",
                                           "\\",
                                           "KEY_1",
                                           "x",
                                           "\"A\"",
                                           "'B'"};
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (size_t i = 0, n = next() % 40; i < n; ++i) text += tokens[next() % tokens.size()];
    for (const std::string& name : config_variables(text)) {
      ASSERT_FALSE(name.empty()) << text;
      ASSERT_EQ(
          name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"),
          std::string::npos)
          << text;
    }
  }
}

class IdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/identity_" + std::to_string(::getpid()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::system(("rm -rf '" + dir_ + "'").c_str()), 0);
    ASSERT_TRUE(sys::ensure_private_dir(dir_ + "/home").ok());
    dir_ = *sys::real_path(dir_);
    program_ = dir_ + "/codex";
    ASSERT_TRUE(sys::write_file_atomic(program_, "#!/bin/sh\nexit 0\n").ok());
    config_.codex_home = dir_ + "/home";
    config_.codex_home_set = true;
    codex_.program = program_;
  }

  CodexIdentity identity() {
    return codex_identity(dir_ + "/workspace", config_, codex_, sys::default_env());
  }

  std::string dir_, program_;
  sys::Config config_;
  CodexCommand codex_;
};

TEST_F(IdentityTest, SameInputsSameDigest) {
  auto a = identity();
  auto b = identity();
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.digest.size(), 64u);
  EXPECT_EQ(a.key(), a.digest.substr(0, 16));
  EXPECT_EQ(a.codex_home, dir_ + "/home");
  EXPECT_THAT(a.app_server_args, ElementsAre("app-server"));
}

TEST_F(IdentityTest, AnotherCodexHomeIsAnotherCodex) {
  auto a = identity();
  ASSERT_TRUE(sys::ensure_private_dir(dir_ + "/home2").ok());
  config_.codex_home = dir_ + "/home2";
  EXPECT_NE(identity().digest, a.digest);
}

TEST_F(IdentityTest, TheDefaultHomeAndTheSameHomeNamedAreTheSameCodex) {
  auto named = identity();
  config_.codex_home_set = false;
  EXPECT_EQ(identity().digest, named.digest);
  // A symlink to the home resolves to it.
  ASSERT_EQ(::symlink((dir_ + "/home").c_str(), (dir_ + "/link").c_str()), 0);
  config_.codex_home = dir_ + "/link";
  EXPECT_EQ(identity().digest, named.digest);
}

TEST_F(IdentityTest, ProviderVariablesCountByValueAndAreNeverShown) {
  auto none = identity();
  EXPECT_THAT(none.variables_set, IsEmpty());
  config_.environment["OPENAI_API_KEY"] = "sk-secret-one";
  auto one = identity();
  EXPECT_NE(one.digest, none.digest);
  EXPECT_THAT(one.variables_set, ElementsAre("OPENAI_API_KEY"));
  config_.environment["OPENAI_API_KEY"] = "sk-secret-two";
  auto two = identity();
  EXPECT_NE(two.digest, one.digest);
  EXPECT_EQ(two.variables_set, one.variables_set);
  // An empty value is not the same as none at all.
  config_.environment["OPENAI_API_KEY"] = "";
  EXPECT_NE(identity().digest, none.digest);
  // Variables Codex does not read change nothing.
  config_.environment.erase("OPENAI_API_KEY");
  config_.environment["EDITOR"] = "vi";
  config_.environment["HTTPS_PROXY"] = "http://proxy:3128";
  EXPECT_EQ(identity().digest, none.digest);
  std::string shown = to_json(one).dump() + to_json(two).dump();
  EXPECT_THAT(shown, Not(HasSubstr("sk-secret")));
  EXPECT_THAT(shown, HasSubstr("OPENAI_API_KEY"));
}

TEST_F(IdentityTest, VariablesTheConfigNamesCount) {
  config_.environment["CORP_KEY"] = "a";
  auto before = identity();
  EXPECT_THAT(before.variables_set, IsEmpty());
  ASSERT_TRUE(sys::write_file_atomic(dir_ + "/home/config.toml",
                                     "[model_providers.corp]\nenv_key = \"CORP_KEY\"\n")
                  .ok());
  auto named = identity();
  EXPECT_THAT(named.variables_set, ElementsAre("CORP_KEY"));
  EXPECT_NE(named.digest, before.digest);
  config_.environment["CORP_KEY"] = "b";
  EXPECT_NE(identity().digest, named.digest);
}

TEST_F(IdentityTest, AnUpgradedExecutableAtTheSamePathIsAnotherCodex) {
  auto before = identity();
  // An upgrade writes the new file and renames it over the old one.
  ASSERT_TRUE(sys::write_file_atomic(program_, "#!/bin/sh\necho new\nexit 0\n").ok());
  auto after = identity();
  EXPECT_EQ(after.program, before.program);
  EXPECT_NE(after.digest, before.digest);
  EXPECT_THAT(describe_difference(to_json(after), to_json(before)), HasSubstr("replaced"));
}

TEST_F(IdentityTest, AnotherExecutableIsAnotherCodex) {
  auto before = identity();
  ASSERT_TRUE(sys::write_file_atomic(dir_ + "/codex2", "#!/bin/sh\nexit 0\n").ok());
  codex_.program = dir_ + "/codex2";
  auto after = identity();
  EXPECT_NE(after.digest, before.digest);
  EXPECT_THAT(describe_difference(to_json(after), to_json(before)),
              HasSubstr("the codex executable is " + dir_ + "/codex2 here, " + program_));
}

TEST_F(IdentityTest, DifferencesAreNamedWithoutValues) {
  auto a = to_json(identity());
  EXPECT_EQ(describe_difference(a, a), "");
  config_.environment["CODEX_API_KEY"] = "secret-value";
  auto b = to_json(identity());
  std::string why = describe_difference(b, a);
  EXPECT_THAT(why, HasSubstr("CODEX_API_KEY here, none there"));
  EXPECT_THAT(why, Not(HasSubstr("secret-value")));
  config_.environment["CODEX_API_KEY"] = "other-value";
  EXPECT_THAT(describe_difference(to_json(identity()), b), HasSubstr("another value"));
  EXPECT_THAT(describe_difference(b, nlohmann::json::object()), HasSubstr("does not say"));
  EXPECT_EQ(identity_digest(b), sys::json_text(b, "digest"));
  EXPECT_EQ(identity_digest(nlohmann::json::array()), "");
}

}  // namespace
}  // namespace companion::codex
