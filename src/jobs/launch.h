// Background jobs: the launcher hands the job's lock to a detached worker process and returns.
#pragma once

#include <string>

#include "store/job_store.h"
#include "sys/result.h"

namespace companion::jobs {

// The descriptor number at which a worker receives its job's lock.
inline constexpr int kWorkerLockFd = 3;

// Starts `<this executable> task-worker --job-id ID --cwd ROOT` in its own session, with the
// job's lock as descriptor kWorkerLockFd, every other descriptor closed, stdin and stdout on
// /dev/null and stderr appended to the job log — never the caller's pipes. Records the worker's
// pid (and start time) as the job's. The caller's copy of the lock may be closed afterwards.
Result<pid_t> launch_worker(store::JobStore& store, const store::Job& job, int lock_fd);

// Worker side: checks that descriptor kWorkerLockFd is this job's held lock and makes it
// close-on-exec, so no child (the app-server) can keep the job alive after the worker dies.
Status adopt_worker_lock(const std::string& lock_path);

}  // namespace companion::jobs
