// Where `apply` may write: every path a change touches must stay inside the user's work tree.
//
// `git apply` (also with --index) checks symlinks only where the index has them: an untracked or
// ignored symlink to a directory in the user's tree, say `build -> /somewhere`, would take a
// patch adding `build/x` outside the repository. So before anything is written, each path of the
// change is checked on disk, component by component, without following a symlink (lstat):
//   - no component may be empty, ".", ".." or ".git" (in any letter case);
//   - every leading component that exists must be a real directory; a symlink there is refused,
//     unless the change itself deletes that very symlink (git applies deletions first, so the
//     path then leads into a new, real directory), and so is anything that cannot be inspected;
//   - the path itself may be a symlink only when the change replaces or deletes a symlink there
//     (its old mode is 120000): then git changes the link, it does not write through it;
//   - no path may lie beneath a symlink the change itself creates (compared ignoring letter case,
//     for case-insensitive file systems, where `Link/x` goes through `link`).
// Case-insensitive file systems are covered by the on-disk checks themselves: lstat of `Link`
// finds `link`. Renames and copies need no rule of their own: the change is listed with
// --no-renames, so each is a deletion and an addition, each path checked.
//
// Sans-IO: the file system is asked through a function, so every case is a unit test; apply
// (git/worktree.h) asks the real one (sys::path_kind under the work tree's top level).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "git/tree_state.h"
#include "sys/path_checks.h"

namespace companion::git {

// What is on disk at a path relative to the work tree's top level (not following symlinks).
using PathKindOf = std::function<sys::PathKind(const std::string& relative)>;

// Why a change may not be applied.
struct UnsafePath {
  std::string path;           // the path of the change, exactly as git has it
  std::string through;        // the component that leads elsewhere ("" when the name itself is bad)
  std::string why;            // one phrase: "goes through the symlink", ...
  bool in_work_tree = false;  // `through` is in the user's work tree (not made by the change)
};

// The first path of `changes` that applying them could write outside the work tree (see the
// rules above), or nullopt when every path is safe.
std::optional<UnsafePath> find_unsafe_apply_path(const std::vector<TreeChange>& changes,
                                                 const PathKindOf& kind_of);

}  // namespace companion::git
