// Waiting for a job to end (`status JOB --wait`), with a bound.
#pragma once

#include <cstdint>

#include "jobs/settle.h"
#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

struct WaitResult {
  store::Job job;  // as last read: terminal, or still active when the wait timed out
  bool timed_out = false;
};

// Waits until `job` is terminal or `timeout_ms` passes. The owner holds the job's lock until it
// exits, right after writing the terminal state, so a cheap lock probe every few milliseconds
// notices the end at once; the store is read when the lock is free, and every `poll_ms` anyway
// (a terminal state written by someone else while the owner still runs). Each store read is
// preceded by jobs::settle(store, effects), so a dead owner's end is recorded and ends the wait
// too. Errors: the store cannot be read; the job was removed meanwhile.
Result<WaitResult> wait_for_job(store::JobStore& store, store::Job job, int64_t timeout_ms,
                                int64_t poll_ms, const SettleEffects& effects);

}  // namespace companion::jobs
