// The SessionStart and SessionEnd hooks (SPEC.md section 1).
//
// SessionStart hands the session to everything Claude Code runs later (`!` lines, the Bash tool,
// the rescue subagent): it appends shell export lines to the file named by CLAUDE_ENV_FILE,
// which Claude Code sources before each of them (measured: the exports reach `!` lines). It does
// nothing else, so it stays well under its 100 ms goal.
//
// SessionEnd ends no job: background jobs outlive the session that launched them (`/clear` ends
// a session too, and the user still wants the result). It only lets a broker that serves nobody
// go (see ask_idle_broker_to_exit). Claude Code gives SessionEnd hooks about 1.5 s in all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hooks/hook_input.h"
#include "sys/config.h"
#include "sys/result.h"

namespace companion::hooks {

// `value` as one word for a POSIX shell: in single quotes, each ' written as '"'"' (the
// reference plugin's format, which its tests compare byte for byte).
std::string shell_single_quote(std::string_view value);

// The lines SessionStart appends, in this order, each only when its value is not empty:
//   export CODEX_COMPANION_SESSION_ID='<session_id>'
//   export CODEX_COMPANION_TRANSCRIPT_PATH='<transcript_path>'
//   export CLAUDE_PLUGIN_DATA='<plugin_data>'
std::string session_exports(const HookInput& input, const std::optional<std::string>& plugin_data);

// What SessionEnd knows when it asks the broker to go.
struct SessionEndRequest {
  std::string workspace_cwd;  // the session's directory (hook input cwd, else the project dir)
  std::string session_id;
  std::string reason;     // the hook input's reason ("clear", "logout", "other", ...)
  int64_t budget_ms = 0;  // what is left of the hook's budget when this is called
  const sys::Config* config = nullptr;
};

// Asks the workspace's shared broker (CODEX_COMPANION_APP_SERVER_ENDPOINT, or the one the
// workspace started) to exit when it serves no client and no turn: it must never end a running
// job's turn. Returns within `budget_ms`; errors are notes, never a reason to fail the hook.
//
// TODO(broker): the broker is built on its own branch; until it lands there is no broker to ask,
// and this does nothing. The broker's ensure/teardown code fills it in (a `broker/shutdown`
// request that the broker refuses while it has clients or active turns, bounded by budget_ms).
Status ask_idle_broker_to_exit(const SessionEndRequest& request);

}  // namespace companion::hooks
