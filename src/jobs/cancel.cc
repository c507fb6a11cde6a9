#include "jobs/cancel.h"

#include <signal.h>

#include <algorithm>

#include "store/job_log.h"

namespace companion::jobs {

namespace {

// Keeps the whole cancel within its bound: what is left of it, and the store's busy timeout
// shortened to fit.
class Deadline {
 public:
  Deadline(sys::Env& env, store::JobStore& store, int bound_ms)
      : env_(env), store_(store), end_(env.monotonic_ms() + bound_ms) {}

  int64_t left() const { return std::max<int64_t>(0, end_ - env_.monotonic_ms()); }
  // Call before each store write: it may wait for another writer's lock at most `max_ms` and
  // what is left (and at least 50 ms).
  void fit_store(int64_t max_ms) {
    store_.set_busy_timeout(static_cast<int>(std::max<int64_t>(50, std::min(max_ms, left()))));
  }

 private:
  sys::Env& env_;
  store::JobStore& store_;
  int64_t end_;
};

// Waits until nobody holds the job's lock, up to `timeout_ms`.
bool wait_lock_released(sys::Env& env, const std::string& lock_path, int64_t timeout_ms,
                        int probe_ms) {
  int64_t deadline = env.monotonic_ms() + timeout_ms;
  for (;;) {
    auto state = env.probe_lock(lock_path);
    if (!state || *state != sys::LockState::kHeld) return true;
    if (env.monotonic_ms() >= deadline) return false;
    env.sleep_ms(probe_ms);
  }
}

bool leads_session(sys::Env& env, const store::Job& job) {
  auto info = env.process_info(static_cast<pid_t>(job.pid));
  return info && info->sid == static_cast<pid_t>(job.pid);
}

// Signals the owner: its whole process group when it leads its own session (a background
// worker), else the process alone (a foreground command: its shell's group, a pipeline, is not
// ours to end). Never a recycled pid.
void signal_owner(sys::Env& env, const store::Job& job, bool worker, int sig) {
  auto pid = static_cast<pid_t>(job.pid);
  if (pid <= 1 || !env.process_matches(pid, job.pid_start_time)) return;
  if (worker) {
    (void)env.signal_group(pid, sig);
  } else {
    (void)env.signal_process(pid, sig);
  }
}

// Stops the owner; false when it had to be killed.
bool stop_owner(sys::Env& env, const store::Job& job, const std::string& lock,
                const CancelOptions& options, Deadline& deadline) {
  bool worker = leads_session(env, job);
  signal_owner(env, job, worker, SIGTERM);
  signal_owner(env, job, worker, SIGCONT);  // a stopped owner must run to handle SIGTERM
  int64_t grace = std::min<int64_t>(options.term_grace_ms, deadline.left() - options.kill_grace_ms);
  if (wait_lock_released(env, lock, std::max<int64_t>(0, grace), options.probe_ms)) return true;
  signal_owner(env, job, worker, SIGKILL);
  wait_lock_released(env, lock, std::min<int64_t>(options.kill_grace_ms, deadline.left()),
                     options.probe_ms);
  // The owner had no time to stop what it started: end its session and its app-server's.
  (void)env.end_session(static_cast<pid_t>(job.pid), job.pid_start_time);
  (void)env.end_session(static_cast<pid_t>(job.app_server_pid), job.app_server_start_time);
  return false;
}

Result<CancelOutcome> stored_outcome(store::JobStore& store, const std::string& id) {
  auto after = store.get(id);
  if (!after) return after.error();
  if (!after->has_value()) {
    return store::missing_job_error(store, id,
                                    make_error("job {} vanished while being cancelled", id));
  }
  CancelOutcome out;
  out.job = std::move(**after);
  // The owner records an interrupt attempt before it makes it, so this holds after a SIGKILL too.
  out.turn_interrupt_attempted = out.job.turn_interrupt_attempted;
  out.turn_interrupted = out.job.turn_interrupted;
  return out;
}

// A job waiting in the queue has no owner to stop: it ends here and never starts. nullopt when
// a promoter claimed it first (it is then cancelled like any started job).
Result<std::optional<CancelOutcome>> cancel_waiting(store::JobStore& store, const store::Job& job) {
  auto won = store.finish_waiting(
      job.id, store::make_terminal(store::EndReason::kCancelled,
                                   "Cancelled by user while queued; it never started."));
  if (!won) return won.error();
  if (!*won) return std::optional<CancelOutcome>();
  (void)store::append_log_line(store.env(), job.log_file,
                               "Cancelled by user while queued; it never started.");
  auto out = stored_outcome(store, job.id);
  if (!out) return out.error();
  out->ended_here = true;
  return std::optional<CancelOutcome>(std::move(*out));
}

}  // namespace

Result<CancelOutcome> cancel_job(store::JobStore& store, const store::Job& queued_or_running,
                                 const CancelOptions& options) {
  if (!queued_or_running.active()) {
    return make_error("job {} is already {}; nothing to cancel", queued_or_running.id,
                      store::to_string(queued_or_running.status));
  }
  store::Job job = queued_or_running;
  if (job.waiting()) {
    auto waiting = cancel_waiting(store, job);
    if (!waiting) return waiting.error();
    if (waiting->has_value()) return std::move(**waiting);
    auto now = stored_outcome(store, job.id);  // claimed meanwhile: it has an owner now
    if (!now) return now.error();
    if (!now->job.active()) return now;
    job = std::move(now->job);
  }
  sys::Env& env = store.env();
  Deadline deadline(env, store, options.bound_ms);
  const std::string lock = store.workspace().lock_path(job.id);
  // Recorded first: if the owner dies before it writes `cancelled` itself, whoever reads the job
  // next finishes it as cancelled, not as a dead worker. The marker file needs no database write,
  // so a store locked by another writer does not lose the request; the owner is still told to
  // stop.
  (void)env.write_file_atomic(store.workspace().cancel_path(job.id), "cancel requested\n");
  deadline.fit_store(options.request_write_ms);
  auto requested = store.update(job.id, store::JobPatch{.request_cancel = true});
  if (!requested && requested.error().code != ErrorCode::kBusy) return requested.error();
  if (static_cast<pid_t>(job.pid) != env.self_pid())
    (void)stop_owner(env, job, lock, options, deadline);
  deadline.fit_store(options.bound_ms);
  auto won = store.finish(job.id,
                          store::make_terminal(store::EndReason::kCancelled, "Cancelled by user."));
  if (!won) {
    if (won.error().code != ErrorCode::kBusy) return won.error();
    return make_coded_error(ErrorCode::kBusy,
                            "job {} was told to stop, but the job store stayed locked by another "
                            "process; `codex-companion status {}` will show its end",
                            job.id, job.id);
  }
  if (*won) (void)store::append_log_line(env, job.log_file, "Cancelled by user.");
  auto out = stored_outcome(store, job.id);
  if (out) out->ended_here = *won;
  return out;
}

}  // namespace companion::jobs
