#include "store/workspace.h"

#include "sys/fs.h"
#include "sys/path_checks.h"
#include "sys/sha256.h"

namespace companion::store {

Result<WorkspaceRoot> find_workspace_root(sys::Env& env, const std::string& dir) {
  auto real = env.real_path(dir);
  if (!real) return make_error("cannot use working directory {}: it does not exist", dir);
  if (!env.is_directory(*real)) return make_error("working directory {} is not a directory", dir);
  const uid_t me = env.effective_uid();
  auto ours = [&env, me](const std::string& path) {
    auto owner = env.owner_of(path);
    return owner.ok() && *owner == me;
  };
  bool trusted = true;  // no directory of another user between `dir` and `cur`
  for (std::string cur = *real;; cur = sys::dirname_of(cur)) {
    if (cur != *real && trusted && !ours(cur)) trusted = false;
    std::string git = sys::join_path(cur, ".git");
    if (env.path_exists(git)) {
      if (cur == *real || (trusted && ours(git))) return WorkspaceRoot{cur, ""};
      return WorkspaceRoot{*real, cur};  // someone else's repository: not ours
    }
    if (cur == "/") break;
  }
  return WorkspaceRoot{*real, ""};
}

Result<std::string> workspace_root_of(sys::Env& env, const std::string& dir) {
  auto found = find_workspace_root(env, dir);
  if (!found) return found.error();
  return found->root;
}

std::string workspace_dir_name(const std::string& root) {
  std::string slug;
  for (char c : sys::basename_of(root)) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      slug.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if (alnum || c == '.' || c == '_') {
      slug.push_back(c);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  while (!slug.empty() && (slug.back() == '-' || slug.back() == '.')) slug.pop_back();
  while (!slug.empty() && slug.front() == '.') slug.erase(slug.begin());
  if (slug.size() > 48) slug.resize(48);
  if (slug.empty()) slug = "workspace";
  return slug + "-" + sys::sha256_hex(root).substr(0, 16);
}

Result<Workspace> resolve_workspace(sys::Env& env, const std::string& cwd,
                                    const std::string& state_root) {
  auto root = find_workspace_root(env, cwd);
  if (!root) return root.error();
  return Workspace{root->root, sys::join_path(state_root, workspace_dir_name(root->root)),
                   root->ignored_repository};
}

namespace {

Error misplaced(const Workspace& ws, const std::string& source, const std::string& where,
                const std::string& who) {
  return make_error(
      "refusing the state directory {} (from {}): it is inside {}, where {} may write, so a task "
      "could rewrite the job store and the notify command run outside the sandbox; set "
      "CODEX_COMPANION_STATE_DIR to an absolute directory outside your repositories, /tmp and "
      "$TMPDIR (the default is ~/.local/state/codex-companion)",
      ws.state_dir, source, where, who);
}

}  // namespace

Status check_state_placement(sys::Env& env, const Workspace& ws, const std::string& source,
                             const std::string& tmpdir) {
  std::string state = env.resolve_existing_prefix(ws.state_dir);
  const std::string who = "every Codex write task's sandbox";
  if (sys::is_inside_or_same(state, env.resolve_existing_prefix("/tmp"))) {
    return misplaced(ws, source, "/tmp", who);
  }
  if (!tmpdir.empty() && sys::is_inside_or_same(state, env.resolve_existing_prefix(tmpdir))) {
    return misplaced(ws, source, "$TMPDIR (" + tmpdir + ")", who);
  }
  return {};
}

Status check_write_task_placement(sys::Env& env, const Workspace& ws, const std::string& source,
                                  const std::vector<sys::WritablePlace>& writable) {
  std::string state = env.resolve_existing_prefix(ws.state_dir);
  if (ws.root != "/" && sys::is_inside_or_same(state, ws.root)) {
    return misplaced(ws, source, "the workspace " + ws.root, "this write task's sandbox");
  }
  if (auto place = sys::place_holding(ws.state_dir, writable)) {
    return misplaced(ws, source, place->what, "this write task's sandbox");
  }
  return {};
}

Status prepare_workspace_dirs(sys::Env& env, const Workspace& ws) {
  COMPANION_TRY(env.ensure_private_dir(sys::dirname_of(ws.state_dir)));
  COMPANION_TRY(env.ensure_private_dir(ws.state_dir));
  return env.ensure_private_dir(ws.jobs_dir());
}

}  // namespace companion::store
