// The one step that runs the store's effects (DESIGN.md: the store's readers do not act). The
// store answers queries and records transitions; settle acts on what they say:
//
//   1. reconcile: ends what each job's dead owner left running (its session and its app-server's,
//      sys::end_session), then records the job's end (failed worker-died, or cancelled when a
//      cancel was asked for: JobStore::record_ownerless);
//   2. notify: starts the workspace's notify command (jobs::start_notifier) once for each job
//      whose end was recorded here, and for each job the caller says it ended itself;
//   3. prune: applies retention (JobStore::prune) and removes each pruned worktree task's
//      worktree and branch (remove_job_worktree);
//   4. promote: starts waiting jobs while slots are free (promote_queued).
//
// Every command calls it once where a reader of the command sees it (after opening the store,
// and again after the command itself ended a job or freed a slot); wait loops call it at each
// store read, so a dead owner ends the wait. Nothing else starts, ends or deletes on a read.
//
// Thread-safety: as the store's (one thread). Any number of processes may settle the same
// workspace at once: every transition is a compare-and-set and each claim a write transaction,
// so each end is recorded (and notified) once and each waiting job starts once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

// What settle may start. With an empty `executable`, it starts nothing (no notifier, no worker):
// it still reconciles and prunes.
struct SettleEffects {
  std::string executable;  // this program (absolute): `notify-job` and `task-worker`
  std::string state_root;  // handed to the workers it starts (WorkerLaunch::state_root)
  // The Codex CLI for a waiting job whose request does not name one (WorkerLaunch::codex);
  // called only when a job is about to start. May be empty (then "").
  std::function<std::string()> codex;
};

struct Settled {
  std::vector<std::string> ended;    // jobs whose dead owner's end this call recorded
  std::vector<std::string> pruned;   // jobs retention removed
  std::vector<std::string> started;  // waiting jobs given a worker
  // Why the queue could not be promoted (the next settle tries again). A store that cannot be
  // written (read-only, a full disk: ErrorCode::kReadOnly, kDiskFull) claims nothing and reports
  // nothing: the command's own write says why, in its one error line.
  std::optional<Error> queue_error;
};

// Step 1 alone: ends what dead owners left running and records their ends; returns the ids
// whose end was recorded (not one the store could only show ended: JobStore::record_ownerless). For
// callers that notify through settle() afterwards. Errors: the store cannot be read (lock probes,
// SQLite).
Result<std::vector<std::string>> reconcile(store::JobStore& store);

// Steps 1 to 4. `ended_here`: jobs this process ended itself (their owner, `cancel`), to be
// notified like the ones reconciled (only the caller whose finish won may pass an id: that
// keeps the notify command at once per job). Errors: as reconcile(); retention and the queue are
// best effort (a failure to prune is retried by the next settle; the queue's is in
// Settled::queue_error).
Result<Settled> settle(store::JobStore& store, const SettleEffects& effects,
                       const std::vector<std::string>& ended_here = {});

}  // namespace companion::jobs
