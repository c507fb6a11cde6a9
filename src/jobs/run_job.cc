#include "jobs/run_job.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include "store/job_log.h"
#include "sys/clock.h"
#include "sys/process.h"
#include "sys/stop.h"

namespace companion::jobs {

namespace {

Result<int64_t> env_ms(const char* name, int64_t fallback) {
  const char* text = ::getenv(name);
  if (!text || !*text) return fallback;
  auto value = sys::parse_duration_ms(text, 1);
  if (!value) {
    return make_error("{} must be a number of milliseconds between 1 and {} (30 days), not '{}'",
                      name, sys::kMaxDurationMs, text);
  }
  return *value;
}

// Writes every progress event to the job log, phase and ids to the store, and optionally stderr.
class JobObserver : public codex::TurnObserver {
 public:
  JobObserver(store::JobStore& store, const store::Job& job, bool echo)
      : store_(store), job_(job), echo_(echo) {}

  void on_progress(const codex::ProgressEvent& event) override {
    if (!event.line.empty()) {
      (void)store::append_log_line(job_.log_file, event.line);
      if (echo_) std::fprintf(stderr, "[codex] %s\n", event.line.c_str());
    }
    if (!event.phase.empty() && event.phase != phase_) {
      phase_ = event.phase;
      (void)store_.update(job_.id, store::JobPatch{.phase = phase_});
    }
  }

  void on_ids(const std::string& thread_id, const std::string& turn_id) override {
    (void)store_.update(job_.id, store::JobPatch{.thread_id = thread_id, .turn_id = turn_id});
  }

 private:
  store::JobStore& store_;
  const store::Job& job_;
  bool echo_;
  std::string phase_;
};

void log_blocks(const store::Job& job, const codex::TurnOutcome& turn, const JobOutcome& outcome) {
  const auto& r = turn.result;
  if (!r.reasoning_summary.empty()) {
    std::string body;
    for (const auto& s : r.reasoning_summary) body += "- " + s + "\n";
    (void)store::append_log_block(job.log_file, "Reasoning summary", body);
  }
  if (!r.review_text.empty())
    (void)store::append_log_block(job.log_file, "Review output", r.review_text);
  if (!r.final_message.empty()) {
    (void)store::append_log_block(job.log_file, "Assistant message", r.final_message);
  }
  (void)store::append_log_block(job.log_file, "Final output", outcome.rendered);
}

}  // namespace

Result<codex::TurnLimits> limits_from_environment() {
  codex::TurnLimits limits;
  auto stall = env_ms("CODEX_COMPANION_TURN_STALL_MS", 10 * 60 * 1000);
  if (!stall) return stall.error();
  auto deadline = env_ms("CODEX_COMPANION_JOB_TIMEOUT_MS", 30 * 60 * 1000);
  if (!deadline) return deadline.error();
  limits.stall_ms = *stall;
  limits.deadline_ms = *deadline;
  // A cancelled worker gets SIGTERM and about three seconds before SIGKILL: its interrupt and
  // the app-server's shutdown must fit in that (the app-server exits within milliseconds of its
  // stdin closing).
  limits.interrupt_ms = 1000;
  limits.stop_step_ms = 500;
  return limits;
}

Result<JobRun> run_job(store::JobStore& store, const store::Job& job, const JobRequest& request,
                       const RunOptions& options) {
  pid_t self = ::getpid();
  auto marked =
      store.update(job.id, store::JobPatch{.mark_running = true,
                                           .phase = "starting",
                                           .pid = self,
                                           .pid_start_time = sys::process_start_time(self)});
  if (!marked) return marked.error();
  JobRun run;
  if (*marked) {
    (void)store::append_log_line(job.log_file, "Starting Codex " + request.kind + ".");
    JobObserver observer(store, job, options.echo_progress);
    codex::TurnOutcome turn;
    if (sys::stop_requested() || job.cancel_requested) {
      // Stopped (or cancelled while still queued) before the turn began: do not start Codex.
      turn.end_reason = "cancelled";
      turn.error_message = "Cancelled by user.";
    } else {
      // The stop handlers stay installed: a SIGINT/SIGTERM cancels the turn through the stop pipe
      // and, after the turn, cannot kill this process before its outcome is stored.
      turn = codex::run_turn(to_turn_spec(request), options.limits, options.connector, observer,
                             sys::stop_fd());
    }
    run.end_reason = turn.end_reason;
    run.outcome = build_outcome(request, turn);
    log_blocks(job, turn, run.outcome);
    auto won = store.finish(job.id, run.outcome.terminal);
    if (!won) return won.error();
    std::string ending = "Job ended: " + std::string(store::to_string(run.outcome.terminal.status));
    if (!run.outcome.terminal.error_message.empty())
      ending += " — " + run.outcome.terminal.error_message;
    (void)store::append_log_line(job.log_file, *won ? ending : "Job had already ended elsewhere.");
  }
  auto final_job = store.get(job.id);
  if (!final_job) return final_job.error();
  if (!final_job->has_value()) return make_error("job {} disappeared from the store", job.id);
  run.job = std::move(**final_job);
  return run;
}

}  // namespace companion::jobs
