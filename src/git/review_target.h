// Choosing what a review looks at: the working tree or the current branch against a base.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sys/env.h"
#include "sys/result.h"

namespace companion::git {

inline constexpr const char* kModeWorkingTree = "working-tree";
inline constexpr const char* kModeBranch = "branch";

struct ReviewTarget {
  std::string mode;      // kModeWorkingTree or kModeBranch
  std::string base_ref;  // branch mode: the ref compared against (e.g. "main"); else empty
  std::string label;     // "working tree diff" or "branch diff against main"
  // The app-server's review target: {type:"uncommittedChanges"} or {type:"baseBranch", branch}.
  nlohmann::json app_server_target;
  bool explicit_choice = false;  // chosen by --scope/--base rather than by `auto`

  // {mode, label, baseRef (null in working-tree mode), explicit} for --json payloads.
  nlohmann::json to_json() const;
};

// Picks the review target for the repository containing `repo_root`.
//   scope "working-tree": uncommitted changes (staged, unstaged, untracked), even none;
//   scope "branch": HEAD against `base`, else the default base (see default_base_ref);
//   scope "auto" (or empty): the working tree when it is dirty (untracked files count),
//   else the branch. A given `base` always selects a branch review.
// An explicit choice is never refused for being empty (the reference plugin sends it too; a
// branch review with no commits beyond its base still covers the uncommitted work).
// Errors, each one actionable line: not a git repository, a bad scope (the reference's
// sentence), an unknown base ref, no default base to compare against, no commits for a branch
// review, and, for `auto` only, nothing to review (a clean tree and no commits beyond the base).
Result<ReviewTarget> select_review_target(sys::Env& env, const std::string& repo_root,
                                          const std::string& scope,
                                          const std::optional<std::string>& base);

// The ref a branch review compares against when no --base is given: the branch origin/HEAD
// points to, else main, else master; a local branch is preferred over its origin/ twin.
// nullopt when none exists. Error: origin/HEAD names a branch that check_ref_argument refuses
// (a remote can name its HEAD `--output=FILE`).
Result<std::optional<std::string>> default_base_ref(sys::Env& env, const std::string& repo_root);

// True when the working tree has staged, unstaged or untracked (not ignored) changes.
Result<bool> working_tree_dirty(sys::Env& env, const std::string& repo_root);

}  // namespace companion::git
