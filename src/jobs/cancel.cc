#include "jobs/cancel.h"

#include <signal.h>
#include <unistd.h>

#include "store/job_log.h"
#include "sys/clock.h"
#include "sys/lock.h"
#include "sys/process.h"

namespace companion::jobs {

namespace {

// Waits until nobody holds the job's lock, up to `timeout_ms`.
bool wait_lock_released(const std::string& lock_path, int timeout_ms) {
  int64_t deadline = sys::monotonic_ms() + timeout_ms;
  for (;;) {
    auto state = sys::probe_lock(lock_path);
    if (!state || *state != sys::LockState::kHeld) return true;
    if (sys::monotonic_ms() >= deadline) return false;
    ::usleep(10 * 1000);
  }
}

bool is_session_leader(const store::Job& job) {
  auto pid = static_cast<pid_t>(job.pid);
  return ::getsid(pid) == pid;
}

// Signals the owner: its whole process group when it leads its own session (a background
// worker), else the process alone (a foreground command: its shell's group, a pipeline, is not
// ours to end). Never a recycled pid.
void signal_owner(const store::Job& job, int sig) {
  auto pid = static_cast<pid_t>(job.pid);
  if (pid <= 1 || !sys::process_matches(pid, job.pid_start_time)) return;
  if (is_session_leader(job)) {
    (void)sys::signal_group(pid, sig);
  } else {
    ::kill(pid, sig);
  }
}

}  // namespace

Result<CancelOutcome> cancel_job(store::JobStore& store, const store::Job& job,
                                 const CancelOptions& options) {
  if (!job.active()) {
    return make_error("job {} is already {}; nothing to cancel", job.id,
                      store::to_string(job.status));
  }
  const std::string lock = store.workspace().lock_path(job.id);
  CancelOutcome out;
  // Recorded first: if the owner dies before it writes `cancelled` itself, whoever reads the job
  // next finishes it as cancelled, not as a dead worker.
  auto requested = store.update(job.id, store::JobPatch{.request_cancel = true});
  if (!requested) return requested.error();
  if (static_cast<pid_t>(job.pid) != ::getpid()) {
    bool worker = is_session_leader(job);
    signal_owner(job, SIGTERM);
    signal_owner(job, SIGCONT);  // a stopped owner must run to handle SIGTERM
    if (!wait_lock_released(lock, options.term_grace_ms)) {
      signal_owner(job, SIGKILL);
      wait_lock_released(lock, options.kill_grace_ms);
      // The worker had no time to stop its app-server: end everything left in its session.
      if (worker) sys::signal_session(static_cast<pid_t>(job.pid), SIGKILL);
    }
  }
  store::Terminal t{store::JobStatus::kCancelled, std::string(store::end_reason::kCancelled),
                    "Cancelled by user.", nullptr, ""};
  auto won = store.finish(job.id, t);
  if (!won) return won.error();
  if (*won) (void)store::append_log_line(job.log_file, "Cancelled by user.");
  auto after = store.get(job.id);
  if (!after) return after.error();
  if (!after->has_value()) return make_error("job {} vanished while being cancelled", job.id);
  out.job = std::move(**after);
  if (out.job.result.is_object()) {
    out.turn_interrupt_attempted = out.job.result.value("turnInterruptAttempted", false);
    out.turn_interrupted = out.job.result.value("turnInterrupted", false);
  }
  return out;
}

}  // namespace companion::jobs
