// The repository context handed to an adversarial review: status, changed files, the diff and
// the text of untracked files, inlined within size bounds.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "git/git_command.h"
#include "git/review_target.h"
#include "sys/env.h"
#include "sys/result.h"

namespace companion::git {

// Deliberately unlike the reference plugin, which inlines the diff only for at most 2 changed
// files (and 256 KiB), the number of files does not matter here: a change of many small files is
// inlined whole up to 256 KiB, which spares Codex the tool calls to read it back (README,
// "Differences from the reference").
struct ContextLimits {
  size_t max_inline_bytes = 256 * 1024;  // diff and untracked-file text, in total
  size_t max_file_bytes = 64 * 1024;     // one file's diff, or one untracked file
  size_t max_listed_files = 200;         // file names listed before "... and N more"
  int git_timeout_ms = kGitTimeoutMs;    // per git command
};

struct ReviewContext {
  std::string repo_root;
  std::string branch;   // current branch name, "HEAD" when detached
  std::string summary;  // one line, e.g. "3 files changed, 2 untracked"
  std::string content;  // Markdown sections for the prompt's {{REVIEW_INPUT}}
  // True when the whole change is inlined in `content`. False when something was left out for
  // size; `content` then says so and asks Codex to inspect the repository with git itself.
  bool inlined = true;
  // One sentence for the prompt on how to use `content` ({{REVIEW_COLLECTION_GUIDANCE}}); when
  // something was left out it calls the context a "lightweight summary" and asks for "read-only
  // git commands" (the words the reference plugin's prompt uses there).
  std::string guidance;
  std::vector<std::string> changed_files;    // tracked files touched by the target
  std::vector<std::string> untracked_files;  // working-tree mode only

  // {repoRoot, branch, summary} for --json payloads.
  nlohmann::json to_json() const;
};

// Collects the context of `target` (from select_review_target) in the repository containing
// `repo_root`. Working tree: staged and unstaged changes against HEAD (against the empty tree
// in a repository with no commits yet) plus untracked files. Branch: merge-base(base, HEAD)
// to HEAD. Binary files are named, never inlined; directories, symlinks and special files
// among the untracked entries are skipped. Errors: git failures, no merge-base.
Result<ReviewContext> collect_review_context(sys::Env& env, const std::string& repo_root,
                                             const ReviewTarget& target,
                                             const ContextLimits& limits = {});

}  // namespace companion::git
