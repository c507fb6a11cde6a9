#include "git/review_target.h"

#include "git/git_command.h"
#include "git/ref_argument.h"

namespace companion::git {

namespace {

bool ref_exists(const std::string& repo_root, const std::string& ref) {
  auto result = run_git(repo_root, {"show-ref", "--verify", "--quiet", kEndOfOptions, ref});
  return result.ok() && result->success();
}

// A local branch `name`, else origin/`name`; nullopt when neither exists.
std::optional<std::string> branch_or_remote(const std::string& repo_root, const std::string& name) {
  if (ref_exists(repo_root, "refs/heads/" + name)) return name;
  if (ref_exists(repo_root, "refs/remotes/origin/" + name)) return "origin/" + name;
  return std::nullopt;
}

Status check_base_ref(const std::string& repo_root, const std::string& base) {
  COMPANION_TRY(check_ref_argument(base, "base ref"));
  auto result =
      run_git(repo_root, {"rev-parse", "--verify", "--quiet", kEndOfOptions, base + "^{commit}"});
  if (!result) return result.error();
  if (!result->success()) {
    return make_error(
        "unknown base ref '{}': it is not a branch, tag or commit here; list branches with "
        "`git branch -a` and pass one with --base",
        base);
  }
  return {};
}

ReviewTarget working_tree_target(bool explicit_choice) {
  ReviewTarget target;
  target.mode = kModeWorkingTree;
  target.label = "working tree diff";
  target.app_server_target = {{"type", "uncommittedChanges"}};
  target.explicit_choice = explicit_choice;
  return target;
}

// A branch target against `base`, refused when HEAD has nothing beyond it.
Result<ReviewTarget> branch_target(const std::string& repo_root, const std::string& base,
                                   bool explicit_choice) {
  COMPANION_TRY(check_ref_argument(base, "base ref"));
  if (!has_head_commit(repo_root)) {
    return make_error(
        "cannot review a branch: the repository has no commits yet; use --scope working-tree");
  }
  auto ahead = git_output(repo_root, {"rev-list", "--count", kEndOfOptions, base + "..HEAD"});
  if (!ahead) return ahead.error();
  if (trim_right(*ahead) == "0") {
    return make_error(
        "nothing to review: HEAD has no commits beyond {} and the branch diff is empty; "
        "pass --base REF with an older base or review uncommitted work with --scope working-tree",
        base);
  }
  ReviewTarget target;
  target.mode = kModeBranch;
  target.base_ref = base;
  target.label = "branch diff against " + base;
  target.app_server_target = {{"type", "baseBranch"}, {"branch", base}};
  target.explicit_choice = explicit_choice;
  return target;
}

Result<std::string> required_default_base(const std::string& repo_root, bool tree_clean) {
  auto found = default_base_ref(repo_root);
  if (!found) return found.error();
  if (const auto& base = *found) return *base;
  if (tree_clean) {
    return make_error(
        "nothing to review: the working tree is clean and there is no default branch (origin/HEAD, "
        "main or master) to compare against; pass --base REF");
  }
  return make_error(
      "cannot find a default branch (origin/HEAD, main or master) to compare against; pass "
      "--base REF or use --scope working-tree");
}

}  // namespace

nlohmann::json ReviewTarget::to_json() const {
  return {{"mode", mode},
          {"label", label},
          {"baseRef", base_ref.empty() ? nlohmann::json(nullptr) : nlohmann::json(base_ref)},
          {"explicit", explicit_choice}};
}

Result<std::optional<std::string>> default_base_ref(const std::string& repo_root) {
  auto origin_head = run_git(repo_root, {"symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"});
  if (origin_head.ok() && origin_head->success()) {
    const std::string prefix = "refs/remotes/origin/";
    std::string ref = trim_right(origin_head->out);
    if (ref.rfind(prefix, 0) == 0 && ref.size() > prefix.size()) {
      // The remote chose this name: a hostile one is refused, not skipped in silence.
      std::string name = ref.substr(prefix.size());
      COMPANION_TRY(check_ref_argument(name, "the default branch that origin/HEAD names"));
      if (auto base = branch_or_remote(repo_root, name)) return base;
    }
  }
  for (const char* name : {"main", "master"}) {
    if (auto base = branch_or_remote(repo_root, name)) return base;
  }
  return std::optional<std::string>();
}

Result<bool> working_tree_dirty(const std::string& repo_root) {
  GitOptions options;
  options.max_stdout_bytes = 1;  // one byte answers the question
  options.kill_on_overflow = true;
  auto result = run_git(repo_root, {"status", "--porcelain", "--untracked-files=all"}, options);
  if (!result) return result.error();
  if (!result->stdout_truncated && !result->success()) {
    return make_error("cannot read the status of {}: git status failed ({}) {}", repo_root,
                      result->describe(), trim_right(result->err_tail));
  }
  return !result->out.empty();
}

Result<ReviewTarget> select_review_target(const std::string& repo_root, const std::string& scope,
                                          const std::optional<std::string>& base) {
  std::string wanted = scope.empty() ? "auto" : scope;
  if (wanted != "auto" && wanted != kModeWorkingTree && wanted != kModeBranch) {
    return make_error("unknown review scope '{}'; use --scope auto, working-tree or branch", scope);
  }
  auto root = find_repo_root(repo_root);
  if (!root) return root.error();
  if (base) {
    COMPANION_TRY(check_base_ref(*root, *base));
    return branch_target(*root, *base, true);
  }
  if (wanted == kModeBranch) {
    auto default_base = required_default_base(*root, false);
    if (!default_base) return default_base.error();
    return branch_target(*root, *default_base, true);
  }
  auto dirty = working_tree_dirty(*root);
  if (!dirty) return dirty.error();
  if (wanted == kModeWorkingTree) {
    if (!*dirty) {
      return make_error(
          "nothing to review: the working tree is clean; use --scope branch or --base REF to "
          "review committed changes");
    }
    return working_tree_target(true);
  }
  if (*dirty) return working_tree_target(false);
  if (!has_head_commit(*root)) {
    return make_error("nothing to review: the repository has no commits and no changes yet");
  }
  auto default_base = required_default_base(*root, true);
  if (!default_base) return default_base.error();
  return branch_target(*root, *default_base, false);
}

}  // namespace companion::git
