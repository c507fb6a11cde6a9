// Running git for the review commands: stable, non-interactive settings, bounded output and
// time, and error messages that say what failed.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "sys/env.h"
#include "sys/result.h"
#include "sys/run.h"

namespace companion::git {

inline constexpr int kGitTimeoutMs = 30000;

struct GitOptions {
  size_t max_stdout_bytes = 4 * 1024 * 1024;
  bool kill_on_overflow = false;  // stop git once stdout passes the limit
  int timeout_ms = kGitTimeoutMs;
  // Extra environment (NAME, value), e.g. GIT_INDEX_FILE for a scratch index.
  std::vector<std::pair<std::string, std::string>> env;
  // git's stdin (else /dev/null): text that must not be an argument, such as a commit message
  // holding a task's summary (every local user can read a process's argv).
  std::string stdin_data;
};

// Runs `git <args>` in `dir` without a pager, colour, optional locks, prompts, hooks or an
// fsmonitor (programs a repository's .git/config can name: `worktree add` would run
// post-checkout, `add` and `status` the fsmonitor). A non-zero
// exit is not an error here (callers inspect the result); failing to run git is.
Result<sys::RunResult> run_git(sys::Env& env, const std::string& dir,
                               const std::vector<std::string>& args,
                               const GitOptions& options = {});

// Runs git and returns its stdout. A non-zero exit, a timeout or truncated output is an error
// naming the git command and quoting git's message.
Result<std::string> git_output(sys::Env& env, const std::string& dir,
                               const std::vector<std::string>& args,
                               const GitOptions& options = {});

// The top-level directory of the work tree containing `dir`. Errors: git missing, `dir` not
// inside a git work tree.
Result<std::string> find_repo_root(sys::Env& env, const std::string& dir);

// True when HEAD points at a commit (false in a repository with no commits yet).
bool has_head_commit(sys::Env& env, const std::string& repo_root);

// Splits NUL-separated output (git's -z form) into its non-empty fields.
std::vector<std::string> split_nul(const std::string& text);

// Splits text into lines, dropping a trailing newline and empty lines.
std::vector<std::string> split_lines(const std::string& text);

// Removes trailing whitespace and newlines.
std::string trim_right(std::string text);

}  // namespace companion::git
