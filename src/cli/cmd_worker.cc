// Internal commands: `task-worker --job-id ID` runs one queued background job to its end;
// `notify-job --job-id ID` runs the workspace's notify command for one ended background job.
#include "cli/commands.h"
#include "cli/runtime.h"
#include "codex/sandbox_places.h"
#include "jobs/launch.h"
#include "jobs/notify.h"
#include "jobs/run_job.h"
#include "store/job_id.h"
#include "store/job_log.h"
#include "sys/stop.h"

namespace companion::cli {

namespace {

// After the job's end is recorded: its effects (the notify command when this worker recorded
// the end, retention) and its slot, free now for the next queued job. The job lock is let go
// first, so a cancel waiting on it returns at once.
void after_end(const Context& ctx, store::JobStore& store, const std::string& id, bool ended_here) {
  jobs::release_worker_lock();
  (void)settle(ctx, store, ended_here ? std::vector{id} : std::vector<std::string>{});
}

// Ends the job as failed when the worker cannot even start it; nothing is left `queued`.
int give_up(const Context& ctx, store::JobStore& store, const store::Job& job, const Error& error) {
  bool ended_here = jobs::give_up_job(store, job, error.message);
  after_end(ctx, store, job.id, ended_here);
  return fail(error);
}

}  // namespace

int run_task_worker(Context& ctx) {
  sys::install_stop_handlers();  // a cancel before the turn starts must still end as cancelled
  auto id = ctx.args.value("job-id");
  if (!id) return fail("task-worker needs --job-id ID (it is started by `task --background`)");
  if (auto valid = store::validate_job_ref(*id); !valid) return fail(valid.error());
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto adopted = jobs::adopt_worker_lock((*store)->workspace().lock_path(*id)); !adopted) {
    return fail(adopted.error());
  }
  auto job = (*store)->get(*id);
  if (!job) return fail(job.error());
  if (!job->has_value()) {
    return fail(
        store::missing_job_error(**store, *id, make_error("no job {} in this workspace", *id)));
  }
  if (!(*job)->active()) {  // cancelled before the worker started: nothing to do
    after_end(ctx, **store, *id, /*ended_here=*/false);
    return 0;
  }
  auto request = jobs::request_from_json((*job)->request);
  if (!request) return give_up(ctx, **store, **job, request.error());
  auto codex = codex::resolve_placed_codex(ctx.config, (*store)->workspace().root, ctx.env);
  if (!codex) return give_up(ctx, **store, **job, codex.error());
  jobs::RunOptions options{.limits = jobs::limits_from(ctx.config),
                           .codex = *codex,
                           .connector = job_connector(ctx, **store, *codex)};
  auto run = jobs::run_job(**store, **job, *request, options);
  if (!run) return give_up(ctx, **store, **job, run.error());
  after_broker_lost(**store, options.connector,
                    run->job.end_reason == store::EndReason::kBrokerLost);
  after_end(ctx, **store, run->job.id, run->ended_here);
  return run->job.status == store::JobStatus::kCompleted ? 0 : 1;
}

int run_notify_job(Context& ctx) {
  // Started by jobs::start_notifier with the job's JSON on stdin and its log as stderr.
  if (!ctx.config.notify_command) {
    return fail(std::string("notify-job runs the command in ") + sys::kNotifyCommandVariable +
                " (it is started when a background job ends)");
  }
  std::string outcome = jobs::run_notify_command(ctx.env, *ctx.config.notify_command, STDIN_FILENO,
                                                 jobs::kNotifyTimeoutMs);
  print_note(store::log_line(ctx.env, outcome));
  return 0;
}

}  // namespace companion::cli
