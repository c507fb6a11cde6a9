// Cancelling an active job (SPEC.md guarantee 6): bounded in time whatever state its owner,
// the broker or the app-server is in.
#pragma once

#include <string>

#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

struct CancelOutcome {
  store::Job job;  // as stored after the cancel (its terminal state may be another writer's)
  bool turn_interrupt_attempted = false;
  bool turn_interrupted = false;
};

struct CancelOptions {
  int term_grace_ms = 3000;  // after SIGTERM, how long the owner has to let go of its lock
  int kill_grace_ms = 1000;  // after SIGKILL
};

// Ends the owner's process group (TERM; KILL after the grace), waits for its lock to be
// released, and marks the job cancelled by compare-and-set. Already finished → an error saying so.
Result<CancelOutcome> cancel_job(store::JobStore& store, const store::Job& job,
                                 const CancelOptions& options = {});

}  // namespace companion::jobs
