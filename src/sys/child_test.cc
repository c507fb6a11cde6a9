#include "sys/child.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include "sys/process.h"

namespace companion::sys {
namespace {

TEST(ChildTest, ExitFdBecomesReadableWhenTheChildExits) {
  SpawnOptions options;
  options.argv = {"/bin/sh", "-c", "sleep 0.2"};
  options.new_process_group = true;
  auto pid = spawn(options);
  ASSERT_TRUE(pid.ok());
  auto fd = open_exit_fd(*pid);
  if (!fd.ok()) {
    (void)reap_within(*pid, 5000);
    GTEST_SKIP() << fd.error().message;
  }
  struct pollfd p = {fd->get(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);  // still running
  EXPECT_TRUE(process_group_alive(*pid));
  EXPECT_EQ(::poll(&p, 1, 5000), 1);
  auto status = try_reap(*pid);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_FALSE(process_group_alive(*pid));
}

TEST(ChildTest, IgnoredSigpipeTurnsIntoEpipe) {
  ignore_sigpipe();
  auto pipe = make_pipe();
  ASSERT_TRUE(pipe.ok());
  pipe->first.reset();
  EXPECT_EQ(::write(pipe->second.get(), "x", 1), -1);
  EXPECT_EQ(errno, EPIPE);
}

}  // namespace
}  // namespace companion::sys
