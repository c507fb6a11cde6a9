// The JSON Claude Code sends a hook on stdin, read tolerantly (DESIGN.md: hook input is outside
// data) and checked before anything acts on it.
//
// Fields (Claude Code 2.1.332, measured in tests/claude/test_claude_facts.py): every event has
// session_id, transcript_path, cwd, hook_event_name; SessionStart adds source ("startup", ...);
// SessionEnd reason ("other" at the end of `claude -p`, "clear", "logout", ...); Stop adds
// stop_hook_active (false, then true once a Stop hook blocked) and last_assistant_message;
// UserPromptSubmit adds prompt; UserPromptExpansion (a slash command the user typed, before its
// `!` lines run; not for one the model invokes) adds expansion_type ("slash_command"),
// command_name ("codex:status"), command_args (the text after the name, exactly as typed, without
// the whitespace around it), command_source ("plugin") and prompt. Other fields (permission_mode,
// effort, background_tasks, ...) are ignored. The reference plugin's tests send only some of them
// (no hook_event_name, no stop_hook_active), so every field is optional.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sys/result.h"

namespace companion::hooks {

enum class HookEvent { kSessionStart, kSessionEnd, kStop, kUserPromptSubmit, kUserPromptExpansion };

// "session-start", "session-end", "stop", "user-prompt-submit", "user-prompt-expansion" (the
// `hook` subcommand names).
std::optional<HookEvent> parse_hook_event(std::string_view name);

// The most hook input read (a 4 MiB prompt or last message is already far beyond normal).
inline constexpr size_t kMaxHookInputBytes = 4 * 1024 * 1024;
// Identifiers and paths longer than this are refused.
inline constexpr size_t kMaxHookIdBytes = 256;
inline constexpr size_t kMaxHookPathBytes = 4096;

struct HookInput {
  std::string session_id;       // "" when absent
  std::string transcript_path;  // "" when absent
  std::string cwd;              // "" when absent
  std::string hook_event_name;
  std::string source;  // SessionStart
  std::string reason;  // SessionEnd
  bool stop_hook_active = false;
  std::string last_assistant_message;  // Stop
  std::string prompt;                  // UserPromptSubmit, UserPromptExpansion
  std::string expansion_type;          // UserPromptExpansion
  std::string command_name;            // UserPromptExpansion
  std::string command_args;            // UserPromptExpansion: free text
  std::string command_source;          // UserPromptExpansion
};

// Parses the hook's stdin. Empty (or blank) input is an empty object. A field that is null reads
// as absent. Errors, one line each: not JSON, not an object, a known field of the wrong type
// ("hook input: stop_hook_active is a string, not a boolean"), an identifier or path with a
// control character or over its length bound (prompt, last_assistant_message and command_args
// are free text), a relative transcript_path or cwd.
Result<HookInput> parse_hook_input(std::string_view text);

}  // namespace companion::hooks
