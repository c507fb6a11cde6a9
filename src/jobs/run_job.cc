#include "jobs/run_job.h"

#include <cstdio>

#include "codex/rate_limits.h"
#include "jobs/write_task.h"
#include "store/job_log.h"
#include "sys/clock.h"
#include "sys/process.h"
#include "sys/stop.h"
#include "sys/terminal_text.h"

namespace companion::jobs {

namespace {

// How long leftover descendants get between SIGTERM and SIGKILL at the end of a job.
constexpr int kDescendantGraceMs = 300;

// Writes every progress event to the job log, phase and ids to the store, and optionally stderr.
class JobObserver : public codex::TurnObserver {
 public:
  JobObserver(store::JobStore& store, const store::Job& job, bool echo)
      : store_(store), job_(job), echo_(echo) {}

  void on_progress(const codex::ProgressEvent& event) override {
    if (!event.line.empty()) {
      (void)store::append_log_line(store_.env(), job_.log_file, event.line);
      if (echo_) sys::write_text(stderr, "[codex] " + event.line + "\n");
    }
    if (event.phase && event.phase != phase_) {
      phase_ = event.phase;
      (void)store_.update(job_.id, store::JobPatch{.phase = phase_});
    }
  }

  void on_ids(const std::string& thread_id, const std::string& turn_id) override {
    (void)store_.update(job_.id, store::JobPatch{.thread_id = thread_id, .turn_id = turn_id});
  }

  void on_app_server_started(int pid) override {
    auto info = store_.env().process_info(pid);
    (void)store_.update(job_.id,
                        store::JobPatch{.app_server_pid = pid,
                                        .app_server_start_time = info ? info->start_time : 0});
  }

  void on_interrupt_requested() override {
    (void)store_.update(job_.id, store::JobPatch{.turn_interrupt_attempted = true});
  }

  void on_interrupted() override {
    (void)store_.update(job_.id, store::JobPatch{.turn_interrupted = true});
  }

  void on_token_usage(const codex::TokenUsage& usage) override {
    (void)store_.update(job_.id, store::JobPatch{.token_usage = codex::usage_to_json(usage)});
  }

  // Recorded as soon as it is known: a worker that dies later keeps it.
  void on_resolved(const nlohmann::json& resolved) override {
    if (resolved.is_null() || resolved == resolved_) return;
    resolved_ = resolved;
    (void)store_.update(job_.id, store::JobPatch{.resolved = resolved});
  }

  // The workspace's queue holds while a window is used up (jobs/queue.h); Codex's latest word
  // decides, so a window found free again releases it.
  void on_rate_limits(const nlohmann::json& snapshot) override {
    (void)store_.record_rate_limits(snapshot, codex::exhausted_until_ms(snapshot).value_or(0));
  }

