#include "jobs/launch.h"

#include "store/job_log.h"
#include "sys/lock.h"
#include "sys/run.h"

namespace companion::jobs {

Result<std::string> self_executable() {
  auto path = sys::executable_path();
  if (!path) return make_error("cannot locate the codex-companion executable to start a worker");
  return path;
}

Result<pid_t> launch_worker(store::JobStore& store, const store::Job& job, int lock_fd,
                            const WorkerLaunch& launch) {
  sys::Env& env = store.env();
  auto log = env.open_append(job.log_file);
  if (!log) return make_error("cannot open the job log: {}", log.error().message);
  sys::SpawnOptions opts;
  opts.argv = {launch.executable, "task-worker",         "--job-id", job.id,
               "--cwd",           store.workspace().root};
  opts.env = {{sys::kStateDirVariable, launch.state_root}, {sys::kCodexVariable, launch.codex}};
  opts.cwd = store.workspace().root;
  opts.stderr_fd = log->get();
  opts.keep_fds = {{lock_fd, kWorkerLockFd}};
  opts.new_session = true;
  auto pid = env.spawn(opts);
  if (!pid) return pid.error();
  // Best effort: the worker records its own pid when it starts running. Failing the launch here
  // would leave a live worker behind a job marked failed.
  auto info = env.process_info(*pid);
  auto recorded = store.update(
      job.id, store::JobPatch{.pid = *pid, .pid_start_time = info ? info->start_time : 0});
  std::string note =
      recorded ? "" : " (its pid is not recorded yet: " + recorded.error().message + ")";
  (void)store::append_log_line(
      env, job.log_file,
      "Queued for background execution (worker pid " + std::to_string(*pid) + ")." + note);
  return *pid;
}

void release_worker_lock() {
  sys::UniqueFd lock(kWorkerLockFd);  // closed as it goes out of scope
}

Status adopt_worker_lock(const std::string& lock_path) {
  if (auto adopted = sys::adopt_inherited_lock(kWorkerLockFd, lock_path); !adopted) {
    return make_error(
        "task-worker must be started by codex-companion with the job's lock ({}); run "
        "`codex-companion task --background` instead",
        adopted.error().message);
  }
  return {};
}

}  // namespace companion::jobs
