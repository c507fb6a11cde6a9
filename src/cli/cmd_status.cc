// `status [JOB] [--all] [--json] [--wait [--timeout-ms N] [--poll-interval-ms N]]`
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "cli/runtime.h"
#include "jobs/queue.h"
#include "jobs/wait.h"
#include "render/status.h"
#include "render/tokens.h"
#include "store/settings.h"
#include "sys/config.h"

namespace companion::cli {

namespace {

constexpr size_t kRecentJobs = 8;

Result<int64_t> parse_ms(const Context& ctx, const char* name, int64_t fallback) {
  auto text = ctx.args.value(name);
  if (!text) return fallback;
  return sys::parse_setting(std::string("--") + name, *text,
                            {0, sys::kMaxSettingMs, "milliseconds"});
}

// `queuePosition` (1 = next to start) on the snapshot of a job waiting for a slot.
// With `queueHold` (jobs::queue_hold's phrase) when the queue is held.
void add_queue_position(nlohmann::json& snap, const std::vector<std::string>& waiting,
                        const std::string& id, const std::optional<std::string>& hold) {
  if (auto position = store::queue_position(waiting, id)) {
    snap["queuePosition"] = *position;
    if (hold) snap["queueHold"] = *hold;
  }
}

Result<nlohmann::json> workspace_report(Context& ctx, store::JobStore& store) {
  int64_t now = ctx.env.now_ms();
  // Stop-gate reviews are listed only with --all (status JOB shows any job by its id).
  store::JobFilter filter = ctx.session_filter();
  filter.with_stop_gate = ctx.args.flag("all");
  auto running = store.active(filter);
  if (!running) return running.error();
  auto waiting = jobs::waiting_ids(store);
  if (!waiting) return waiting.error();
  auto max_parallel = jobs::max_parallel(store);
  if (!max_parallel) return max_parallel.error();
  auto hold = jobs::queue_hold(store);
  if (!hold) return hold.error();
  size_t limit = ctx.args.flag("all") ? 100000 : kRecentJobs + 1;
  auto finished = store.finished(filter, limit);
  if (!finished) return finished.error();
  auto gate = store.review_gate();
  if (!gate) return gate.error();
  bool gate_on = *gate;
  nlohmann::json report = {
      {"workspaceRoot", store.workspace().root},
      {"config", {{"stopReviewGate", gate_on}, {"maxParallel", *max_parallel}}},
      {"sessionRuntime", session_runtime(ctx, store)},
      {"running", nlohmann::json::array()},
      {"latestFinished", nullptr},
      {"recent", nlohmann::json::array()},
      {"needsReview", gate_on}};
  for (const auto& job : *running) {
    auto snap = render::job_snapshot(ctx.env, job, now);
    add_queue_position(snap, *waiting, job.id, *hold);
    report["running"].push_back(std::move(snap));
  }
  report["queued"] = waiting->size();
  auto queue = jobs::queue_report(store);
  if (!queue) return queue.error();
  report["queue"] = std::move(*queue);
  auto state = store.queue_state();
  if (!state) return state.error();
  report["usageLimits"] = jobs::usage_limits_report(*state, now);
  for (size_t i = 0; i < finished->size(); ++i) {
    bool latest = i == 0;
    auto snap = render::job_snapshot(ctx.env, (*finished)[i], now);
    if (latest) {
      report["latestFinished"] = std::move(snap);
    } else {
      report["recent"].push_back(std::move(snap));
    }
  }
  nlohmann::json listed = report["running"];
  if (!report["latestFinished"].is_null()) listed.push_back(report["latestFinished"]);
  for (const auto& job : report["recent"]) listed.push_back(job);
  report["tokenUsage"] = render::total_token_usage(listed);
  return report;
}

int job_status(Context& ctx, store::JobStore& local, const std::string& ref) {
  auto timeout = parse_ms(ctx, "timeout-ms", 240000);
  if (!timeout) return fail(timeout.error());
  auto poll = parse_ms(ctx, "poll-interval-ms", 50);
  if (!poll) return fail(poll.error());
  auto resolved = resolve_job_ref(ctx, local, ref);
  if (!resolved) return fail(resolved.error());
  store::Job job = std::move(resolved->job);
  bool wait = ctx.args.flag("wait");
  bool timed_out = false;
  if (wait) {
    // Read the store at least every 100 ms, whatever interval is asked for.
    auto waited = jobs::wait_for_job(*resolved->store, job, *timeout,
                                     std::clamp<int64_t>(*poll, 1, 100), ctx.settle_effects());
    if (!waited) return fail(waited.error());
    job = std::move(waited->job);
    timed_out = waited->timed_out;
  }
  // The single job's JSON carries its whole output (result, rendered): that is a read of it.
  if (int64_t now = ctx.env.now_ms(); ctx.json() && !job.active() && job.read_at == 0) {
    if (auto recorded = resolved->store->mark_read(job.id, now); recorded && *recorded) {
      job.read_at = now;
    }
  }
  auto snap = render::job_snapshot(ctx.env, job, ctx.env.now_ms());
  if (job.waiting()) {
    auto waiting = jobs::waiting_ids(*resolved->store);
    if (!waiting) return fail(waiting.error());
    auto hold = jobs::queue_hold(*resolved->store);
    if (!hold) return fail(hold.error());
    add_queue_position(snap, *waiting, job.id, *hold);
  }
  if (ctx.json()) {
    nlohmann::json out = {{"workspaceRoot", job.workspace_root}, {"job", snap}};
    if (wait) {
      out["waitTimedOut"] = timed_out;
      out["timeoutMs"] = *timeout;
    }
    print_json(out);
  } else {
    print_text(render::render_job_status(snap));
    if (timed_out) print_text("\nStill active after " + std::to_string(*timeout) + " ms.\n");
  }
  return 0;
}

}  // namespace

int run_status(Context& ctx) {
  if (auto ref = check_job_ref_args(ctx.args.positionals, "status"); !ref) return fail(ref.error());
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  if (!ctx.args.positionals.empty()) return job_status(ctx, **store, ctx.args.positionals[0]);
  if (ctx.args.flag("wait"))
    return fail("--wait needs a job id: codex-companion status JOB --wait");
  auto report = workspace_report(ctx, **store);
  if (!report) return fail(report.error());
  if (ctx.json()) {
    print_json(*report);
  } else {
    print_text(render::render_status_report(*report));
  }
  return 0;
}

}  // namespace companion::cli
