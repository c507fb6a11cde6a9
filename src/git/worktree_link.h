// Is a task's worktree still the one git made? Checked before git runs in it.
//
// A linked worktree's `.git` is a file, "gitdir: <dir>", naming its record in the repository
// (<common git dir>/worktrees/<name>); git reads its configuration through that record, and a
// configuration names programs (filters, diff drivers, fsmonitor, hooks). A write task that
// rewrote the pointer, or put a `.git` directory of its own there, would have the next git
// command in the worktree (snapshot, commit) read a configuration of its choosing, outside the
// sandbox. Codex's workspace-write sandbox keeps a writable root's top-level `.git` read-only;
// this check does not depend on it.
#pragma once

#include <string>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::git {

// Checks that `worktree/.git` is a regular file (not a symlink, not a directory) of at most
// 4 KiB holding "gitdir: <dir>", that <dir> (real path) is a directory directly under
// <common git dir of repo_root>/worktrees/, and that its `gitdir` file names `worktree/.git`
// back. Errors (one line naming the worktree, ErrorCode::kUnsafe): any of that does not hold;
// kNotFound when the worktree itself is gone; git cannot tell the common directory.
Status check_worktree_link(sys::Env& env, const std::string& repo_root,
                           const std::string& worktree);

// The target of a "gitdir: <dir>" file's text (trailing newline and CR removed); "" when the
// text is not one such line.
std::string gitdir_of(const std::string& text);

}  // namespace companion::git
