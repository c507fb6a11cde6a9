#include "codex/codex_binary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/fs.h"

namespace companion::codex {
namespace {

using ::testing::HasSubstr;

#if defined(__linux__) && defined(__x86_64__)
constexpr const char* kNativeTail =
    "node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex";
#elif defined(__linux__) && defined(__aarch64__)
constexpr const char* kNativeTail =
    "node_modules/@openai/codex-linux-arm64/vendor/aarch64-unknown-linux-musl/bin/codex";
#else
constexpr const char* kNativeTail = nullptr;
#endif

void make_executable(const std::string& path) {
  std::string dir = sys::dirname_of(path);
  ASSERT_EQ(::system(("mkdir -p '" + dir + "'").c_str()), 0);
  ASSERT_TRUE(sys::write_file_atomic(path, "#!/bin/sh\nexit 0\n").ok());
  ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
}

// A global npm install: <root>/bin/codex -> ../lib/node_modules/@openai/codex/bin/codex.js
class CodexBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kNativeTail == nullptr) GTEST_SKIP() << "no native Codex package for this platform";
    root_ = ::testing::TempDir() + "/codex_binary_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(::system(("rm -rf '" + root_ + "'").c_str()), 0);
    ASSERT_TRUE(sys::ensure_private_dir(root_).ok());
    root_ = *sys::real_path(root_);
    lib_ = root_ + "/lib";
    make_executable(lib_ + "/node_modules/@openai/codex/bin/codex.js");
    native_ = lib_ + "/" + kNativeTail;
    make_executable(native_);
    ASSERT_TRUE(sys::ensure_private_dir(root_ + "/bin").ok());
    launcher_ = root_ + "/bin/codex";
    ASSERT_EQ(::symlink("../lib/node_modules/@openai/codex/bin/codex.js", launcher_.c_str()), 0);
  }

  std::string root_, lib_, native_, launcher_;
  sys::Config config_;
  sys::Env& env_ = sys::default_env();
};

TEST_F(CodexBinaryTest, NpmLauncherIsBypassedWithItsEnvironment) {
  CodexCommand c = direct_codex_command(env_, launcher_, config_);
  EXPECT_EQ(c.program, native_);
  EXPECT_EQ(c.launcher, launcher_);
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(c.env, (Env{{"CODEX_MANAGED_PACKAGE_ROOT", lib_ + "/node_modules/@openai/codex"},
                        {"CODEX_MANAGED_BY_NPM", "1"}}));
}

TEST_F(CodexBinaryTest, PnpmAndBunInstallsKeepTheLauncher) {
  ASSERT_TRUE(sys::write_file_atomic(lib_ + "/node_modules/.modules.yaml", "x").ok());
  EXPECT_EQ(direct_codex_command(env_, launcher_, config_).program, launcher_);
  ASSERT_TRUE(sys::remove_file(lib_ + "/node_modules/.modules.yaml").ok());
  config_.npm_config_user_agent = "bun/1.1.0 npm/? node/v20";
  EXPECT_EQ(direct_codex_command(env_, launcher_, config_).program, launcher_);
  config_.npm_config_user_agent.reset();
  config_.codex_managed_elsewhere = true;
  EXPECT_EQ(direct_codex_command(env_, launcher_, config_).program, launcher_);
  config_.codex_managed_elsewhere = false;
  EXPECT_EQ(direct_codex_command(env_, launcher_, config_).program, native_);
}

TEST_F(CodexBinaryTest, MissingNativeKeepsTheLauncher) {
  ASSERT_TRUE(sys::remove_file(native_).ok());
  CodexCommand c = direct_codex_command(env_, launcher_, config_);
  EXPECT_EQ(c.program, launcher_);
  EXPECT_TRUE(c.env.empty());
  EXPECT_TRUE(c.launcher.empty());
}

TEST_F(CodexBinaryTest, OtherProgramsRunAsGiven) {
  EXPECT_EQ(direct_codex_command(env_, native_, config_).program, native_);
  EXPECT_EQ(direct_codex_command(env_, "/bin/sh", config_).program, "/bin/sh");
}

TEST_F(CodexBinaryTest, ConfiguredProgramMustExist) {
  config_.codex = root_ + "/nope";
  auto r = resolve_codex(env_, config_);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("CODEX_COMPANION_CODEX=" + root_ + "/nope"));
}

// Regression (a background worker could run another codex than the one checked): a relative
// program, or one found through a relative PATH entry, is resolved once to an absolute path.
TEST_F(CodexBinaryTest, RelativeProgramAndPathEntryBecomeAbsolute) {
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(root_.c_str()), 0);
  config_.codex = "bin/codex";
  auto r = resolve_codex(env_, config_);
  config_.codex.reset();
  config_.path = ":/nonexistent";  // an empty entry: the current directory
  ASSERT_EQ(::chdir((root_ + "/bin").c_str()), 0);
  auto on_path = resolve_codex(env_, config_);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(on_path.ok()) << on_path.error().message;
  EXPECT_EQ(on_path->launcher, root_ + "/bin/codex");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->program, native_);
  EXPECT_EQ(r->launcher, root_ + "/bin/codex");
}

TEST_F(CodexBinaryTest, FoundOnPath) {
  config_.path = root_ + "/bin";
  auto r = resolve_codex(env_, config_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->program, native_);
}

}  // namespace
}  // namespace companion::codex
