// Where a workspace's state lives (SPEC.md section 4).
#pragma once

#include <string>
#include <vector>

#include "sys/env.h"
#include "sys/path_checks.h"
#include "sys/result.h"

namespace companion::store {

struct Workspace {
  std::string root;       // git top-level of the cwd, else the cwd (real path)
  std::string state_dir;  // <state root>/<slug>-<16 hex>
  // A repository above the cwd that was NOT taken as the workspace because another user owns
  // it, its .git, or a directory on the way up to it (see find_workspace_root); else empty.
  std::string ignored_repository;

  std::string db_path() const { return state_dir + "/state.db"; }
  std::string jobs_dir() const { return state_dir + "/jobs"; }
  std::string log_path(const std::string& job_id) const {
    return jobs_dir() + "/" + job_id + ".log";
  }
  std::string lock_path(const std::string& job_id) const {
    return jobs_dir() + "/" + job_id + ".lock";
  }
  // Written by `cancel` before it signals the owner: a cancel request that needs no database
  // write, so it is recorded even while another process holds the store's write lock.
  std::string cancel_path(const std::string& job_id) const {
    return jobs_dir() + "/" + job_id + ".cancel";
  }
};

struct WorkspaceRoot {
  std::string root;                // real path
  std::string ignored_repository;  // see Workspace::ignored_repository
};

// The git top-level containing `dir` (a directory holding `.git`), else `dir` itself; real
// paths. Like git's safe.directory check, a repository belonging to another user is not ours:
// the walk up from `dir` stops at the first directory owned by another user, and a `.git` owned
// by another user is not taken (anyone can create /tmp/.git). `dir` itself is always
// acceptable: the user chose it. Errors: `dir` does not exist or is not a directory.
Result<WorkspaceRoot> find_workspace_root(sys::Env& env, const std::string& dir);

// find_workspace_root(env, dir).root.
Result<std::string> workspace_root_of(sys::Env& env, const std::string& dir);

// "<basename slug>-<first 16 hex of sha256(root)>".
std::string workspace_dir_name(const std::string& root);

// Resolves the workspace of `cwd` under `state_root` (sys::Config::state_root) without touching
// the disk beyond path resolution.
Result<Workspace> resolve_workspace(sys::Env& env, const std::string& cwd,
                                    const std::string& state_root);

// Where the state directory may not be: where a sandboxed Codex task may write, since the store
// holds what the companion later runs outside the sandbox (the notify command) and what it shows
// as Codex's answers. Codex's workspace-write sandbox makes the task's working directory (the
// workspace or a subdirectory; a --worktree task's worktree, which holds no store), /tmp and
// $TMPDIR writable, unless the user's Codex configuration excludes the last two. Paths are
// compared as real paths (sys::resolve_existing_prefix: /tmp is /private/tmp on macOS). Other
// writable roots a user adds in their Codex configuration are not known here. `source` names the
// variable that placed the state root (sys::Config::state_root_source). Errors: one line naming
// the directory, why, and what to set instead.
//
// For every command: not inside /tmp or `tmpdir` ($TMPDIR), which every write task anywhere may
// write.
Status check_state_placement(sys::Env& env, const Workspace& ws, const std::string& source,
                             const std::string& tmpdir);

// Before a write task runs in the workspace (not in a worktree of its own): the state directory
// must not be inside the workspace, where that task's sandbox may write (unless the workspace is
// the filesystem root, which contains everything and is accepted only with
// CODEX_COMPANION_ALLOW_ANY_WORKSPACE), nor inside one of `writable` (the writable roots of the
// user's Codex configuration: codex::task_writable_places), which the task's sandbox may write
// too. Other commands may use such a store (`status` from a home directory that holds
// ~/.local/state): it is the write task that could rewrite it.
Status check_write_task_placement(sys::Env& env, const Workspace& ws, const std::string& source,
                                  const std::vector<sys::WritablePlace>& writable = {});

// Creates the state root, the workspace directory and its jobs/ folder: 0700, owned by us, no
// symlinks. Refusals are errors naming the path and the fix.
Status prepare_workspace_dirs(sys::Env& env, const Workspace& ws);

}  // namespace companion::store
