// `slash [--session=ID] COMMAND [--flag…]` (internal): runs the plugin's /codex:COMMAND with the
// arguments the user typed after it, which the UserPromptExpansion hook stashed for the session
// (hooks/typed_arguments.h), so the command file's `!` line — or the model's Bash call — holds
// none of the user's text. The plugin's files call it; see plugin/commands/*.md.
//
//   --session=ID  the Claude Code session (the command files write --session=${CLAUDE_SESSION_ID},
//                 which Claude Code fills in); empty or absent: CODEX_COMPANION_SESSION_ID.
//   COMMAND       review, adversarial-review, rescue, status, result, cancel, setup, transfer,
//                 logs, apply, config, queue or steer; rescue runs `task`, every other one itself.
//   --flag…       fixed option words put before the typed text (`setup --json`, the model's
//                 `--background`, the rescue subagent's `--write`): `--name`, no values.
//
// With a stash: the runtime command runs with one raw argument string, the flags then the typed
// text exactly (SPEC.md section 1: options split like a shell would, the text kept byte for
// byte). Without one: the instructions of hooks::fallback_instructions on stdout (a fresh random
// here-document marker), exit status 0, so a `!` line hands them to the model.
// Errors (one line, exit 1): no COMMAND or an unknown one, a flag word that is not `--name`, a
// stash that cannot be read.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "sys/env.h"

namespace companion::cli {

// The usage line and summary shown by `--help`.
inline constexpr const char* kSlashUsage = "slash [--session=ID] COMMAND [--flag…]";
inline constexpr const char* kSlashSummary =
    "Internal: runs the plugin's /codex:COMMAND with the arguments the user typed after it "
    "(stashed by the UserPromptExpansion hook), so no shell ever reads them.";

// Runs `args` ("slash", then its arguments); `dispatch` runs the resolved runtime command line.
int run_slash(sys::Env& env, const std::vector<std::string>& args,
              const std::function<int(const std::vector<std::string>&)>& dispatch);

}  // namespace companion::cli
