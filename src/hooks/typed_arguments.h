// The arguments a user typed after one of the plugin's slash commands, handed from Claude Code to
// the runtime without ever being part of a shell command line.
//
// Why: Claude Code pastes $ARGUMENTS into a command file's text as typed. A `!` line (or the
// model's Bash call) that quotes it can be ended by the text itself — a here-document ends at its
// marker line, whatever fixed marker the file chooses — and what follows then runs as shell,
// stopped only by Claude Code's permission check, which --dangerously-skip-permissions turns off.
//
// The flow (measured on Claude Code 2.1.332 in tests/claude/test_claude_facts.py):
//  1. UserPromptSubmit, on every prompt of the session, clears the session's stash: a stash never
//     outlives the prompt that made it.
//  2. UserPromptExpansion, for a /codex:<command> the user typed (after UserPromptSubmit, before
//     the command's `!` lines run), stashes {command, arguments} for the session. It does not run
//     when the model invokes a command itself.
//  3. The command's `!` line (or the model's or the rescue subagent's Bash call) runs
//     `codex-companion slash [--session=ID] COMMAND [--flag…]` (cli/cmd_slash.cc), which takes
//     the stash (once) and runs the command with the typed text as its raw argument string.
//  Without a stash (hooks off, or a command the model invoked) `slash` prints how to run the
//  command with the text in a here-document whose marker it made up just then, at random: text
//  fixed before that moment cannot hold a line equal to it.
//
// Files: <state root>/typed-arguments/<session id>.json, 0600 in a 0700 directory:
// {"sessionId", "command", "arguments", "createdAt"}. A session only ever reads its own: the
// file is named by its id and the record must name it too. Not thread-safe; processes of one
// session run one after the other (two takers at the same instant could both read one stash).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::hooks {

// The most typed text kept (a prompt pasted after /codex:rescue included).
inline constexpr size_t kMaxTypedArgumentsBytes = 1024 * 1024;

// "status" for "codex:status": the plugin's commands (review, adversarial-review, rescue, status,
// result, cancel, setup, transfer, logs, apply, config, queue, steer). nullopt for any other
// command name.
std::optional<std::string> plugin_command(std::string_view command_name);

// The runtime command a plugin command runs: rescue → task; every other one itself.
std::string runtime_command(std::string_view command);

// The stash file of `session_id`. Errors: an id that is not 1–128 of [A-Za-z0-9._-] (or is "."
// or ".."), so no path is ever built from anything else.
Result<std::string> typed_arguments_path(const std::string& state_root,
                                         const std::string& session_id);

// Replaces the session's stash with `arguments` typed after /codex:`command` (creating the
// private directory as needed). Errors: a bad session id, text beyond kMaxTypedArgumentsBytes,
// the directory or file cannot be written.
Status stash_typed_arguments(sys::Env& env, const std::string& state_root,
                             const std::string& session_id, const std::string& command,
                             const std::string& arguments);

// Removes the session's stash, if any (an id no stash can have is nothing to remove).
Status clear_typed_arguments(sys::Env& env, const std::string& state_root,
                             const std::string& session_id);

// The text typed after /codex:`command` in this session, taken: the stash is removed, so a later
// call finds nothing. nullopt when nothing is stashed for that command (a stash for another
// command is left for it) or the id is one no stash can have. Errors: an unreadable stash (which
// is removed).
Result<std::optional<std::string>> take_typed_arguments(sys::Env& env,
                                                        const std::string& state_root,
                                                        const std::string& session_id,
                                                        const std::string& command);

// The raw argument string `slash` gives the runtime command: the fixed option words, a space,
// then the typed text exactly ("" when both are empty).
std::string slash_raw_arguments(const std::vector<std::string>& options, std::string_view typed);

// A fixed option word `slash` accepts before the typed text: `--name` of lowercase letters and
// dashes (no value: values come from what the user typed).
bool is_fixed_option(std::string_view word);

// What `slash` prints when nothing is stashed for /codex:`command`: one line saying so, then the
// one Bash call to make instead, with the text between here-document lines of `marker`:
//   codex-companion <runtime command> "$(cat <<'MARKER'
//   <options> <the arguments, exactly as typed>
//   (an empty line)
//   MARKER
//   )"
std::string fallback_instructions(std::string_view command, const std::vector<std::string>& options,
                                  std::string_view marker);

// A fresh here-document marker: "CODEX_COMPANION_ARGS_" and 24 random hex digits.
std::string random_marker();

}  // namespace companion::hooks
