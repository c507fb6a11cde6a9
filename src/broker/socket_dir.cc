#include "broker/socket_dir.h"

#include <fmt/format.h>

#include "sys/fs.h"
#include "sys/unix_socket.h"

namespace companion::broker {

std::vector<std::string> socket_parents(const sys::Config& config) {
  std::vector<std::string> out;
  if (!config.xdg_runtime_dir.empty()) {
    out.push_back(sys::join_path(config.xdg_runtime_dir, "codex-companion"));
  }
  if (!config.state_root.empty()) out.push_back(sys::join_path(config.state_root, "run"));
  return out;
}

Status check_socket_dir(sys::Env& env, const std::string& dir,
                        const std::vector<sys::WritablePlace>& places) {
  if (auto place = sys::place_holding(dir, places)) {
    return make_error(
        "refusing the broker socket directory {}: it is inside {}, where a sandboxed Codex task "
        "may write (it could put its own socket there and be sent your jobs)",
        dir, place->what);
  }
  return env.check_private_dir(dir);
}

Result<std::string> make_broker_socket_dir(sys::Env& env, const std::vector<std::string>& parents,
                                           const std::vector<sys::WritablePlace>& places) {
  std::vector<std::string> why;
  for (const std::string& parent : parents) {
    // XDG_RUNTIME_DIR itself must already be the user's private directory: it is not ours to
    // create. Our folder in it, or in the state root, is created.
    const std::string above = sys::dirname_of(parent);
    Status ok = env.path_exists(above) ? check_socket_dir(env, above, places)
                                       : make_error("{} does not exist", above);
    if (ok.ok()) ok = env.ensure_private_dir(parent);
    if (ok.ok()) ok = check_socket_dir(env, parent, places);
    if (ok.ok()) {
      auto dir = env.make_socket_dir(parent, "cxc-");
      if (dir) return dir;
      ok = dir.error();
    }
    why.push_back(ok.error().message);
  }
  if (why.empty()) why.push_back("no state root and no XDG_RUNTIME_DIR");
  return make_error(
      "no private directory for the broker's socket ({}); set XDG_RUNTIME_DIR to your private "
      "runtime directory, or CODEX_COMPANION_STATE_DIR to a shorter one",
      fmt::join(why, "; "));
}

}  // namespace companion::broker
