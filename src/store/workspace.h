// Where a workspace's state lives (SPEC.md section 4).
#pragma once

#include <string>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::store {

struct Workspace {
  std::string root;       // git top-level of the cwd, else the cwd (real path)
  std::string state_dir;  // <state root>/<slug>-<16 hex>

  std::string db_path() const { return state_dir + "/state.db"; }
  std::string jobs_dir() const { return state_dir + "/jobs"; }
  std::string log_path(const std::string& job_id) const {
    return jobs_dir() + "/" + job_id + ".log";
  }
  std::string lock_path(const std::string& job_id) const {
    return jobs_dir() + "/" + job_id + ".lock";
  }
};

// The git top-level containing `dir` (a directory holding `.git`), else `dir` itself; real path.
Result<std::string> workspace_root_of(const std::string& dir);

// "<basename slug>-<first 16 hex of sha256(root)>".
std::string workspace_dir_name(const std::string& root);

// Resolves the workspace of `cwd` under `state_root` (sys::Config::state_root) without touching
// the disk beyond path resolution.
Result<Workspace> resolve_workspace(const std::string& cwd, const std::string& state_root);

// Creates the state root, the workspace directory and its jobs/ folder: 0700, owned by us, no
// symlinks. Refusals are errors naming the path and the fix.
Status prepare_workspace_dirs(sys::Env& env, const Workspace& ws);

}  // namespace companion::store
