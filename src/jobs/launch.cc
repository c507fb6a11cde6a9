#include "jobs/launch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/job_log.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace companion::jobs {

namespace {

Result<std::string> self_executable() {
  auto path = sys::real_path("/proc/self/exe");
  if (!path) return make_error("cannot locate the codex-companion executable to start a worker");
  return path;
}

}  // namespace

Result<pid_t> launch_worker(store::JobStore& store, const store::Job& job, int lock_fd) {
  auto exe = self_executable();
  if (!exe) return exe.error();
  sys::UniqueFd log(::open(job.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!log.valid())
    return make_error("cannot open the job log {}: {}", job.log_file, sys::errno_text());
  sys::SpawnOptions opts;
  opts.argv = {*exe, "task-worker", "--job-id", job.id, "--cwd", store.workspace().root};
  // The worker runs from the workspace root: give it the launcher's state root, not a
  // recomputation that could differ (a relative CLAUDE_PLUGIN_DATA, say).
  opts.env = {{store::kStateRootVariable, sys::dirname_of(store.workspace().state_dir)}};
  opts.cwd = store.workspace().root;
  opts.stderr_fd = log.get();
  opts.keep_fds = {{lock_fd, kWorkerLockFd}};
  opts.new_session = true;
  auto pid = sys::spawn(opts);
  if (!pid) return pid.error();
  // Best effort: the worker records its own pid when it starts running. Failing the launch here
  // would leave a live worker behind a job marked failed.
  auto recorded = store.update(
      job.id, store::JobPatch{.pid = *pid, .pid_start_time = sys::process_start_time(*pid)});
  std::string note =
      recorded ? "" : " (its pid is not recorded yet: " + recorded.error().message + ")";
  (void)store::append_log_line(job.log_file, "Queued for background execution (worker pid " +
                                                 std::to_string(*pid) + ")." + note);
  return *pid;
}

Status adopt_worker_lock(const std::string& lock_path) {
  struct stat held {};
  struct stat expected {};
  if (::fstat(kWorkerLockFd, &held) != 0 || ::stat(lock_path.c_str(), &expected) != 0 ||
      held.st_ino != expected.st_ino || held.st_dev != expected.st_dev) {
    return make_error(
        "task-worker must be started by codex-companion with the job's lock; run "
        "`codex-companion task --background` instead");
  }
  // Re-locking our own open file description succeeds; anything else means we do not own it.
  if (::flock(kWorkerLockFd, LOCK_EX | LOCK_NB) != 0) {
    return make_error("the job's lock {} is held by another process", lock_path);
  }
  if (::fcntl(kWorkerLockFd, F_SETFD, FD_CLOEXEC) != 0) {
    return make_error("cannot mark the job lock close-on-exec: {}", sys::errno_text());
  }
  return {};
}

}  // namespace companion::jobs
