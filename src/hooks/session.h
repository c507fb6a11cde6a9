// The SessionStart and SessionEnd hooks (SPEC.md section 1).
//
// SessionStart hands the session to everything Claude Code runs later (`!` lines, the Bash tool,
// the rescue subagent): it rewrites its own export lines in the file named by CLAUDE_ENV_FILE,
// which Claude Code sources before each of them (hooks/session_env.h). It does nothing else, so
// it stays well under its 100 ms goal.
//
// SessionEnd ends no job: background jobs outlive the session that launched them (`/clear` ends
// a session too, and the user still wants the result). It only lets a broker that serves nobody
// go (see ask_idle_broker_to_exit). Claude Code gives SessionEnd hooks about 1.5 s in all.
#pragma once

#include <cstdint>

#include "store/job_store.h"
#include "sys/result.h"

namespace companion::hooks {

// Asks each of the workspace's shared brokers (every identity recorded in `store`; a broker named
// by CODEX_COMPANION_APP_SERVER_ENDPOINT is the user's own and is left alone) to exit when it
// serves no client and no turn: ending one Claude Code session never ends another session's job
// (broker/shutdown {ifIdle:true}, broker/lifecycle.h). A broker found dead is torn down (what its
// app-server left is ended); one slow to answer is left alone. Returns within about `budget_ms`;
// a broker that is busy is not an error. Errors are notes, never a reason to fail the hook.
Status ask_idle_broker_to_exit(store::JobStore& store, int64_t budget_ms);

}  // namespace companion::hooks
