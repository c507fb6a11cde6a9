#include "sys/config.h"

#include <gtest/gtest.h>

#include <map>

namespace companion::sys {
namespace {

// The real OS with a made-up environment.
class VarsEnv : public EnvWrapper {
 public:
  explicit VarsEnv(std::map<std::string, std::string> vars)
      : EnvWrapper(default_env()), vars_(std::move(vars)) {}
  std::optional<std::string> get_var(const std::string& name) override {
    auto it = vars_.find(name);
    if (it == vars_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::pair<std::string, std::string>> variables() override {
    return {vars_.begin(), vars_.end()};
  }
  Result<std::string> current_dir() override { return std::string("/work/here"); }

 private:
  std::map<std::string, std::string> vars_;
};

Result<Config> load(std::map<std::string, std::string> vars) {
  VarsEnv env(std::move(vars));
  return load_config(env);
}

TEST(Config, Defaults) {
  auto c = load({{"HOME", "/home/u"}});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->state_root, "/home/u/.local/state/codex-companion");
  EXPECT_EQ(c->job_timeout_ms, 30 * 60 * 1000);
  EXPECT_EQ(c->turn_stall_ms, 10 * 60 * 1000);
  EXPECT_EQ(c->keep_jobs, 50u);
  EXPECT_FALSE(c->session_id.has_value());
  EXPECT_EQ(c->cwd, "/work/here");
}

TEST(Config, StateRootOrder) {
  EXPECT_EQ(load({{"HOME", "/h"}, {"XDG_STATE_HOME", "/x"}})->state_root, "/x/codex-companion");
  EXPECT_EQ(load({{"HOME", "/h"}, {"XDG_STATE_HOME", "rel"}})->state_root,
            "/h/.local/state/codex-companion");
  EXPECT_EQ(load({{"HOME", "/h"}, {"XDG_STATE_HOME", "/x"}, {"CODEX_COMPANION_STATE_DIR", "/s"}})
                ->state_root,
            "/s");
  EXPECT_EQ(load({{"HOME", "/h"}})->state_root_source, "HOME");
  EXPECT_EQ(load({{"XDG_STATE_HOME", "/x"}})->state_root_source, "XDG_STATE_HOME");
  EXPECT_EQ(load({{"CODEX_COMPANION_STATE_DIR", "/s"}})->state_root_source,
            "CODEX_COMPANION_STATE_DIR");
  // CLAUDE_PLUGIN_DATA no longer moves state: hooks have it, terminals and `!` lines do not.
  EXPECT_EQ(load({{"HOME", "/h"}, {"CLAUDE_PLUGIN_DATA", "/p"}})->state_root,
            "/h/.local/state/codex-companion");
  auto no_home = load({});
  ASSERT_FALSE(no_home.ok());
  EXPECT_NE(no_home.error().message.find("CODEX_COMPANION_STATE_DIR"), std::string::npos);
}

// Regression: a relative CODEX_COMPANION_STATE_DIR was resolved inside the directory the command
// ran in (often the repository, which a write task's sandbox may write): it is refused with what
// to set instead. A relative XDG_STATE_HOME stays ignored, as the XDG specification says.
TEST(Config, RelativeStateDirIsRefused) {
  for (const char* rel : {"st", "./state", "../elsewhere"}) {
    auto c = load({{"HOME", "/h"}, {"CODEX_COMPANION_STATE_DIR", rel}});
    ASSERT_FALSE(c.ok()) << rel;
    EXPECT_NE(c.error().message.find("is a relative path"), std::string::npos);
    EXPECT_NE(c.error().message.find("set an absolute directory"), std::string::npos);
  }
  EXPECT_EQ(load({{"HOME", "/h"}, {"XDG_STATE_HOME", "st"}})->state_root,
            "/h/.local/state/codex-companion");
}

TEST(Config, TmpdirIsKeptWhenAbsolute) {
  EXPECT_EQ(load({{"HOME", "/h"}, {"TMPDIR", "/var/folders/x/T/"}})->tmpdir, "/var/folders/x/T/");
  EXPECT_EQ(load({{"HOME", "/h"}, {"TMPDIR", "tmp"}})->tmpdir, "");
  EXPECT_EQ(load({{"HOME", "/h"}})->tmpdir, "");
}

// Regression: CODEX_COMPANION_KEEP_JOBS=abc (or 0, -1) was silently ignored while the other
// numeric settings were refused. Every numeric setting now has one parser and one message.
TEST(Config, EveryNumericSettingIsValidatedWithOneMessage) {
  for (const char* name : {"CODEX_COMPANION_KEEP_JOBS", "CODEX_COMPANION_JOB_TIMEOUT_MS",
                           "CODEX_COMPANION_TURN_STALL_MS", "CODEX_COMPANION_BROKER_IDLE_MS"}) {
    for (const char* bad : {"abc", "0", "-1", "10s", "99999999999999999999"}) {
      auto c = load({{"HOME", "/h"}, {name, bad}});
      ASSERT_FALSE(c.ok()) << name << "=" << bad;
      EXPECT_EQ(c.error().message.rfind(std::string(name) + "=" + bad +
                                            " is not valid: use a "
                                            "whole number of ",
                                        0),
                0u)
          << c.error().message;
    }
  }
  auto c = load({{"HOME", "/h"},
                 {"CODEX_COMPANION_KEEP_JOBS", "7"},
                 {"CODEX_COMPANION_JOB_TIMEOUT_MS", "1500"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->keep_jobs, 7u);
  EXPECT_EQ(c->job_timeout_ms, 1500);
}

TEST(Config, RelativeCodexIsPinnedBareNameIsLookedUp) {
  EXPECT_EQ(*load({{"HOME", "/h"}, {"CODEX_COMPANION_CODEX", "bin/codex"}})->codex,
            "/work/here/bin/codex");
  EXPECT_EQ(*load({{"HOME", "/h"}, {"CODEX_COMPANION_CODEX", "codex"}})->codex, "codex");
  EXPECT_FALSE(load({{"HOME", "/h"}, {"CODEX_COMPANION_RUNTIME", "fast"}}).ok());
  EXPECT_FALSE(load({{"HOME", "/h"}, {"CODEX_COMPANION_ALLOW_ANY_WORKSPACE", "yes"}}).ok());
}

TEST(Config, ClaudeAndCodexHomes) {
  auto c = load({{"HOME", "/h"}});
  EXPECT_EQ(c->claude_config_dir, "/h/.claude");
  EXPECT_FALSE(c->claude_config_dir_set);
  EXPECT_EQ(c->codex_home, "/h/.codex");
  EXPECT_FALSE(c->codex_home_set);
  c = load({{"HOME", "/h"}, {"CLAUDE_CONFIG_DIR", "cfg"}, {"CODEX_HOME", "/ch"}});
  EXPECT_EQ(c->claude_config_dir, "/work/here/cfg");
  EXPECT_TRUE(c->claude_config_dir_set);
  EXPECT_EQ(c->codex_home, "/ch");
  EXPECT_TRUE(c->codex_home_set);
  // Without an absolute HOME there is no default to point at.
  c = load({{"HOME", "rel"}, {"CODEX_COMPANION_STATE_DIR", "/s"}});
  EXPECT_EQ(c->claude_config_dir, "");
  EXPECT_EQ(c->codex_home, "");
}

TEST(Config, KeepsTheWholeEnvironment) {
  auto c = load({{"HOME", "/h"}, {"OPENAI_API_KEY", "k"}, {"EMPTY", ""}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->environment.at("OPENAI_API_KEY"), "k");
  EXPECT_EQ(c->environment.at("EMPTY"), "");
  EXPECT_EQ(c->environment.count("CODEX_API_KEY"), 0u);
}

TEST(Config, ParseSettingBounds) {
  SettingRange ms{0, kMaxSettingMs, "milliseconds"};
  EXPECT_EQ(*parse_setting("--timeout-ms", "0", ms), 0);
  EXPECT_EQ(*parse_setting("--timeout-ms", std::to_string(kMaxSettingMs), ms), kMaxSettingMs);
  EXPECT_FALSE(parse_setting("--timeout-ms", std::to_string(kMaxSettingMs + 1), ms).ok());
  EXPECT_FALSE(parse_setting("--timeout-ms", "", ms).ok());
  EXPECT_FALSE(parse_setting("--timeout-ms", " 5", ms).ok());
}

}  // namespace
}  // namespace companion::sys
