// `steer JOB TEXT [--json]`: adds instructions to a running job's Codex turn (`turn/steer`),
// from any process, through the shared broker that runs the job's turn. The text is recorded in
// the job's log. A job that is not running, or runs on an app-server of its own (direct runtime),
// is one clear line.
#include <algorithm>

#include "cli/commands.h"
#include "cli/job_ref.h"
#include "cli/runtime.h"
#include "codex/codex_binary.h"
#include "codex/steer.h"
#include "store/job_log.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

constexpr int64_t kSteerTimeoutMs = 10000;

// Why `job` cannot be steered now, or "" when it can.
std::string not_steerable(const store::Job& job) {
  if (!job.active()) {
    return fmt::format("job {} is {}; only a running job can be steered", job.id,
                       store::to_string(job.status));
  }
  if (job.status == store::JobStatus::kQueued) {
    return fmt::format(
        "job {} is still queued and has no Codex turn to steer yet; cancel it and start it with "
        "the new instructions, or steer it once it runs",
        job.id);
  }
  if (job.thread_id.empty() || job.turn_id.empty()) {
    return fmt::format("job {} has not started its Codex turn yet; steer it in a moment", job.id);
  }
  if (sys::json_text(job.resolved, "runtime") == "direct") {
    return fmt::format(
        "job {} runs on a Codex app-server of its own (the direct runtime), which no other "
        "process can reach; only jobs on the shared broker can be steered",
        job.id);
  }
  return {};
}

// The brokers that may run the job's turn: this run's, then every one recorded.
std::vector<std::string> broker_endpoints(Context& ctx, store::JobStore& store) {
  std::vector<std::string> out;
  if (auto mine = existing_broker_connector(ctx, store).broker_endpoint; !mine.empty()) {
    out.push_back(mine);
  }
  if (auto recorded = store.broker_sessions()) {
    for (const auto& session : *recorded) {
      if (std::find(out.begin(), out.end(), session.endpoint) == out.end()) {
        out.push_back(session.endpoint);
      }
    }
  }
  return out;
}

}  // namespace

int run_steer(Context& ctx) {
  std::string text = ctx.args.text;
  size_t cut = text.find_first_of(" \t\n");
  std::string ref = text.substr(0, cut);
  std::string steer_text = cut == std::string::npos ? "" : text.substr(cut + 1);
  if (ref.empty() || steer_text.find_first_not_of(" \t\n") == std::string::npos) {
    return fail("steer needs a job id and the instructions: codex-companion steer JOB TEXT");
  }
  if (steer_text.size() > codex::kMaxSteerBytes) {
    return fail(fmt::format("the instructions are longer than {} bytes", codex::kMaxSteerBytes));
  }
  if (auto ok = check_job_ref_args({ref}, "steer"); !ok) return fail(ok.error());
  auto local = ctx.store();
  if (!local) return fail(local.error());
  if (auto settled = settle(ctx, **local); !settled) return fail(settled.error());
  auto resolved = resolve_job_ref(ctx, **local, ref);
  if (!resolved) return fail(resolved.error());
  const store::Job& job = resolved->job;
  if (resolved->other_store) {
    return fail(
        fmt::format("job {} belongs to the workspace {}; steer it there: "
                    "codex-companion steer --cwd {} {} TEXT",
                    job.id, job.workspace_root, job.workspace_root, job.id));
  }
  if (std::string why = not_steerable(job); !why.empty()) return fail(why);
  codex::AppServerOptions options;
  if (auto found = codex::resolve_codex(ctx.env, ctx.config)) options.codex = *found;
  options.cwd = (*local)->workspace().root;
  auto endpoints = broker_endpoints(ctx, **local);
  if (endpoints.empty()) {
    return fail(
        fmt::format("no broker of this workspace is running; job {}'s turn cannot be "
                    "reached",
                    job.id));
  }
  Result<nlohmann::json> answer = make_error("no broker answered");
  for (const auto& endpoint : endpoints) {
    answer = codex::steer_turn(options, endpoint, job.thread_id, job.turn_id, steer_text,
                               kSteerTimeoutMs);
    if (answer) break;
  }
  if (!answer) {
    return fail(fmt::format("could not steer job {}: {}", job.id, answer.error().message));
  }
  (void)store::append_log_block(ctx.env, job.log_file, "Steered by the user", steer_text);
  if (ctx.json()) {
    print_json({{"jobId", job.id},
                {"threadId", job.thread_id},
                {"turnId", sys::json_text(*answer, "turnId")},
                {"steered", true}});
  } else {
    print_text(
        fmt::format("Steered {}: Codex takes the instructions into its running turn.\n", job.id));
  }
  return 0;
}

}  // namespace companion::cli