 private:
  store::JobStore& store_;
  const store::Job& job_;
  bool echo_;
  std::optional<store::Phase> phase_;
  nlohmann::json resolved_;
};

void log_blocks(sys::Env& env, const store::Job& job, const codex::TurnOutcome& turn,
                const JobOutcome& outcome) {
  const auto& r = turn.result;
  if (!r.reasoning_summary.empty()) {
    std::string body;
    for (const auto& s : r.reasoning_summary) body += "- " + s + "\n";
    (void)store::append_log_block(env, job.log_file, "Reasoning summary", body);
  }
  if (!r.review_text.empty()) {
    (void)store::append_log_block(env, job.log_file, "Review output", r.review_text);
  }
  if (!r.final_message.empty()) {
    (void)store::append_log_block(env, job.log_file, "Assistant message", r.final_message);
  }
  (void)store::append_log_block(env, job.log_file, "Final output", outcome.rendered);
}

// Runs the turn, or does not start Codex at all when a stop came first.
codex::TurnOutcome run_or_skip(store::JobStore& store, const store::Job& job,
                               const JobRequest& request, const RunOptions& options) {
  codex::TurnOutcome turn;
  if (sys::stop_requested() || job.cancel_requested) {
    turn.end_reason = TurnEnd::kCancelled;
    turn.error_message = "Cancelled by user.";
    return turn;
  }
  if (auto adopted = sys::become_subreaper(); !adopted) {
    (void)store::append_log_line(store.env(), job.log_file,
                                 "Note: " + adopted.error().message + ".");
  }
  JobObserver observer(store, job, options.echo_progress);
  // The stop handlers stay installed: a SIGINT/SIGTERM cancels the turn through the stop pipe
  // and, after the turn, cannot kill this process before its outcome is stored.
  turn = codex::run_turn(to_turn_spec(request, options.codex), options.limits, options.connector,
                         observer, sys::stop_fd());
  // Nothing the job started may outlive it: MCP servers of the app-server, shell commands.
  // Except another job's worker or notifier: this process adopted it as a subreaper when its
  // launcher (a command run inside this job, such as `task --background`) ended; it lives until
  // its own work ends. (This process itself starts none while the job runs: it settles the store
  // only after the job's end.)
  auto other_worker = [](pid_t pid) {
    return sys::is_own_session_leader_running(pid, "task-worker") ||
           sys::is_own_session_leader_running(pid, "notify-job");
  };
  if (int left = sys::end_descendants(kDescendantGraceMs, other_worker); left > 0) {
    (void)store::append_log_line(store.env(), job.log_file,
                                 fmt::format("Ended {} leftover process(es) of the job.", left));
  }
  return turn;
}

bool is_write_task(const JobRequest& request) {
  return request.kind == store::JobKind::kTask && (request.write || request.worktree);
}

// Runs the turn of a write task inside its scope (jobs/write_task.h): the workspace or a fresh
// worktree, snapshotted before; a scope that cannot be prepared fails the job without a turn.
codex::TurnOutcome run_write_turn(store::JobStore& store, const store::Job& job,
                                  const JobRequest& request, const RunOptions& options,
                                  std::optional<WriteScope>& scope) {
  auto prepared = prepare_write(store.env(), store.workspace(), job, request);
  if (!prepared) {
    codex::TurnOutcome turn;
    bool gone = prepared.error().code == ErrorCode::kNotFound;
    turn.end_reason = gone ? TurnEnd::kWorkspaceGone : TurnEnd::kError;
    turn.error_message = "cannot prepare the write task: " + prepared.error().message;
    return turn;
  }
  scope = std::move(*prepared);
  JobRequest in_scope = request;
  in_scope.cwd = scope->dir;
  if (scope->worktree) {
    (void)store::append_log_line(
        store.env(), job.log_file,
        fmt::format("Worktree {} on branch {}.", scope->dir, scope->worktree->branch));
  }
  return run_or_skip(store, job, in_scope, options);
}

// A turn ended by a used-up usage window: the job says when the window resets (its error message
// and the payload's rateLimitResetsAt, null when Codex did not say).
void note_rate_limit(const codex::TurnOutcome& turn, JobOutcome& outcome) {
  if (turn.end_reason != TurnEnd::kRateLimited) return;
  auto until = codex::exhausted_until_ms(turn.rate_limits);
  std::string when = until ? sys::iso_time(*until) : "";
  store::Terminal& t = outcome.terminal;
  t.error_message += until ? " (the usage limit resets at " + when +
                                 "; queued jobs of this workspace wait until then)"
                           : " (Codex did not say when the usage limit resets)";
  outcome.payload["rateLimitResetsAt"] = until ? nlohmann::json(when) : nlohmann::json(nullptr);
  if (t.result.is_object()) t.result["rateLimitResetsAt"] = outcome.payload["rateLimitResetsAt"];
}

// Measures what the write task changed and adds it to the outcome. A completed task whose
// change cannot be recorded ends failed instead (workspace-gone when its worktree was removed
// under it).
void record_changes(store::JobStore& store, const store::Job& job, const WriteScope& scope,
                    const codex::TurnOutcome& turn, JobOutcome& outcome) {
  bool completed = outcome.terminal.status == store::JobStatus::kCompleted;
  auto report = finish_write(store.env(), store.workspace(), job, scope, turn, completed);
  if (report) {
    attach_changes(outcome, *report, job.id);
    std::string warning = change_warning(*report);
    (void)store::append_log_line(
        store.env(), job.log_file,
        report->measured ? fmt::format("Changes: {} file(s), +{} -{}.{}",
                                       report->stat.files_changed, report->stat.insertions,
                                       report->stat.deletions, warning.empty() ? "" : " " + warning)
                         : "Changes not measured: " + report->error);
    return;
  }
  const std::string& why = report.error().message;
  outcome.payload["status"] = 1;
  outcome.payload["failureMessage"] = why;
  outcome.rendered += "\n" + why + "\n";
  if (!completed) {
    outcome.terminal.result = outcome.payload;
    outcome.terminal.rendered = outcome.rendered;
    return;
  }
  auto reason = report.error().code == ErrorCode::kNotFound ? store::EndReason::kWorkspaceGone
                                                            : store::EndReason::kError;
  store::Terminal failed = store::make_terminal(reason, why, outcome.payload, outcome.rendered);
  failed.summary = why;
  outcome.terminal = std::move(failed);
}

}  // namespace

codex::TurnLimits limits_from(const sys::Config& config) {
  codex::TurnLimits limits;
  limits.stall_ms = config.turn_stall_ms;
  limits.deadline_ms = config.job_timeout_ms;
  // A cancelled worker gets SIGTERM and about three seconds before SIGKILL: its interrupt and
  // the app-server's shutdown must fit in that (the app-server exits within milliseconds of its
  // stdin closing).
  limits.interrupt_ms = 1000;
  limits.stop_step_ms = 500;
  return limits;
}

Result<JobRun> run_job(store::JobStore& store, const store::Job& job, const JobRequest& request,
                       const RunOptions& options) {
  sys::Env& env = store.env();
  pid_t self = env.self_pid();
  auto info = env.process_info(self);
  auto started = store.start(job.id, store::StartInfo{self, info ? info->start_time : 0});
  if (!started) return started.error();
  JobRun run;
  if (*started) {
    (void)store::append_log_line(
        env, job.log_file, "Starting Codex " + std::string(store::to_string(request.kind)) + ".");
    std::optional<WriteScope> scope;
    codex::TurnOutcome turn = is_write_task(request)
                                  ? run_write_turn(store, job, request, options, scope)
                                  : run_or_skip(store, job, request, options);
    run.outcome = build_outcome(request, turn);
    note_rate_limit(turn, run.outcome);
    if (scope) record_changes(store, job, *scope, turn, run.outcome);
    log_blocks(env, job, turn, run.outcome);
    auto won = store.finish(job.id, run.outcome.terminal);
    if (!won) return won.error();
    run.ended_here = *won;
    const store::Terminal& t = run.outcome.terminal;
    std::string ending = "Job ended: " + std::string(store::to_string(t.status));
    if (!t.error_message.empty()) ending += " — " + t.error_message;
    (void)store::append_log_line(env, job.log_file,
                                 *won ? ending : "Job had already ended elsewhere.");
  }
  auto final_job = store.get(job.id);
  if (!final_job) return final_job.error();
  if (!final_job->has_value()) {
    return store::missing_job_error(store, job.id,
                                    make_error("job {} disappeared from the store", job.id));
  }
  run.job = std::move(**final_job);
  return run;
}

bool give_up_job(store::JobStore& store, const store::Job& job, const std::string& why) {
  (void)store::append_log_line(store.env(), job.log_file, "The job could not run: " + why);
  auto won = store.finish(job.id, store::make_terminal(store::EndReason::kError, why));
  return won && *won;
}

}  // namespace companion::jobs
