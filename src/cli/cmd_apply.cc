// `apply JOB [--json]`: brings a finished `task --worktree` job's change into the working tree.
#include "cli/commands.h"
#include "cli/job_ref.h"
#include "git/worktree.h"
#include "sys/json_read.h"

namespace companion::cli {

namespace {

struct ApplyTarget {
  std::string repo;    // the job's workspace: where the change goes
  std::string branch;  // codex/<job id>
  std::string base;    // the commit the worktree started from
  std::string path;    // the worktree
};

// Refuses (one line saying why and what to do) a job that has no change to apply.
Result<ApplyTarget> apply_target(const store::Job& job) {
  if (job.kind != store::JobKind::kTask ||
      !sys::json_bool(job.request, "worktree").value_or(false)) {
    return make_error(
        "job {} did not run in a worktree: apply takes a job started with `task --write "
        "--worktree`",
        job.id);
  }
  const nlohmann::json& worktree = sys::json_object(job.result, "worktree");
  ApplyTarget target{sys::json_text(job.request, "cwd"), git::worktree_branch(job.id),
                     sys::json_text(worktree, "baseCommit"), sys::json_text(worktree, "path")};
  if (job.active()) {
    return make_error("job {} is still {}; wait for it with `codex-companion status {} --wait`",
                      job.id, store::to_string(job.status), job.id);
  }
  if (job.status != store::JobStatus::kCompleted) {
    return make_error(
        "job {} ended {}: its change is not applied automatically; look at its worktree{} "
        "(kept until the job is pruned)",
        job.id, store::to_string(job.status), target.path.empty() ? "" : " " + target.path);
  }
  if (target.repo.empty() || target.base.empty()) {
    return make_error("job {} has no recorded worktree base; merge the branch {} yourself", job.id,
                      target.branch);
  }
  return target;
}

void print_applied(const Context& ctx, const store::Job& job, const ApplyTarget& target,
                   const std::string& commit, bool staged) {
  const nlohmann::json& changes = sys::json_object(job.result, "changes");
  if (ctx.json()) {
    print_json({{"jobId", job.id},
                {"applied", true},
                {"staged", staged},
                {"workspaceRoot", target.repo},
                {"branch", target.branch},
                {"baseCommit", target.base},
                {"commit", commit},
                {"changes", changes}});
    return;
  }
  print_text(fmt::format(
      "Applied the change of {} (branch {}: {} file(s), +{} -{}) to the working tree{} of {}.\n"
      "Review it with `git diff{}`; the branch stays until the job is pruned.\n",
      job.id, target.branch, sys::json_int(changes, "filesChanged").value_or(0),
      sys::json_int(changes, "insertions").value_or(0),
      sys::json_int(changes, "deletions").value_or(0), staged ? " and the index" : "", target.repo,
      staged ? " --cached" : ""));
}

}  // namespace

int run_apply(Context& ctx) {
  if (ctx.args.positionals.size() != 1) {
    return fail("apply takes one job id: codex-companion apply JOB");
  }
  auto store = ctx.store();
  if (!store) return fail(store.error());
  if (auto settled = settle(ctx, **store); !settled) return fail(settled.error());
  auto resolved = resolve_job_ref(ctx, **store, ctx.args.positionals[0]);
  if (!resolved) return fail(resolved.error());
  const store::Job& job = resolved->job;
  auto target = apply_target(job);
  if (!target) return fail(target.error());
  auto commit = git::branch_commit(ctx.env, target->repo, target->branch);
  if (!commit) return fail(fmt::format("cannot apply {}: {}", job.id, commit.error().message));
  if (*commit == target->base) {
    return fail(fmt::format("job {} changed no file; there is nothing to apply", job.id));
  }
  std::string patch_file = resolved->store->workspace().jobs_dir() + "/" + job.id + ".patch";
  auto applied = git::apply_change(ctx.env, target->repo, target->base, *commit, patch_file);
  if (!applied && applied.error().code == ErrorCode::kUnsafe) {
    return fail(fmt::format(
        "refusing to apply the change of {}: {}. Nothing was changed (or merge the branch "
        "yourself: git merge {})",
        job.id, applied.error().message, target->branch));
  }
  if (!applied) {
    return fail(fmt::format(
        "the change of {} does not apply cleanly to the working tree of {}, so nothing was "
        "changed (git: {}). Commit or stash your edits to those files and retry, or merge it "
        "yourself: git merge {}",
        job.id, target->repo, applied.error().message, target->branch));
  }
  print_applied(ctx, job, *target, *commit, applied->staged);
  return 0;
}

}  // namespace companion::cli
