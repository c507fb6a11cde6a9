// Which directories may be a workspace: Codex runs there, and with --write edits files there.
#pragma once

#include <string>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::cli {

// Refuses, unless `allow_any` (CODEX_COMPANION_ALLOW_ANY_WORKSPACE=1, sys::Config), a workspace
// root that is the filesystem root or lies on a kernel pseudo-filesystem (/proc, /sys, /dev,
// cgroups, … — see sys::pseudo_filesystem_of): a careless
// `--cwd /` or `--cwd /proc/self` must not become the place a write task runs. The error is one
// line naming the directory, why, and how to proceed. `root` is a real path.
Status check_workspace_root(sys::Env& env, const std::string& root, bool allow_any);

}  // namespace companion::cli
