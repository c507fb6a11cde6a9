#include "git/review_target.h"

#include "git/git_command.h"
#include "git/ref_argument.h"

namespace companion::git {

namespace {

bool ref_exists(sys::Env& env, const std::string& repo_root, const std::string& ref) {
  auto result = run_git(env, repo_root, {"show-ref", "--verify", "--quiet", kEndOfOptions, ref});
  return result.ok() && result->success();
}

// A local branch `name`, else origin/`name`; nullopt when neither exists.
std::optional<std::string> branch_or_remote(sys::Env& env, const std::string& repo_root,
                                            const std::string& name) {
  if (ref_exists(env, repo_root, "refs/heads/" + name)) return name;
  if (ref_exists(env, repo_root, "refs/remotes/origin/" + name)) return "origin/" + name;
  return std::nullopt;
}

Status check_base_ref(sys::Env& env, const std::string& repo_root, const std::string& base) {
  COMPANION_TRY(check_ref_argument(base, "base ref"));
  auto result = run_git(env, repo_root,
                        {"rev-parse", "--verify", "--quiet", kEndOfOptions, base + "^{commit}"});
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

// A branch target against `base`. Chosen by `auto`, it is refused when HEAD has no commits beyond
// the base (the review would be empty). Chosen explicitly (--base, --scope branch), it is sent as
// it is, as the reference plugin does: Codex's built-in reviewer then compares the base with the
// working tree, so uncommitted work on top of the base is what gets reviewed.
Result<ReviewTarget> branch_target(sys::Env& env, const std::string& repo_root,
                                   const std::string& base, bool explicit_choice) {
  COMPANION_TRY(check_ref_argument(base, "base ref"));
  if (!has_head_commit(env, repo_root)) {
    return make_error(
        "cannot review a branch: the repository has no commits yet; use --scope working-tree");
  }
  if (!explicit_choice) {
    auto ahead =
        git_output(env, repo_root, {"rev-list", "--count", kEndOfOptions, base + "..HEAD"});
    if (!ahead) return ahead.error();
    if (trim_right(*ahead) == "0") {
      return make_error(
          "nothing to review: the working tree is clean and HEAD has no commits beyond {}; "
          "pass --base REF with an older base",
          base);
    }
  }
  ReviewTarget target;
  target.mode = kModeBranch;
  target.base_ref = base;
  target.label = "branch diff against " + base;
  target.app_server_target = {{"type", "baseBranch"}, {"branch", base}};
  target.explicit_choice = explicit_choice;
  return target;
}

Result<std::string> required_default_base(sys::Env& env, const std::string& repo_root,
                                          bool tree_clean) {
  auto found = default_base_ref(env, repo_root);
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

Result<std::optional<std::string>> default_base_ref(sys::Env& env, const std::string& repo_root) {
  auto origin_head =
      run_git(env, repo_root, {"symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"});
  if (origin_head.ok() && origin_head->success()) {
    const std::string prefix = "refs/remotes/origin/";
    std::string ref = trim_right(origin_head->out);
    if (ref.rfind(prefix, 0) == 0 && ref.size() > prefix.size()) {
      // The remote chose this name: a hostile one is refused, not skipped in silence.
      std::string name = ref.substr(prefix.size());
      COMPANION_TRY(check_ref_argument(name, "the default branch that origin/HEAD names"));
      if (auto base = branch_or_remote(env, repo_root, name)) return base;
    }
  }
  for (const char* name : {"main", "master"}) {
    if (auto base = branch_or_remote(env, repo_root, name)) return base;
  }
  return std::optional<std::string>();
}

Result<bool> working_tree_dirty(sys::Env& env, const std::string& repo_root) {
  GitOptions options;
  options.max_stdout_bytes = 1;  // one byte answers the question
  options.kill_on_overflow = true;
  auto result =
      run_git(env, repo_root, {"status", "--porcelain", "--untracked-files=all"}, options);
  if (!result) return result.error();
  if (!result->stdout_truncated && !result->success()) {
    return make_error("cannot read the status of {}: git status failed ({}) {}", repo_root,
                      result->describe(), trim_right(result->err_tail));
  }
  return !result->out.empty();
}

Result<ReviewTarget> select_review_target(sys::Env& env, const std::string& repo_root,
                                          const std::string& scope,
                                          const std::optional<std::string>& base) {
  std::string wanted = scope.empty() ? "auto" : scope;
  if (wanted != "auto" && wanted != kModeWorkingTree && wanted != kModeBranch) {
    // The reference plugin's sentence (scripts match it).
    return make_error(
        "Unsupported review scope \"{}\". Use one of: auto, working-tree, branch, or pass "
        "--base <ref>.",
        scope);
  }
  auto root = find_repo_root(env, repo_root);
  if (!root) return root.error();
  if (base) {
    COMPANION_TRY(check_base_ref(env, *root, *base));
    return branch_target(env, *root, *base, true);
  }
  if (wanted == kModeBranch) {
    auto default_base = required_default_base(env, *root, false);
    if (!default_base) return default_base.error();
    return branch_target(env, *root, *default_base, true);
  }
  // Asked for explicitly, the working tree is reviewed even when clean (as the reference does).
  if (wanted == kModeWorkingTree) return working_tree_target(true);
  auto dirty = working_tree_dirty(env, *root);
  if (!dirty) return dirty.error();
  if (*dirty) return working_tree_target(false);
  if (!has_head_commit(env, *root)) {
    return make_error("nothing to review: the repository has no commits and no changes yet");
  }
  auto default_base = required_default_base(env, *root, true);
  if (!default_base) return default_base.error();
  return branch_target(env, *root, *default_base, false);
}

}  // namespace companion::git
