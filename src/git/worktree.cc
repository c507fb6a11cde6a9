#include "git/worktree.h"

#include "git/apply_paths.h"
#include "git/git_command.h"
#include "git/ref_argument.h"
#include "git/tree_state.h"
#include "sys/fs.h"
#include "sys/path_checks.h"
#include "sys/text.h"

namespace companion::git {

namespace {

// Patches larger than this are not applied by us: the user can merge the branch.
constexpr size_t kMaxPatchBytes = 64 * 1024 * 1024;

std::string full_ref(const std::string& branch) {
  return "refs/heads/" + branch;
}

Status check_ids(const std::string& a, const std::string& b) {
  if (!is_object_id(a) || !is_object_id(b)) return make_error("not a git object id");
  return {};
}

// git's own words about why a command failed: the first lines of its stderr, on one line.
std::string git_reason(const sys::RunResult& run) {
  std::string reason;
  for (const auto& line : split_lines(run.err_tail)) {
    if (reason.size() > 300) break;
    reason += (reason.empty() ? "" : "; ") + line;
  }
  return reason.empty() ? run.describe() : reason;
}

}  // namespace

std::string worktree_branch(const std::string& job_id) {
  return kBranchPrefix + job_id;
}

std::string worktree_path(const std::string& state_dir, const std::string& job_id) {
  return state_dir + "/worktrees/" + job_id;
}

Status add_worktree(sys::Env& env, const std::string& repo_root, const std::string& path,
                    const std::string& branch, const std::string& base) {
  COMPANION_TRY(check_ref_argument(branch, "worktree branch"));
  if (!is_object_id(base)) return make_error("the worktree's base is not a commit id");
  if (auto made = env.ensure_private_dir(sys::dirname_of(path)); !made) return made.error();
  auto added = git_output(env, repo_root,
                          {"worktree", "add", "--quiet", "-b", branch, kEndOfOptions, path, base});
  if (!added) return make_error("cannot create the worktree: {}", added.error().message);
  return {};
}

Result<std::string> commit_to_branch(sys::Env& env, const std::string& worktree,
                                     const std::string& branch, const std::string& parent,
                                     const std::string& tree, const std::string& message) {
  COMPANION_TRY(check_ref_argument(branch, "worktree branch"));
  COMPANION_TRY(check_ids(parent, tree));
  GitOptions options;
  options.env = {{"GIT_AUTHOR_NAME", "Codex Companion"},
                 {"GIT_AUTHOR_EMAIL", "codex-companion@localhost"},
                 {"GIT_COMMITTER_NAME", "Codex Companion"},
                 {"GIT_COMMITTER_EMAIL", "codex-companion@localhost"}};
  // The message (it holds the task's summary) goes on stdin, not into argv.
  options.stdin_data = message;
  auto commit =
      git_output(env, worktree, {"commit-tree", "--no-gpg-sign", "-p", parent, tree}, options);
  if (!commit) return commit.error();
  std::string id = trim_right(*commit);
  if (!is_object_id(id)) return make_error("git commit-tree printed no commit id");
  auto moved = git_output(
      env, worktree,
      {"update-ref", "-m", "codex-companion: task result", full_ref(branch), id, parent});
  if (!moved) return moved.error();
  // The worktree's own index follows its branch (the files already match the commit).
  (void)git_output(env, worktree, {"read-tree", kEndOfOptions, id});
  return id;
}

Result<std::string> branch_commit(sys::Env& env, const std::string& repo_root,
                                  const std::string& branch) {
  COMPANION_TRY(check_ref_argument(branch, "worktree branch"));
  auto run =
      run_git(env, repo_root,
              {"rev-parse", "--verify", "--quiet", kEndOfOptions, full_ref(branch) + "^{commit}"});
  if (!run) return run.error();
  std::string id = trim_right(run->out);
  if (!run->success() || !is_object_id(id)) {
    return make_coded_error(ErrorCode::kNotFound, "the branch {} does not exist (any more)",
                            branch);
  }
  return id;
}

Status remove_worktree(sys::Env& env, const std::string& repo_root, const std::string& path,
                       const std::string& branch) {
  Status first;
  if (env.path_exists(path)) {
    auto removed = git_output(env, repo_root,
                              {"worktree", "remove", "--force", "--force", kEndOfOptions, path});
    if (!removed) first = removed.error();
  }
  // A worktree directory deleted behind git's back leaves its record: drop such records.
  (void)git_output(env, repo_root, {"worktree", "prune"});
  if (check_ref_argument(branch, "worktree branch")) {
    auto run = run_git(env, repo_root, {"update-ref", "-d", full_ref(branch)});
    if (first && run && !run->success() && branch_commit(env, repo_root, branch)) {
      first = make_error("cannot delete the branch {}: {}", branch, git_reason(*run));
    }
  }
  return first;
}

namespace {

// Refuses (ErrorCode::kUnsafe) a change that could write outside the work tree at `top`
// (git/apply_paths.h), before anything is written.
Status check_apply_paths(sys::Env& env, const std::string& top, const std::string& base,
                         const std::string& head) {
  GitOptions options;
  options.max_stdout_bytes = 16 * 1024 * 1024;
  auto raw = git_output(
      env, top, {"diff-tree", "-r", "-z", "--raw", "--no-renames", kEndOfOptions, base, head},
      options);
  if (!raw) return raw.error();
  auto unsafe = find_unsafe_apply_path(parse_raw(*raw), [&](const std::string& relative) {
    return env.path_kind(sys::join_path(top, relative));
  });
  if (!unsafe) return {};
  if (unsafe->through.empty()) {
    return make_coded_error(ErrorCode::kUnsafe, "the change names the path {}, which {}",
                            sys::quote_path(unsafe->path), unsafe->why);
  }
  std::string through = sys::quote_path(unsafe->through);
  if (!unsafe->in_work_tree) {
    return make_coded_error(ErrorCode::kUnsafe, "the change writes {}, which {} {}",
                            sys::quote_path(unsafe->path), unsafe->why, through);
  }
  auto target = env.read_link(sys::join_path(top, unsafe->through));
  return make_coded_error(
      ErrorCode::kUnsafe,
      "the change writes {}, which {} {}{} in {} and may lead outside the work tree; remove or "
      "rename {} and retry",
      sys::quote_path(unsafe->path), unsafe->why, through,
      target ? " (-> " + sys::quote_path(*target) + ")" : "", top, through);
}

}  // namespace

Result<ApplyReport> apply_change(sys::Env& env, const std::string& repo_root,
                                 const std::string& base, const std::string& head,
                                 const std::string& patch_file) {
  COMPANION_TRY(check_ids(base, head));
  // Paths in the patch are relative to the top level: git runs there, whatever the job's cwd.
  auto top = find_repo_root(env, repo_root);
  if (!top) return top.error();
  COMPANION_TRY(check_apply_paths(env, *top, base, head));
  GitOptions options;
  options.max_stdout_bytes = kMaxPatchBytes;
  // Plumbing: no external diff driver or textconv from the repository's attributes runs.
  auto patch = git_output(env, *top,
                          {"diff-tree", "-p", "--binary", "--full-index", "--no-renames", "-r",
                           kEndOfOptions, base, head},
                          options);
  if (!patch) return patch.error();
  if (patch->empty()) return make_error("the branch holds no change to apply");
  COMPANION_TRY(env.write_file_atomic(patch_file, *patch));
  ApplyReport report;
  Result<std::string> done = make_error("not applied");
  auto staged_check = run_git(env, *top, {"apply", "--check", "--index", "--", patch_file});
  if (staged_check && staged_check->success()) {
    report.staged = true;
    done = git_output(env, *top, {"apply", "--index", "--", patch_file});
  } else {
    auto check = run_git(env, *top, {"apply", "--check", "--", patch_file});
    if (!check || !check->success()) {
      (void)env.remove_file(patch_file);
      if (!check) return check.error();
      return make_error("{}", git_reason(*check));
    }
    done = git_output(env, *top, {"apply", "--", patch_file});
  }
  (void)env.remove_file(patch_file);
  if (!done) return done.error();
  return report;
}

}  // namespace companion::git
