// Shared by task, review and adversarial-review: create the job, then run it in the foreground
// or hand it to a background worker.
#pragma once

#include "cli/context.h"
#include "jobs/request.h"

namespace companion::cli {

// Validates --model (the `spark` alias) and --effort into the request.
Status apply_model_options(const Context& ctx, jobs::JobRequest& request);

// Fills the request's model and effort that no flag gave from the defaults (store/user_defaults.h:
// the workspace's, else the user's file; tasks use model/effort, reviews review-model/
// review-effort). Returns where each came from: {"<key>": "flag"|"workspace"|"user"|"codex"}.
// Errors: SQLite; the user's file is unreadable or holds a bad key or value.
Result<nlohmann::json> apply_model_defaults(Context& ctx, store::JobStore& store,
                                            jobs::JobRequest& request);

// Refuses a write task in the workspace of `ctx` when the state directory lies inside that
// workspace, where the task's sandbox may write (store::check_write_task_placement), before any
// directory is created. A --worktree task runs in its own worktree and needs no such check.
Status check_write_placement(const Context& ctx);

// Creates the job and runs it (foreground) or launches its worker (--background).
// Returns the exit status: 0 when the turn completed (or the launch succeeded).
int execute_request(Context& ctx, const jobs::JobRequest& request, bool background);

}  // namespace companion::cli
