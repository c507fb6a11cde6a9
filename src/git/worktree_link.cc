#include "git/worktree_link.h"

#include "git/git_command.h"
#include "sys/fs.h"
#include "sys/path_checks.h"
#include "sys/text.h"

namespace companion::git {

namespace {

constexpr size_t kMaxPointerBytes = 4096;

std::string absolute_from(const std::string& base, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : sys::join_path(base, path);
}

Error planted(const std::string& worktree, const std::string& why) {
  return make_coded_error(ErrorCode::kUnsafe,
                          "refusing to run git in the worktree {}: its .git {}, so it is no longer "
                          "the worktree git made for the repository (something in it replaced the "
                          "pointer); its change is not recorded and the worktree is kept as it is",
                          sys::quote_path(worktree), why);
}

// The repository's common git directory (where worktrees/ lives), as a real path.
Result<std::string> common_dir(sys::Env& env, const std::string& repo_root) {
  auto out = git_output(env, repo_root, {"rev-parse", "--git-common-dir"});
  if (!out) return out.error();
  std::string dir = absolute_from(repo_root, trim_right(*out));
  auto real = env.real_path(dir);
  if (!real) return make_error("cannot find the git directory of {}", repo_root);
  return *real;
}

}  // namespace

std::string gitdir_of(const std::string& text) {
  constexpr std::string_view kPrefix = "gitdir: ";
  std::string line = text;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.compare(0, kPrefix.size(), kPrefix) != 0 || line.find('\n') != std::string::npos) {
    return "";
  }
  return line.substr(kPrefix.size());
}

Status check_worktree_link(sys::Env& env, const std::string& repo_root,
                           const std::string& worktree) {
  if (env.path_kind(worktree) != sys::PathKind::kDirectory) {
    return make_coded_error(ErrorCode::kNotFound, "the worktree {} is gone",
                            sys::quote_path(worktree));
  }
  std::string pointer = sys::join_path(worktree, ".git");
  sys::PathKind kind = env.path_kind(pointer);
  if (kind == sys::PathKind::kDirectory) return planted(worktree, "is a directory");
  if (kind != sys::PathKind::kRegular) return planted(worktree, "is not a regular file");
  auto text = env.read_file(pointer, kMaxPointerBytes, sys::Links::kRefuse);
  if (!text) return planted(worktree, "cannot be read as a pointer file");
  std::string named = gitdir_of(*text);
  if (named.empty()) return planted(worktree, "is not a \"gitdir: <dir>\" pointer");
  auto record = env.real_path(absolute_from(worktree, named));
  auto common = common_dir(env, repo_root);
  if (!common) return common.error();
  if (!record || sys::dirname_of(*record) != sys::join_path(*common, "worktrees")) {
    return planted(worktree, "points outside the repository's .git/worktrees");
  }
  auto back =
      env.read_file(sys::join_path(*record, "gitdir"), kMaxPointerBytes, sys::Links::kRefuse);
  std::string back_line = back ? trim_right(*back) : "";
  auto back_real = env.real_path(absolute_from(*record, back_line));
  auto pointer_real = env.real_path(pointer);
  if (back_line.empty() || !back_real || !pointer_real || *back_real != *pointer_real) {
    return planted(worktree, "points at the record of another worktree");
  }
  return {};
}

}  // namespace companion::git
