// The Stop hook: reports this session's running jobs and, with the review gate on, has Codex
// review the previous turn (the decisions are in stop_gate.h).
//
// The review is a tracked foreground job titled "Codex Stop Gate Review" of origin "stop-gate"
// (store::JobOrigin::kStopGate): kept apart from the user's jobs (its own retention, listed only
// by `status --all`, never a default of result/cancel/--resume, never holding a max-parallel
// slot; `status JOB` and `result JOB` show it by id), on an ephemeral Codex thread: it leaves no
// entry in the user's Codex history (reference issue #282) and is never a `task --resume`
// candidate. One review per session at a time: a stop while the session's review still runs
// starts none and is allowed, with a note. It is read-only, and bounded: the job deadline is the
// smaller of CODEX_COMPANION_JOB_TIMEOUT_MS and kStopGateBudgetMs, well below the hook's 900 s
// timeout.
#pragma once

#include <string>

#include "hooks/hook_input.h"
#include "hooks/stop_gate.h"
#include "store/job_store.h"
#include "sys/config.h"

namespace companion::hooks {

struct StopHookRequest {
  const HookInput& input;
  const sys::Config& config;
  // The workspace's store; nullptr when the workspace has none (then the gate is off and no job
  // runs).
  store::JobStore* store = nullptr;
  std::string session_id;  // the hook input's, else CODEX_COMPANION_SESSION_ID; "" when neither
};

// REQUIRES: sys::install_stop_handlers() was called (the review job is owned by this process).
StopDecision run_stop_hook(const StopHookRequest& request);

}  // namespace companion::hooks
