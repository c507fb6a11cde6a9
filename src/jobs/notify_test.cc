#include "jobs/notify.h"

#include <gtest/gtest.h>

#include "sys/env.h"

namespace companion::jobs {
namespace {

using Argv = std::vector<std::string>;

// The command text is never an argument of any process (every local user can read argv): the
// shell reads it from its environment, whatever the command.
TEST(NotifyArgvTest, NotifyCommandNeverInArgv) {
  Argv argv = notify_argv();
  EXPECT_EQ(argv, (Argv{"/bin/sh", "-c", "eval \"$CODEX_COMPANION_NOTIFY_COMMAND\"",
                        "codex-companion-notify"}));
  std::string secret = ": https://hooks.example.com/T0KEN-SECRET";
  std::string line =
      run_notify_command(sys::default_env(), secret + " 2>/dev/null; exit 7", -1, 5000);
  EXPECT_EQ(line, "Notify command failed (exit code 7).");  // it ran, through the shell
  for (const auto& arg : notify_argv()) EXPECT_EQ(arg.find("T0KEN"), std::string::npos);
}

TEST(NotifyArgvTest, EmptyCommandRunsNothing) {
  EXPECT_EQ(run_notify_command(sys::default_env(), "  \t", -1, 5000),
            "Notify command not run: it is empty.");
}

// `config set notify WORD...` given several words (a shell or the plugin's one raw argument
// split them) stores one command line that runs those same words.
TEST(CommandLineOfTest, KeepsEachWordAsItWasGiven) {
  EXPECT_EQ(command_line_of({"notify-send", "Codex"}), "notify-send Codex");
  EXPECT_EQ(command_line_of({"notify-send", "Codex done"}), "notify-send 'Codex done'");
  EXPECT_EQ(command_line_of({"say", "it's $HOME; rm -rf /"}), "say 'it'\"'\"'s $HOME; rm -rf /'");
  EXPECT_EQ(command_line_of({"a", ""}), "a ''");
  // What it stores runs those words again through the shell.
  EXPECT_EQ(run_notify_command(sys::default_env(), command_line_of({"test", "a b", "=", "a b"}), -1,
                               5000),
            "Notify command ran.");
  EXPECT_NE(
      run_notify_command(sys::default_env(), command_line_of({"test", "a b", "=", "a"}), -1, 5000),
      "Notify command ran.");
}

}  // namespace
}  // namespace companion::jobs
