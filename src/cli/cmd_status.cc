// `status [JOB] [--all] [--json] [--wait [--timeout-ms N] [--poll-interval-ms N]]`
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "render/status.h"
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

Result<nlohmann::json> workspace_report(Context& ctx, store::JobStore& store) {
  int64_t now = ctx.env.now_ms();
  auto running = store.active(ctx.session_filter());
  if (!running) return running.error();
  size_t limit = ctx.args.flag("all") ? 100000 : kRecentJobs + 1;
  auto finished = store.finished(ctx.session_filter(), limit);
  if (!finished) return finished.error();
  auto gate = store.review_gate();
  if (!gate) return gate.error();
  bool gate_on = *gate;
  nlohmann::json report = {{"workspaceRoot", store.workspace().root},
                           {"config", {{"stopReviewGate", gate_on}}},
                           {"sessionRuntime", session_runtime(ctx.config)},
                           {"running", nlohmann::json::array()},
                           {"latestFinished", nullptr},
                           {"recent", nlohmann::json::array()},
                           {"needsReview", gate_on}};
  for (const auto& job : *running)
    report["running"].push_back(render::job_snapshot(ctx.env, job, now, true));
  for (size_t i = 0; i < finished->size(); ++i) {
    bool latest = i == 0;
    auto snap = render::job_snapshot(ctx.env, (*finished)[i], now, latest);
    if (latest) {
      report["latestFinished"] = std::move(snap);
    } else {
      report["recent"].push_back(std::move(snap));
    }
  }
  return report;
}

// Waits until the job is terminal or `timeout_ms` passes. The owner holds the job's lock until
// it exits, right after writing the terminal state, so a cheap lock probe every few
// milliseconds notices the end at once; the store is read when the lock is free, and every
// `poll_ms` anyway (a terminal state written by someone else while the owner still runs).
// Every store read reconciles, so a dead owner ends the wait too.
Result<store::Job> wait_for_job(store::JobStore& store, store::Job job, int64_t timeout_ms,
                                int64_t poll_ms, bool& timed_out) {
  constexpr int64_t kProbeMs = 5;
  sys::Env& env = store.env();
  const std::string lock = store.workspace().lock_path(job.id);
  int64_t deadline = env.monotonic_ms() + timeout_ms;
  int64_t next_read = env.monotonic_ms() + poll_ms;
  timed_out = false;
  while (job.active()) {
    int64_t now = env.monotonic_ms();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    env.sleep_ms(std::min(kProbeMs, deadline - now));
    auto state = env.probe_lock(lock);
    bool owner_gone = state && *state != sys::LockState::kHeld;
    if (!owner_gone && env.monotonic_ms() < next_read) continue;
    next_read = env.monotonic_ms() + poll_ms;
    auto fresh = store.get(job.id);
    if (!fresh) return fresh.error();
    if (!fresh->has_value()) return make_error("job {} was removed while waiting", job.id);
    job = std::move(**fresh);
  }
  return job;
}

int job_status(Context& ctx, store::JobStore& local, const std::string& ref) {
  auto timeout = parse_ms(ctx, "timeout-ms", 240000);
  if (!timeout) return fail(timeout.error());
  auto poll = parse_ms(ctx, "poll-interval-ms", 50);
  if (!poll) return fail(poll.error());
  auto resolved = resolve_job_ref(local, ctx.store_options(), ref);
  if (!resolved) return fail(resolved.error());
  store::Job job = std::move(resolved->job);
  bool wait = ctx.args.flag("wait");
  bool timed_out = false;
  if (wait) {
    // Read the store at least every 100 ms, whatever interval is asked for.
    auto waited = wait_for_job(*resolved->store, job, *timeout, std::clamp<int64_t>(*poll, 1, 100),
                               timed_out);
    if (!waited) return fail(waited.error());
    job = std::move(*waited);
  }
  auto snap = render::job_snapshot(ctx.env, job, ctx.env.now_ms(), true);
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
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (ctx.args.positionals.size() > 1) {
    return fail("status takes at most one job id; run `codex-companion status --help`");
  }
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
