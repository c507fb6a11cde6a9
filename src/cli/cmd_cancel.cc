// `cancel [JOB] [--json]`
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "jobs/cancel.h"
#include "render/status.h"
#include "sys/clock.h"

namespace companion::cli {

namespace {

// Without an id: the only active job of this session.
Result<store::Job> default_job(Context& ctx, store::JobStore& store) {
  auto active = store.active(ctx.session_filter());
  if (!active) return active.error();
  if (active->empty()) {
    // The reference plugin's sentences (scripts match them).
    if (ctx.session_id()) return make_error("No active Codex jobs to cancel for this session.");
    return make_error("No active Codex jobs to cancel.");
  }
  if (active->size() > 1) {
    std::string ids;
    for (const auto& j : *active) ids += (ids.empty() ? "" : ", ") + j.id;
    return make_error("several active jobs ({}); pass the id of the one to cancel", ids);
  }
  return std::move(active->front());
}

}  // namespace

int run_cancel(Context& ctx) {
  if (auto ref = check_job_ref_args(ctx.args.positionals, "cancel"); !ref) return fail(ref.error());
  auto local = ctx.store();
  if (!local) return fail(local.error());
  store::JobStore* store = *local;
  if (auto settled = settle(ctx, *store); !settled) return fail(settled.error());
  ResolvedJob resolved;
  if (!ctx.args.positionals.empty()) {
    auto r = resolve_job_ref(ctx, *store, ctx.args.positionals[0]);
    if (!r) return fail(r.error());
    resolved = std::move(*r);
  } else {
    auto job = default_job(ctx, *store);
    if (!job) return fail(job.error());
    resolved = ResolvedJob{std::move(*job), store, nullptr};
  }
  auto outcome = jobs::cancel_job(*resolved.store, resolved.job);
  if (!outcome) return fail(outcome.error());
  // The cancel's end (notify, retention) and the slot it may have freed.
  (void)settle(ctx, *resolved.store,
               outcome->ended_here ? std::vector{outcome->job.id} : std::vector<std::string>{});
  auto snap = render::job_snapshot(ctx.env, outcome->job, ctx.env.now_ms());
  if (ctx.json()) {
    print_json({{"jobId", outcome->job.id},
                {"status", store::to_string(outcome->job.status)},
                {"title", outcome->job.title},
                {"turnInterruptAttempted", outcome->turn_interrupt_attempted},
                {"turnInterrupted", outcome->turn_interrupted}});
  } else if (outcome->job.status == store::JobStatus::kCancelled) {
    print_text(render::render_cancel_report(snap, outcome->turn_interrupt_attempted,
                                            outcome->turn_interrupted));
  } else {
    print_text(fmt::format("Job {} ended as {} before it could be cancelled.\n", outcome->job.id,
                           store::to_string(outcome->job.status)));
  }
  return 0;
}

}  // namespace companion::cli
