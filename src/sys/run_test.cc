#include "sys/run.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <string>

#include "sys/clock.h"
#include "sys/fs.h"

namespace companion::sys {
namespace {

RunOptions shell(const std::string& script) {
  RunOptions options;
  options.argv = {"/bin/sh", "-c", script};
  return options;
}

// True when `pid` no longer exists or is only a zombie waiting for its reaper.
bool gone_or_zombie(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return true;
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

bool wait_until_gone(pid_t pid, int timeout_ms) {
  int64_t deadline = monotonic_ms() + timeout_ms;
  while (!gone_or_zombie(pid)) {
    if (monotonic_ms() > deadline) return false;
    ::usleep(10000);
  }
  return true;
}

TEST(RunCommand, CapturesStdoutStderrAndExitCode) {
  auto r = run_command(shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err_tail, "err\n");
  EXPECT_EQ(r->exit_code(), 3);
  EXPECT_FALSE(r->success());
  EXPECT_FALSE(r->timed_out);
  EXPECT_FALSE(r->stdout_truncated);
  EXPECT_EQ(r->describe(), "exit code 3");
}

TEST(RunCommand, SuccessWithEmptyOutput) {
  auto r = run_command(shell("true"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->success());
  EXPECT_EQ(r->out, "");
}

TEST(RunCommand, TruncatesStdoutButDrainsIt) {
  auto options = shell("head -c 200000 /dev/zero | tr '\\0' a; exit 0");
  options.max_stdout_bytes = 1000;
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out.size(), 1000u);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_TRUE(r->success());  // drained, so the writer never blocked or got SIGPIPE
}

TEST(RunCommand, ExactLimitIsNotTruncation) {
  auto options = shell("printf 12345");
  options.max_stdout_bytes = 5;
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "12345");
  EXPECT_FALSE(r->stdout_truncated);
}

TEST(RunCommand, KillOnOverflowEndsAnEndlessWriter) {
  auto options = shell("yes");
  options.max_stdout_bytes = 4096;
  options.kill_on_overflow = true;
  options.timeout_ms = 20000;
  int64_t start = monotonic_ms();
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(monotonic_ms() - start, 10000);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_EQ(r->out.size(), 4096u);
  EXPECT_FALSE(r->timed_out);
  EXPECT_FALSE(r->success());
}

TEST(RunCommand, KeepsTheTailOfStderr) {
  auto options =
      shell("i=0; while [ $i -lt 3000 ]; do echo line$i >&2; i=$((i+1)); done; echo END >&2");
  options.max_stderr_bytes = 100;
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->err_tail.size(), 100u);
  EXPECT_EQ(r->err_tail.substr(r->err_tail.size() - 4), "END\n");
}

TEST(RunCommand, TimeoutKillsTheWholeProcessGroup) {
  auto options = shell("sleep 30 & echo $!; wait");
  options.timeout_ms = 300;
  int64_t start = monotonic_ms();
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_LT(monotonic_ms() - start, 5000);
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->success());
  EXPECT_EQ(r->exit_code(), -1);
  EXPECT_EQ(r->describe(), "timed out");
  pid_t grandchild = std::stoi(r->out);
  EXPECT_TRUE(wait_until_gone(grandchild, 5000)) << "background child survived";
}

TEST(RunCommand, BackgroundChildHoldingThePipeIsKilledAtTheDeadline) {
  // The shell exits at once, but its background child keeps stdout open.
  auto options = shell("sleep 30 & echo $!");
  options.timeout_ms = 300;
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_TRUE(wait_until_gone(std::stoi(r->out), 5000));
}

TEST(RunCommand, HonoursCwdAndEnvironment) {
  auto options = shell("pwd; echo \"$RUN_TEST_VALUE\"");
  options.cwd = "/";
  options.env = {{"RUN_TEST_VALUE", "forty two"}};
  auto r = run_command(options);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->out, "/\nforty two\n");
}

TEST(RunCommand, MissingProgramIsAnError) {
  RunOptions options;
  options.argv = {"no-such-program-for-run-test"};
  auto r = run_command(options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no-such-program-for-run-test"), std::string::npos);
}

TEST(RunCommand, BadCwdIsAnError) {
  auto options = shell("true");
  options.cwd = "/no/such/dir/for/run/test";
  EXPECT_FALSE(run_command(options).ok());
}

TEST(RunCommand, ReportsDeathBySignal) {
  auto r = run_command(shell("kill -TERM $$"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code(), -1);
  EXPECT_EQ(r->describe(), "signal 15");
}

TEST(ExecutablePath, NamesThisTestBinary) {
  auto path = executable_path();
  ASSERT_TRUE(path.ok()) << path.error().message;
  EXPECT_EQ(path->front(), '/');
  EXPECT_EQ(basename_of(*path), "sys_test");
}

}  // namespace
}  // namespace companion::sys
