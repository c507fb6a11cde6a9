#include "cli/execute.h"

#include <array>

#include "codex/codex_binary.h"
#include "jobs/launch.h"
#include "jobs/run_job.h"
#include "sys/stop.h"

namespace companion::cli {

namespace {

constexpr std::array<std::string_view, 6> kEfforts = {"none",   "minimal", "low",
                                                      "medium", "high",    "xhigh"};

int launch(Context& ctx, store::JobStore& store, store::CreatedJob& created,
           const codex::CodexCommand& codex) {
  // The worker gets the program that was found, not the native binary behind an npm launcher:
  // it makes the same launcher decision with the same result.
  std::string program = codex.launcher.empty() ? codex.program : codex.launcher;
  auto exe = jobs::self_executable();
  auto pid = exe ? jobs::launch_worker(store, created.job, created.lock.get(),
                                       {*exe, ctx.config.state_root, program})
                 : Result<pid_t>(exe.error());
  if (!pid) {
    jobs::give_up_job(store, created.job, pid.error().message);
    return fail(pid.error());
  }
  created.lock.reset();  // the worker holds it now
  const auto& job = created.job;
  if (ctx.json()) {
    print_json({{"jobId", job.id},
                {"status", "queued"},
                {"title", job.title},
                {"summary", job.summary},
                {"logFile", job.log_file}});
  } else {
    print_text(fmt::format(
        "{} started in the background as {}.\n- Check on it: /codex:status {}\n- Its result when "
        "done: /codex:result {}\n- Cancel it: /codex:cancel {}\n",
        job.title, job.id, job.id, job.id, job.id));
  }
  return 0;
}

}  // namespace

Status apply_model_options(const Context& ctx, jobs::JobRequest& request) {
  if (auto model = ctx.args.value("model")) {
    if (model->empty()) return make_error("--model needs a model name");
    request.model = *model == "spark" ? "gpt-5.3-codex-spark" : *model;
  }
  if (auto effort = ctx.args.value("effort")) {
    bool known = false;
    for (auto e : kEfforts) known = known || e == *effort;
    if (!known) {
      return make_error("unknown --effort '{}'; use one of none, minimal, low, medium, high, xhigh",
                        *effort);
    }
    request.effort = *effort;
  }
  return {};
}

int execute_request(Context& ctx, const jobs::JobRequest& request, bool background) {
  // A missing Codex CLI is the user's to fix before any job exists (foreground or background).
  auto codex = codex::resolve_codex(ctx.config);
  if (!codex) return fail(codex.error());
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (!background) sys::install_stop_handlers();  // this process will own the job
  store::NewJob spec{request.kind,
                     jobs::job_title(request),
                     jobs::job_summary(request),
                     ctx.session_id().value_or(""),
                     request.write,
                     jobs::to_json(request)};
  spec.announce_end = background;  // nobody watches a background job end: tell its session
  auto created = (*store)->create(spec);
  if (!created) return fail(created.error());
  if (background) return launch(ctx, **store, *created, *codex);
  jobs::RunOptions options{
      .echo_progress = !ctx.json(), .limits = jobs::limits_from(ctx.config), .codex = *codex};
  auto run = jobs::run_job(**store, created->job, request, options);
  if (!run) return fail(run.error());
  const store::Job& job = run->job;
  if (ctx.json()) {
    print_json(job.result.is_null() ? nlohmann::json{{"jobId", job.id}} : job.result);
  } else {
    print_text(job.rendered.empty() ? job.error_message + "\n" : job.rendered);
    if (!job.thread_id.empty() && request.kind == store::JobKind::kTask) {
      print_note("[codex] Resume in Codex: codex resume " + job.thread_id + "\n");
    }
  }
  if (job.status != store::JobStatus::kCompleted && !ctx.json()) {
    (void)fail(fmt::format("{} {}: {}", job.id, store::to_string(job.status), job.error_message));
  }
  return job.status == store::JobStatus::kCompleted ? 0 : 1;
}

}  // namespace companion::cli
