#include "jobs/notify.h"

#include <gtest/gtest.h>

namespace companion::jobs {
namespace {

using Argv = std::vector<std::string>;

TEST(NotifyArgvTest, PlainWordsRunWithoutAShell) {
  EXPECT_EQ(notify_argv("notify-send Codex"), (Argv{"notify-send", "Codex"}));
  EXPECT_EQ(notify_argv("  /usr/local/bin/ping-me  --to=me@example.com\t"),
            (Argv{"/usr/local/bin/ping-me", "--to=me@example.com"}));
}

TEST(NotifyArgvTest, AnythingAShellInterpretsGoesThroughShC) {
  for (const std::string cmd : {"notify-send 'Codex done'", "jq .status | logger", "a; b",
                                "echo $HOME", "cat > /tmp/x", "notify *.log", "a && b"}) {
    EXPECT_EQ(notify_argv(cmd), (Argv{"/bin/sh", "-c", cmd})) << cmd;
  }
}

}  // namespace
}  // namespace companion::jobs
