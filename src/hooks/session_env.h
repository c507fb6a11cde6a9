// What SessionStart writes into Claude Code's session environment file (CLAUDE_ENV_FILE), and how
// it rewrites only its own lines there (sans-IO; cli/cmd_hook.cc reads and replaces the file
// through sys::Env::rewrite_file).
//
// Measured on Claude Code 2.1.332 (tests/claude/test_claude_facts.py): every SessionStart hook
// command gets its own file, <config>/session-env/<session id>/sessionstart-hook-<n>.sh; the
// file lives as long as the session: startup, each resume and each compact run the hook on the
// same file, which Claude Code never truncates (a /clear starts a new session, with a new
// file); before every Bash tool command and `!` line Claude Code reads the session's files by
// path (no descriptor kept open) and sources them. So appending grows the file with every resume
// and compact, while a file replaced by a rename is simply read anew.
//
// Only our own namespaced variables are exported: the file is sourced into the shell of every
// plugin's commands and of the Bash tool, so exporting CLAUDE_PLUGIN_DATA (as earlier versions
// did) handed our plugin's data directory to every other plugin in place of its own.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hooks/hook_input.h"

namespace companion::hooks {

// The variables SessionStart exports.
inline constexpr std::string_view kSessionIdVariable = "CODEX_COMPANION_SESSION_ID";
inline constexpr std::string_view kTranscriptPathVariable = "CODEX_COMPANION_TRANSCRIPT_PATH";

// The most of an env file read before it is rewritten; a larger one is refused (left alone).
inline constexpr size_t kMaxEnvFileBytes = 1024 * 1024;

// The lines SessionStart writes, in this order, each only when its value is not empty (the
// reference plugin's format, which its tests compare byte for byte):
//   export CODEX_COMPANION_SESSION_ID='<session_id>'
//   export CODEX_COMPANION_TRANSCRIPT_PATH='<transcript_path>'
std::string session_exports(const HookInput& input);

// What an earlier version of this hook appended that no version writes any more, recognised
// exactly so it can be taken out: `export CLAUDE_PLUGIN_DATA='<plugin_data>'` (our own data
// directory, as the hook's environment names it). Empty when `plugin_data` is.
std::vector<std::string> retired_export_lines(std::string_view plugin_data);

// `file` (a shell script) with our lines replaced by `exports`. Our lines are whole lines that
// start a shell statement (not inside another line's quotes or continuation) and are either
// `export NAME='…'` in exactly the shape session_exports writes, for one of the variables above,
// or equal to one of `retired`. `exports` takes the place of the first of them and the rest are
// dropped; when there is none it is appended, starting on a line of its own (a newline is added
// after a last line that lacks one, so it is never glued to another plugin's line). Every other
// byte of `file` stays as it was. A file that has none of our lines and ends inside a quoted
// string or a backslash continuation (ends_inside_statement) is returned unchanged: lines added
// there would be part of that broken statement, never run, and added again at every start.
// Heredocs are not recognised: a heredoc body line shaped like ours would be taken for ours.
// Applying it to its own result changes nothing.
std::string with_session_exports(std::string_view file, std::string_view exports,
                                 const std::vector<std::string>& retired);

// True when `file` ends inside a quoted string or a backslash continuation.
bool ends_inside_statement(std::string_view file);

}  // namespace companion::hooks
