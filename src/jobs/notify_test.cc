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

// `config set notify WORD...` given several words (a shell or the plugin's one raw argument
// split them) stores one command line that runs those same words.
TEST(CommandLineOfTest, KeepsEachWordAsItWasGiven) {
  EXPECT_EQ(command_line_of({"notify-send", "Codex"}), "notify-send Codex");
  EXPECT_EQ(command_line_of({"notify-send", "Codex done"}), "notify-send 'Codex done'");
  EXPECT_EQ(command_line_of({"say", "it's $HOME; rm -rf /"}), "say 'it'\"'\"'s $HOME; rm -rf /'");
  EXPECT_EQ(command_line_of({"a", ""}), "a ''");
  // What it stores runs those words again, through the shell when a word needed quoting.
  EXPECT_EQ(notify_argv(command_line_of({"notify-send", "Codex"})), (Argv{"notify-send", "Codex"}));
  EXPECT_EQ(notify_argv(command_line_of({"notify-send", "a b"})),
            (Argv{"/bin/sh", "-c", "notify-send 'a b'"}));
}

}  // namespace
}  // namespace companion::jobs
