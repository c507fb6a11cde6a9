// Background jobs: the launcher hands the job's lock to a detached worker process and returns.
#pragma once

#include <string>

#include "codex/codex_binary.h"
#include "store/job_store.h"
#include "sys/config.h"
#include "sys/result.h"

namespace companion::jobs {

// The descriptor number at which a worker receives its job's lock.
inline constexpr int kWorkerLockFd = 3;

struct WorkerLaunch {
  std::string executable;  // this program (absolute)
  std::string state_root;  // the launcher's resolved state root
  std::string codex;       // the Codex CLI the launcher resolved (absolute)
};

// Starts `<executable> task-worker --job-id ID --cwd ROOT` in its own session, with the job's
// lock as descriptor kWorkerLockFd, every other descriptor closed, stdin and stdout on
// /dev/null and stderr appended to the job log — never the caller's pipes. The worker gets the
// launcher's state root and Codex path (CODEX_COMPANION_STATE_DIR, CODEX_COMPANION_CODEX), so it
// uses exactly what the launcher checked, whatever directory it runs from. Records the worker's
// pid (and start time) as the job's. The caller's copy of the lock may be closed afterwards.
Result<pid_t> launch_worker(store::JobStore& store, const store::Job& job, int lock_fd,
                            const WorkerLaunch& launch);

// The absolute path of this executable, for WorkerLaunch.
Result<std::string> self_executable();

// Worker side: checks that descriptor kWorkerLockFd is this job's held lock and makes it
// close-on-exec, so no child (the app-server) can keep the job alive after the worker dies.
Status adopt_worker_lock(const std::string& lock_path);

// Worker side, once the job's end is recorded: closes descriptor kWorkerLockFd, so whoever waits
// for the worker to let go of the job (cancel) does not wait for what the worker does after.
void release_worker_lock();

}  // namespace companion::jobs
