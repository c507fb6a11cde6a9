// Isolated write tasks (`task --write --worktree`): a fresh git worktree on its own branch for
// the task, its result committed onto that branch with plumbing (no hooks, no identity needed
// from the user's configuration), and `apply`, which brings the branch's change into the user's
// work tree only when it applies cleanly.
//
// Where worktrees live: <workspace state dir>/worktrees/<job id> (see worktree_path). The state
// directory is ours (0700, owned by the user), outside the repository, so the user's `git
// status` never shows a task's files and pruning the job can remove the worktree without
// guessing; git records the worktree in .git/worktrees/<job id>, which `git worktree list`
// shows.
//
// Branch names are `codex/<job id>`: job ids hold only [a-z0-9-] (store/job_id.h), so the
// name is a valid ref; it still reaches git only after `--end-of-options` or as a full ref.
#pragma once

#include <string>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::git {

inline constexpr const char* kBranchPrefix = "codex/";

std::string worktree_branch(const std::string& job_id);
std::string worktree_path(const std::string& state_dir, const std::string& job_id);

// Adds a worktree at `path` (which must not exist; its parent is created 0700) checked out on
// the new branch `branch` at commit `base` of the repository at `repo_root`.
// Errors: git fails (the branch exists, `base` is no commit, ...).
Status add_worktree(sys::Env& env, const std::string& repo_root, const std::string& path,
                    const std::string& branch, const std::string& base);

// Records tree `tree` as a commit on `branch` whose parent is `parent` (compare-and-set: the
// branch must still point at `parent`), authored by "Codex Companion". Returns the commit.
Result<std::string> commit_to_branch(sys::Env& env, const std::string& worktree,
                                     const std::string& branch, const std::string& parent,
                                     const std::string& tree, const std::string& message);

// The commit `branch` points at. Errors: no such branch.
Result<std::string> branch_commit(sys::Env& env, const std::string& repo_root,
                                  const std::string& branch);

// Removes the worktree at `path` (forcefully: it is ours) and deletes `branch`. Best effort
// for each: returns the first error, after trying both.
Status remove_worktree(sys::Env& env, const std::string& repo_root, const std::string& path,
                       const std::string& branch);

// What `apply_change` did.
struct ApplyReport {
  bool staged = false;  // applied to the index too (else the work tree only)
};

// Applies the change from commit `base` to commit `head` to the work tree of the repository
// containing `repo_root` (at its top level): first every path the change touches is checked on
// disk (git/apply_paths.h: nothing may be written through a symlink or outside the work tree;
// refused with ErrorCode::kUnsafe naming the path), then the patch is checked (`git apply
// --check`) and written only when the whole patch applies, so on a refusal or a conflict nothing
// is touched and the error says why (quoting git). Staged too when the index allows it.
// `patch_file` is a scratch path the caller owns (removed afterwards).
Result<ApplyReport> apply_change(sys::Env& env, const std::string& repo_root,
                                 const std::string& base, const std::string& head,
                                 const std::string& patch_file);

}  // namespace companion::git
