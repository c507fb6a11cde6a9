// Starting queued background jobs as slots free up (SPEC.md: `config set max-parallel N`).
//
// No daemon runs the queue: every command settles the store (jobs::settle: the launcher, a
// finishing worker, any command that reads jobs), which calls promote_queued, which
// claims waiting jobs oldest first (JobStore::claim_queued, one write transaction each) while
// fewer than the workspace's max-parallel jobs hold a slot, and hands each one's lock to a new
// worker. Exactly one worker per job: the claim is a compare-and-set, and the worker's own
// queued → running start is another (JobStore::start).
#pragma once

#include <string>
#include <vector>

#include "jobs/launch.h"
#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

// The workspace's max-parallel limit (store/settings.h default when unset).
Result<size_t> max_parallel(store::JobStore& store);

// Starts waiting jobs while slots are free; returns the ids of the jobs started. A job whose
// worker cannot be started ends failed (never left claimed without an owner), and its notify
// command runs (jobs::start_notifier with `launch.executable`). `launch.codex` is
// used for a job whose request does not name the Codex CLI its launcher checked
// (request.workerCodex).
Result<std::vector<std::string>> promote_queued(store::JobStore& store, const WorkerLaunch& launch);

// The ids of the jobs waiting for a slot, next to start first (JobStore::queue); a job's
// position is store::queue_position of these. Errors: SQLite.
Result<std::vector<std::string>> waiting_ids(store::JobStore& store);

// The request field naming the Codex CLI the launcher resolved, for a worker started later by
// another process.
inline constexpr const char* kWorkerCodexField = "workerCodex";

}  // namespace companion::jobs
