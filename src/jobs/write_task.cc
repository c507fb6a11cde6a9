#include "jobs/write_task.h"

#include "git/git_command.h"
#include "git/worktree.h"
#include "git/worktree_link.h"
#include "sys/fs.h"
#include "sys/json_read.h"

namespace companion::jobs {

namespace {

std::string scratch_index(const store::Workspace& ws, const store::Job& job) {
  return ws.jobs_dir() + "/" + job.id + ".index";
}

bool claimed_edits(const codex::TurnOutcome& turn) {
  return !turn.result.touched_files.empty() || claims_edits(turn.result.final_message);
}

// `error`, unless the task's worktree is gone: then that is why whatever failed there failed
// (Claude Code removes a subagent's worktree when the agent returns). Coded kNotFound: the job
// ends workspace-gone, as a turn that sees it go does.
Error unless_worktree_removed(sys::Env& env, const WorktreeInfo& info, Error error) {
  if (env.is_directory(info.path)) return error;
  return make_coded_error(ErrorCode::kNotFound,
                          "the task's worktree {} was removed while the task ran; its changes are "
                          "lost (the branch {} is kept until the job is pruned)",
                          info.path, info.branch);
}

Result<WriteScope> prepare_worktree(sys::Env& env, const store::Workspace& ws,
                                    const store::Job& job, const JobRequest& request) {
  WriteScope scope;
  auto before = git::snapshot_tree(env, request.cwd, scratch_index(ws, job));
  if (!before) return before.error();
  if (before->head.empty()) {
    return make_error("{} has no commit yet: a worktree task starts from HEAD; commit first",
                      request.cwd);
  }
  WorktreeInfo info{git::worktree_path(ws.state_dir, job.id), git::worktree_branch(job.id),
                    before->head, "", request.cwd};
  COMPANION_TRY(git::add_worktree(env, request.cwd, info.path, info.branch, info.base));
  if (auto linked = git::check_worktree_link(env, info.repo, info.path); !linked) {
    return unless_worktree_removed(env, info, linked.error());
  }
  // The fresh checkout is the commit itself: its snapshot is HEAD's tree.
  auto fresh = git::snapshot_tree(env, info.path, scratch_index(ws, job));
  if (!fresh) return unless_worktree_removed(env, info, fresh.error());
  scope.dir = info.path;
  scope.before = *fresh;
  scope.worktree = std::move(info);
  return scope;
}

}  // namespace

Result<WriteScope> prepare_write(sys::Env& env, const store::Workspace& ws, const store::Job& job,
                                 const JobRequest& request) {
  if (request.worktree) return prepare_worktree(env, ws, job, request);
  WriteScope scope;
  scope.dir = request.cwd;
  auto before = git::snapshot_tree(env, request.cwd, scratch_index(ws, job));
  if (before) {
    scope.before = *before;
  } else {
    scope.before_error = before.error().message;
  }
  return scope;
}

Result<ChangeReport> finish_write(sys::Env& env, const store::Workspace& ws, const store::Job& job,
                                  const WriteScope& scope, const codex::TurnOutcome& turn,
                                  bool completed) {
  ChangeReport report;
  report.claimed = claimed_edits(turn);
  report.worktree = scope.worktree;
  report.kept_worktree = scope.worktree && !completed;
  if (!scope.before) {
    report.error = scope.before_error;
    return report;
  }
  if (scope.worktree) {
    // The task could write in the worktree: git runs there only while it is still git's own.
    if (auto linked = git::check_worktree_link(env, scope.worktree->repo, scope.dir); !linked) {
      return unless_worktree_removed(env, *scope.worktree, linked.error());
    }
  }
  auto after = git::snapshot_tree(env, scope.dir, scratch_index(ws, job));
  if (!after) {
    if (scope.worktree) return unless_worktree_removed(env, *scope.worktree, after.error());
    report.error = after.error().message;
    return report;
  }
  auto stat = git::diff_trees(env, scope.dir, scope.before->tree, after->tree, kMaxChangedFiles);
  if (!stat) {
    report.error = stat.error().message;
    return report;
  }
  report.measured = true;
  report.before = *scope.before;
  report.after = *after;
  report.stat = std::move(*stat);
  if (scope.worktree && completed && report.stat.files_changed > 0) {
    auto commit =
        git::commit_to_branch(env, scope.dir, scope.worktree->branch, scope.worktree->base,
                              after->tree, "Codex task " + job.id + "\n\n" + job.summary);
    if (!commit) return commit.error();
    report.worktree->commit = *commit;
  }
  return report;
}

void remove_job_worktree(sys::Env& env, const store::Workspace& ws, const store::Job& job) {
  if (!sys::json_bool(job.request, "worktree").value_or(false)) return;
  std::string repo = sys::json_text(job.request, "cwd");
  if (repo.empty()) return;
  (void)git::remove_worktree(env, repo, git::worktree_path(ws.state_dir, job.id),
                             git::worktree_branch(job.id));
}

}  // namespace companion::jobs
