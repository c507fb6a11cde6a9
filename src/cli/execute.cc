#include "cli/execute.h"

#include <array>

#include "cli/runtime.h"
#include "codex/codex_binary.h"
#include "codex/sandbox_places.h"
#include "jobs/launch.h"
#include "jobs/queue.h"
#include "jobs/run_job.h"
#include "store/settings.h"
#include "sys/fs.h"
#include "sys/json_read.h"
#include "sys/stop.h"
#include "sys/text.h"

namespace companion::cli {

namespace {

// A background job waits in the workspace's queue until a slot is free; this process starts
// it at once when one is (settle promotes the queue), else a later finisher or reader does.
int launch(Context& ctx, store::JobStore& store, const store::Job& created) {
  if (auto settled = settle(ctx, store); !settled) return fail(settled.error());
  auto now = store.get(created.id);
  if (!now) return fail(now.error());
  if (!now->has_value()) return fail("job " + created.id + " vanished while being queued");
  const store::Job& job = **now;
  if (job.status == store::JobStatus::kFailed) {
    return fail(fmt::format("{} could not start: {}", job.id, job.error_message));
  }
  std::optional<size_t> position;
  if (job.waiting()) {
    auto waiting = jobs::waiting_ids(store);
    if (!waiting) return fail(waiting.error());
    position = store::queue_position(*waiting, job.id);
  }
  auto hold = jobs::queue_hold(store);
  if (!hold) return fail(hold.error());
  if (ctx.json()) {
    nlohmann::json out = {{"jobId", job.id},
                          {"status", "queued"},
                          {"title", job.title},
                          {"summary", job.summary},
                          {"logFile", job.log_file}};
    if (position) out["queuePosition"] = *position;
    if (position && *hold) out["queueHold"] = **hold;
    print_json(out);
  } else {
    // The first line is the reference plugin's (the plugin's command files and scripts read it).
    std::string waits_for = *hold ? "the queue is " + **hold
                                  : std::string(
                                        "it starts when a running job ends; see `config "
                                        "get max-parallel`");
    std::string first =
        position ? fmt::format("{} queued as {} (position {} in this workspace's queue: {}).",
                               job.title, job.id, *position, waits_for)
                 : fmt::format("{} started in the background as {}.", job.title, job.id);
    print_text(
        fmt::format("{} Check /codex:status {} for progress.\n"
                    "- Its result when done: /codex:result {}\n- Cancel it: /codex:cancel {}\n",
                    first, job.id, job.id, job.id));
  }
  return 0;
}

}  // namespace

Status apply_model_options(const Context& ctx, jobs::JobRequest& request) {
  if (auto model = ctx.args.value("model")) {
    if (model->empty()) return make_error("--model needs a model name");
    auto name = store::normalize_model("--model", *model);
    if (!name) return name.error();
    request.model = *name;
  }
  if (auto effort = ctx.args.value("effort")) {
    auto level = store::normalize_effort("--effort", *effort);
    if (!level) return level.error();
    request.effort = *level;
  }
  return {};
}

Status check_write_placement(const Context& ctx) {
  auto ws = store::resolve_workspace(ctx.env, ctx.cwd, ctx.config.state_root);
  if (!ws) return {};  // opening the store says what is wrong with the directory
  return store::check_write_task_placement(
      ctx.env, *ws, ctx.config.state_root_source,
      codex::task_writable_places(ctx.config, ws->root, ctx.env));
}

int execute_request(Context& ctx, const jobs::JobRequest& asked, bool background) {
  jobs::JobRequest request = asked;
  auto home = ctx.env.real_path(ctx.config.codex_home);  // this run's, also for a retried request
  request.codex_home = home ? *home : ctx.config.codex_home;
  // A missing Codex CLI, or one a task could replace, is the user's to fix before any job exists
  // (foreground or background).
  auto codex = codex::resolve_placed_codex(ctx.config, request.cwd, ctx.env);
  if (!codex) return fail(codex.error());
  if (request.write && !request.worktree) {
    if (auto placed = check_write_placement(ctx); !placed) return fail(placed.error());
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  auto defaults = apply_model_defaults(ctx, **store, request);
  if (!defaults) return fail(defaults.error());
  if (!background) sys::install_stop_handlers();  // this process will own the job
  store::NewJob spec{request.kind,
                     jobs::job_title(request),
                     jobs::job_summary(request),
                     ctx.session_id().value_or(""),
                     request.write,
                     jobs::to_json(request)};
  if (spec.request.is_object()) spec.request["defaultsFrom"] = *defaults;
  spec.announce_end = background;  // nobody watches a background job end: tell its session
  // A foreground job never waits (the user is watching it) but takes a slot while it runs.
  spec.wait_for_slot = background;
  if (background && spec.request.is_object()) {
    // The worker gets the program that was found, not the native binary behind an npm launcher:
    // it makes the same launcher decision with the same result, whichever process starts it.
    spec.request[jobs::kWorkerCodexField] =
        codex->launcher.empty() ? codex->program : codex->launcher;
  }
  auto created = (*store)->create(spec);
  if (!created) return fail(created.error());
  if (background) return launch(ctx, **store, created->job);
  jobs::RunOptions options{.echo_progress = !ctx.json(),
                           .limits = jobs::limits_from(ctx.config),
                           .codex = *codex,
                           .connector = job_connector(ctx, **store, *codex)};
  auto run = jobs::run_job(**store, created->job, request, options);
  if (run)
    after_broker_lost(**store, options.connector,
                      run->job.end_reason == store::EndReason::kBrokerLost);
  // This job's end (notify, retention) and its slot, free now for a queued job.
  (void)settle(ctx, **store,
               run && run->ended_here ? std::vector{run->job.id} : std::vector<std::string>{});
  if (!run) return fail(run.error());
  const store::Job& job = run->job;
  if (ctx.json()) {
    print_json(job.result.is_null() ? nlohmann::json{{"jobId", job.id}} : job.result);
  } else {
    print_text(job.rendered.empty() ? job.error_message + "\n" : job.rendered);
    if (sys::is_codex_id(job.thread_id) && request.kind == store::JobKind::kTask) {
      print_note("[codex] Resume in Codex: codex resume " + job.thread_id + "\n");
    }
  }
  (void)(*store)->mark_read(job.id, ctx.env.now_ms());  // printed: the user has seen it
  if (job.status != store::JobStatus::kCompleted && !ctx.json()) {
    (void)fail(fmt::format("{} {}: {}", job.id, store::to_string(job.status), job.error_message));
  }
  return job.status == store::JobStatus::kCompleted ? 0 : 1;
}

}  // namespace companion::cli
