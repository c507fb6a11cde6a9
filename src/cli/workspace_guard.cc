#include "cli/workspace_guard.h"

#include "sys/path_checks.h"

namespace companion::cli {

Status check_workspace_root(sys::Env& env, const std::string& root, bool allow_any) {
  if (allow_any) return {};
  constexpr const char* kWayOut =
      "run from your project directory or pass --cwd DIR (set "
      "CODEX_COMPANION_ALLOW_ANY_WORKSPACE=1 to allow it anyway)";
  if (root == "/") {
    return make_error("refusing / as the workspace: it is the filesystem root; {}", kWayOut);
  }
  auto pseudo = env.pseudo_filesystem_of(root);
  if (!pseudo) return pseudo.error();
  if (pseudo->has_value()) {
    return make_error("refusing {} as the workspace: it is on the {} pseudo-filesystem; {}", root,
                      **pseudo, kWayOut);
  }
  return {};
}

}  // namespace companion::cli
