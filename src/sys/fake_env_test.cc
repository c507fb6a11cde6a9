#include "sys/fake_env.h"

#include <gtest/gtest.h>

namespace companion::sys {
namespace {

TEST(FakeClockEnv, SleepAdvancesWithoutWaiting) {
  FakeClockEnv env(default_env(), 1000, 5);
  int64_t real_start = default_env().monotonic_ms();
  env.sleep_ms(60000);
  EXPECT_EQ(env.now_ms(), 61000);
  EXPECT_EQ(env.monotonic_ms(), 60005);
  EXPECT_LT(default_env().monotonic_ms() - real_start, 1000);
  EXPECT_EQ(env.sleeps(), std::vector<int64_t>{60000});
}

TEST(FaultInjectionEnv, FailsTheChosenCallOnly) {
  FaultInjectionEnv env(default_env());
  char tmpl[] = "/tmp/companion-fault-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  env.fail(FaultInjectionEnv::Op::kAppendFile, 2, "b.log", "disk on fire");
  EXPECT_TRUE(env.append_file(dir + "/a.log", "x").ok());
  EXPECT_TRUE(env.append_file(dir + "/b.log", "x").ok());  // first matching call
  Status second = env.append_file(dir + "/b.log", "y");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().message, "disk on fire");
  EXPECT_TRUE(env.append_file(dir + "/b.log", "z").ok());  // fired once
  EXPECT_EQ(env.calls(FaultInjectionEnv::Op::kAppendFile), 4);
  EXPECT_EQ(*read_file(dir + "/b.log"), "xz");
}

}  // namespace
}  // namespace companion::sys
