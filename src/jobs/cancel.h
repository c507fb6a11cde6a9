// Cancelling an active job (SPEC.md guarantee 6): bounded in time whatever state its owner,
// the store, the broker or the app-server is in.
#pragma once

#include <string>

#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

struct CancelOutcome {
  store::Job job;  // as stored after the cancel (its terminal state may be another writer's)
  bool turn_interrupt_attempted = false;
  bool turn_interrupted = false;
  bool ended_here = false;  // this cancel recorded the end (for jobs::settle's `ended_here`)
};

struct CancelOptions {
  int term_grace_ms = 3000;     // after SIGTERM, how long the owner has to let go of its lock
  int kill_grace_ms = 500;      // after SIGKILL
  int bound_ms = 4500;          // the whole cancel, store writes included (SPEC.md: 5 s)
  int probe_ms = 10;            // how often the owner's lock is probed
  int request_write_ms = 1000;  // the longest the cancel request's store write waits for a lock
};

// Records the cancel request, ends the owner (a background worker's whole process group, or a
// foreground command alone: SIGTERM + SIGCONT, SIGKILL after the grace, then whatever is left of
// its session and its app-server's), and marks the job cancelled by compare-and-set. Every store
// write waits at most what is left of `bound_ms` for another process's transaction (a writer
// stopped mid-transaction cannot hold it past the bound). Errors: the job is already finished;
// the store stayed locked (the stop was sent; the next jobs::settle records the end). Starts
// nothing: the end's effects are the caller's (jobs::settle with CancelOutcome::ended_here).
Result<CancelOutcome> cancel_job(store::JobStore& store, const store::Job& job,
                                 const CancelOptions& options = {});

}  // namespace companion::jobs
