// The git side of running a write task: before the turn, where it runs (the workspace, or for
// `--worktree` a fresh worktree on branch codex/<job id>) and a snapshot of that tree; after it,
// the measured change, recorded on the worktree's branch when the task completed.
#pragma once

#include <optional>
#include <string>

#include "codex/run_turn.h"
#include "jobs/request.h"
#include "jobs/write_changes.h"
#include "store/job.h"
#include "store/workspace.h"

namespace companion::jobs {

struct WriteScope {
  std::string dir;  // where the turn runs
  std::optional<WorktreeInfo> worktree;
  std::optional<git::TreeState> before;  // nullopt: not measured (`before_error` says why)
  std::string before_error;
};

// Before the turn of a write task. For a worktree task creates the worktree (an error ends the
// job: it must not run in the user's tree instead; ErrorCode::kNotFound when the worktree was
// removed as soon as it was made); otherwise snapshots the workspace, where a failure (not a git
// repository) only means the change is not measured.
Result<WriteScope> prepare_write(sys::Env& env, const store::Workspace& ws, const store::Job& job,
                                 const JobRequest& request);

// After the turn: measures what changed in the scope's tree and, for a worktree task that
// completed, commits it to the task's branch. A worktree removed while the task ran is an
// ErrorCode::kNotFound error (its change is lost): the caller ends the job workspace-gone.
Result<ChangeReport> finish_write(sys::Env& env, const store::Workspace& ws, const store::Job& job,
                                  const WriteScope& scope, const codex::TurnOutcome& turn,
                                  bool completed);

// Removes a pruned job's worktree and branch, if it had them (jobs::settle, after JobStore::prune).
void remove_job_worktree(sys::Env& env, const store::Workspace& ws, const store::Job& job);

}  // namespace companion::jobs
