// `result [JOB] [--json]`
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "render/status.h"
#include "sys/clock.h"

namespace companion::cli {

int run_result(Context& ctx) {
  if (auto ref = check_job_ref_args(ctx.args.positionals, "result"); !ref) return fail(ref.error());
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  store::Job job;
  ResolvedJob resolved;
  store::JobStore* holder = *store;
  if (!ctx.args.positionals.empty()) {
    auto found = resolve_job_ref(ctx, **store, ctx.args.positionals[0]);
    if (!found) return fail(found.error());
    resolved = std::move(*found);
    holder = resolved.store;
    job = std::move(resolved.job);
  } else {
    auto latest = (*store)->finished(ctx.session_filter(), 1);
    if (!latest) return fail(latest.error());
    if (latest->empty()) {
      return fail(
          "no finished job in this workspace yet; run `codex-companion status` to see "
          "active jobs");
    }
    job = std::move(latest->front());
  }
  if (job.active()) {
    return fail(
        fmt::format("job {} is still {}; wait for it with `codex-companion status {} --wait`",
                    job.id, store::to_string(job.status), job.id));
  }
  // The result is shown now: retention may drop it from here on (best effort: a full disk still
  // shows it, and it stays protected until a read can be recorded).
  if (int64_t now = ctx.env.now_ms(); job.read_at == 0) {
    if (auto recorded = holder->mark_read(job.id, now); recorded && *recorded) job.read_at = now;
  }
  if (ctx.json()) {
    print_json({{"job", render::job_snapshot(ctx.env, job, ctx.env.now_ms())},
                {"storedJob", store::to_json(job)}});
  } else {
    print_text(render::render_stored_result(job));
  }
  // As the reference does: the exit status says whether the result could be shown; how the job
  // ended is in what is shown (and in `status`).
  return 0;
}

}  // namespace companion::cli
