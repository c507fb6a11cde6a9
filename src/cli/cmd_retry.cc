// `retry JOB [--resume] [--background|--wait] [--json]`: runs a failed or cancelled job's stored
// request again as a new job (same kind and options); --resume continues the job's Codex thread.
#include "cli/commands.h"
#include "cli/execute.h"
#include "cli/job_ref.h"
#include "jobs/resume.h"
#include "sys/clock.h"

namespace companion::cli {

namespace {

// Why `job` cannot be retried; OK when it can.
Status retryable(const store::Job& job) {
  if (job.active()) {
    return make_error(
        "job {} is still {}; wait for it (codex-companion status {} --wait) or cancel it "
        "before retrying",
        job.id, store::to_string(job.status), job.id);
  }
  if (job.status == store::JobStatus::kCompleted) {
    return make_error(
        "job {} completed; only a failed or cancelled job is retried (its output: "
        "codex-companion result {})",
        job.id, job.id);
  }
  return {};
}

}  // namespace

int run_retry(Context& ctx) {
  if (ctx.args.positionals.size() != 1) {
    return fail("retry needs one job id: codex-companion retry JOB [--resume] [--background]");
  }
  if (ctx.args.flag("background") && ctx.args.flag("wait")) {
    return fail("--background and --wait contradict each other; choose one");
  }
  auto local = ctx.store();
  if (!local) return fail(local.error());
  if (auto settled = settle(ctx, **local); !settled) return fail(settled.error());
  auto resolved = resolve_job_ref(ctx, **local, ctx.args.positionals[0]);
  if (!resolved) return fail(resolved.error());
  const store::Job& job = resolved->job;
  if (resolved->other_store) {
    return fail(
        fmt::format("job {} belongs to the workspace {}; run the retry there: "
                    "codex-companion retry {} --cwd {}",
                    job.id, job.workspace_root, job.id, job.workspace_root));
  }
  if (auto ok = retryable(job); !ok) return fail(ok.error());
  auto request = jobs::request_from_json(job.request);
  if (!request) {
    return fail(fmt::format("job {} has no request that can run again ({})", job.id,
                            request.error().message));
  }
  if (ctx.args.flag("resume")) {
    auto thread = jobs::retry_thread(ctx.env, ctx.config.codex_home, job);
    if (!thread) return fail(thread.error());
    request->resume_thread_id = std::move(*thread);
  }
  request->retry_of = job.id;
  // While a usage window is used up the job cannot run: say when it can.
  auto state = (*local)->queue_state();
  if (!state) return fail(state.error());
  if (state->rate_limited(ctx.env.now_ms())) {
    std::string until = sys::iso_time(state->rate_limited_until);
    if (!ctx.args.flag("background")) {
      return fail(fmt::format(
          "a Codex usage limit is reached until {}: job {} can run from then; `retry {} "
          "--background` queues it now and it starts when the limit resets",
          until, job.id, job.id));
    }
    print_note(fmt::format(
        "[codex] A Codex usage limit is reached until {}: the retry waits in the queue until "
        "then.\n",
        until));
  }
  if (!ctx.json()) print_note(fmt::format("[codex] Retrying {} as a new job.\n", job.id));
  return execute_request(ctx, *request, ctx.args.flag("background"));
}

}  // namespace companion::cli
