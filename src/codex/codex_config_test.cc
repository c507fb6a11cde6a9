#include "codex/codex_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sys/fake_env.h"
#include "sys/fs.h"

namespace companion::codex {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

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

// A file Codex cannot parse names nothing (Codex refuses to start with it). The line-based
// reader this replaced once looped without end on a key with an unclosed quote.
TEST(ConfigVariables, TextThatIsNotTomlNamesNothing) {
  EXPECT_THAT(config_variables("\"env_key = \"X\"\n'a.b = 1\nenv_key = \"KEPT\"\n"), IsEmpty());
  EXPECT_THAT(config_variables("[\"unclosed.env_http_headers]\nA = \"NOT_A_HEADER\"\n"), IsEmpty());
}

// The forms a line-based reading missed: an env_key in an array of tables, a header variable
// under a quoted dotted key, escapes in a basic string.
TEST(ConfigVariables, EveryTomlFormOfTheKeysIsRead) {
  const char* toml = R"(
[[profiles_list]]
env_key = "IN_AN_ARRAY_OF_TABLES"

[model_providers.escaped]
env_key = "ESC\u0041PED"
"env_http_headers"."X-Quoted" = "QUOTED_HEADER"
)";
  EXPECT_THAT(config_variables(toml),
              ElementsAre("ESCAPED", "IN_AN_ARRAY_OF_TABLES", "QUOTED_HEADER"));
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

TEST(WritableRoots, TableDottedKeyAndProfileAreRead) {
  std::string toml = R"(model = "x"
[sandbox_workspace_write]
network_access = false
writable_roots = ["/abs", "rel", "~/t", "~"]

[other]
writable_roots = ["/not-this"]

[profiles.fast.sandbox_workspace_write]
writable_roots = [
  "/multi", # a comment with "quotes" and ]
  '/literal',
]
)";
  EXPECT_THAT(writable_roots(toml, "/home/u/.codex", "/home/u"),
              UnorderedElementsAre("/abs", "/home/u/.codex/rel", "/home/u/t", "/home/u", "/multi",
                                   "/literal"));
  EXPECT_THAT(writable_roots("sandbox_workspace_write.writable_roots = [\"/d\"]\n", "/c", "/h"),
              ElementsAre("/d"));
  EXPECT_THAT(writable_roots("\"sandbox_workspace_write\" . writable_roots=['/q']", "/c", "/h"),
              ElementsAre("/q"));
}

TEST(WritableRoots, WhatItDoesNotUnderstandAddsNothing) {
  EXPECT_THAT(writable_roots("", "/c", "/h"), IsEmpty());
  EXPECT_THAT(
      writable_roots("[sandbox_workspace_write]\nwritable_roots = [\"/unclosed", "/c", "/h"),
      IsEmpty());
  EXPECT_THAT(
      writable_roots("[sandbox_workspace_write]\nwritable_roots = \"/not-an-array\"", "/c", "/h"),
      IsEmpty());
  EXPECT_THAT(writable_roots("[sandbox_workspace_write\nwritable_roots = [", "/c", "/h"),
              IsEmpty());
  // No home: a ~ root cannot be placed, and is left out rather than guessed.
  EXPECT_THAT(writable_roots("[sandbox_workspace_write]\nwritable_roots = [\"~/x\"]", "/c", ""),
              IsEmpty());
}

// The forms the line-based reader this replaced missed, each a root a write task may write that
// went unseen: an inline table, a root spelled with an escape, a literal multi-line string.
TEST(WritableRoots, InlineTablesEscapesAndMultiLineStringsAreRead) {
  EXPECT_THAT(
      writable_roots("sandbox_workspace_write = { writable_roots = [\"/inline\"] }\n", "/c", "/h"),
      ElementsAre("/inline"));
  EXPECT_THAT(writable_roots("[sandbox_workspace_write]\nwritable_roots = [\"/w\\u0072ite\"]\n",
                             "/c", "/h"),
              ElementsAre("/write"));
  EXPECT_THAT(writable_roots("[sandbox_workspace_write]\nwritable_roots = [\'\'\'/multi\'\'\']\n",
                             "/c", "/h"),
              ElementsAre("/multi"));
}

// Serves files from a map; every other path is missing.
class FilesEnv : public sys::EnvWrapper {
 public:
  explicit FilesEnv(std::map<std::string, std::string> files)
      : EnvWrapper(sys::default_env()), files_(std::move(files)) {}
  Result<std::string> read_file(const std::string& path, size_t max_bytes,
                                sys::Links /*links*/) override {
    auto found = files_.find(path);
    if (found == files_.end()) return make_error("{}: no such file", path);
    if (found->second.size() > max_bytes) return make_error("{}: too large", path);
    return found->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

TEST(ReadCodexConfigs, SystemUserAndProjectInCodexsOrderMissingAndOversizedLeftOut) {
  FilesEnv env({{"/etc/codex/config.toml", "a = 1"},
                {"/ws/.codex/config.toml", "b = 2"},
                {"/home/.codex/config.toml", std::string(kCodexConfigReadLimit + 1, '#')}});
  auto files = read_codex_configs(env, "/home/.codex", "/ws");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "/etc/codex/config.toml");
  EXPECT_EQ(files[1].path, "/ws/.codex/config.toml");
  EXPECT_EQ(files[1].text, "b = 2");
  EXPECT_EQ(read_codex_configs(env, "", "").size(), 1u);
}

}  // namespace
}  // namespace companion::codex
