#include "git/git_command.h"

#include "sys/fs.h"
#include "sys/process.h"

namespace companion::git {

namespace {

std::string first_line(const std::string& text) {
  std::string trimmed = trim_right(text);
  size_t start = trimmed.find_first_not_of(" \t\n");
  if (start == std::string::npos) return "";
  size_t end = trimmed.find('\n', start);
  return trimmed.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string command_text(const std::vector<std::string>& args) {
  std::string text = "git";
  for (const auto& arg : args) {
    text += ' ';
    text += arg;
  }
  return text;
}

}  // namespace

Result<sys::RunResult> run_git(sys::Env& env, const std::string& dir,
                               const std::vector<std::string>& args, const GitOptions& options) {
  sys::RunOptions run;
  // Nothing the repository's .git/config names runs: no hooks, no fsmonitor.
  run.argv = {"git", "--no-pager",          "-c", "core.quotePath=false",
              "-c",  "color.ui=false",      "-c", "core.hooksPath=/dev/null",
              "-c",  "core.fsmonitor=false"};
  run.argv.insert(run.argv.end(), args.begin(), args.end());
  run.cwd = dir;
  // No index refresh writes (GIT_OPTIONAL_LOCKS), no credential prompts, untranslated messages.
  run.env = {{"GIT_OPTIONAL_LOCKS", "0"},
             {"GIT_TERMINAL_PROMPT", "0"},
             {"GIT_PAGER", "cat"},
             {"LC_ALL", "C"}};
  run.env.insert(run.env.end(), options.env.begin(), options.env.end());
  run.max_stdout_bytes = options.max_stdout_bytes;
  run.kill_on_overflow = options.kill_on_overflow;
  run.timeout_ms = options.timeout_ms;
  sys::UniqueFd input;
  if (!options.stdin_data.empty()) {
    auto data = env.data_fd(options.stdin_data);
    if (!data) return data.error();
    input = std::move(*data);
    run.stdin_fd = input.get();
  }
  auto result = env.run_command(run);
  if (!result) {
    if (!env.find_executable("git", std::nullopt)) {
      return make_error("git was not found on PATH; install Git and retry");
    }
    return make_error("cannot run {} in {}: {}", command_text(args), dir, result.error().message);
  }
  return result;
}

Result<std::string> git_output(sys::Env& env, const std::string& dir,
                               const std::vector<std::string>& args, const GitOptions& options) {
  auto result = run_git(env, dir, args, options);
  if (!result) return result.error();
  if (result->timed_out) {
    return make_error("{} timed out after {} s in {}", command_text(args),
                      options.timeout_ms / 1000, dir);
  }
  if (!result->success()) {
    std::string message = first_line(result->err_tail);
    return make_error("{} failed ({}){}{}", command_text(args), result->describe(),
                      message.empty() ? "" : ": ", message);
  }
  if (result->stdout_truncated) {
    return make_error("{} printed more than {} bytes", command_text(args),
                      options.max_stdout_bytes);
  }
  return std::move(result->out);
}

Result<std::string> find_repo_root(sys::Env& env, const std::string& dir) {
  if (!env.is_directory(dir)) return make_error("{} is not a directory", dir);
  auto result = run_git(env, dir, {"rev-parse", "--show-toplevel"});
  if (!result) return result.error();
  if (!result->success()) {
    std::string message = first_line(result->err_tail);
    if (message.find("not a git repository") != std::string::npos) {
      return make_error(
          "{} is not inside a git repository; run this from a repository or pass --cwd", dir);
    }
    return make_error("cannot find the git repository of {}: {}", dir,
                      message.empty() ? result->describe() : message);
  }
  std::string root = trim_right(result->out);
  if (root.empty()) {
    return make_error("{} is not inside a git work tree (a bare repository cannot be reviewed)",
                      dir);
  }
  return root;
}

bool has_head_commit(sys::Env& env, const std::string& repo_root) {
  auto result = run_git(env, repo_root, {"rev-parse", "--verify", "--quiet", "HEAD^{commit}"});
  return result.ok() && result->success();
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) fields.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string trim_right(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.pop_back();
  }
  return text;
}

}  // namespace companion::git
