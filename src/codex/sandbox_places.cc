#include "codex/sandbox_places.h"

#include <algorithm>

#include "sys/fs.h"

namespace companion::codex {

std::vector<sys::WritablePlace> always_writable_places(const sys::Config& config) {
  std::vector<sys::WritablePlace> places = {{"/tmp", "/tmp"}};
  if (!config.tmpdir.empty()) places.push_back({config.tmpdir, "$TMPDIR (" + config.tmpdir + ")"});
  return places;
}

std::vector<sys::WritablePlace> task_writable_places(const sys::Config& config,
                                                     const std::string& workspace, sys::Env& env) {
  std::vector<sys::WritablePlace> places = always_writable_places(config);
  for (const CodexConfigFile& file : read_codex_configs(env, config.codex_home, workspace)) {
    for (std::string& root : writable_roots(file.text, sys::dirname_of(file.path), config.home)) {
      places.push_back({std::move(root), "a writable root of " + file.path +
                                             " (sandbox_workspace_write.writable_roots)"});
    }
  }
  return places;
}

std::vector<sys::WritablePlace> untrusted_places(const sys::Config& config,
                                                 const std::string& workspace, sys::Env& env) {
  std::vector<sys::WritablePlace> places = task_writable_places(config, workspace, env);
  if (!workspace.empty() && workspace != "/") {
    places.push_back({workspace, "the workspace " + workspace});
  }
  return places;
}

Result<CodexCommand> resolve_placed_codex(const sys::Config& config, const std::string& workspace,
                                          sys::Env& env) {
  auto codex = resolve_codex(env, config);
  if (!codex) return codex.error();
  const auto places = untrusted_places(config, workspace, env);
  for (const std::string& file : {codex->program, codex->launcher}) {
    if (file.empty()) continue;
    if (auto place = sys::place_holding(file, places)) {
      return make_error(
          "refusing to run the Codex CLI {} (from {}): it is inside {}, where a sandboxed Codex "
          "write task may write, so a task could replace what runs outside the sandbox; install "
          "Codex elsewhere (npm install -g @openai/codex) or set CODEX_COMPANION_CODEX to one "
          "outside your repositories, /tmp and $TMPDIR",
          file, config.codex ? "CODEX_COMPANION_CODEX" : "PATH", place->what);
    }
  }
  return codex;
}

Status check_plugin_root(const sys::Config& config, const std::string& workspace, sys::Env& env) {
  if (!config.plugin_root) return {};
  if (auto place =
          sys::place_holding(*config.plugin_root, untrusted_places(config, workspace, env))) {
    return make_error(
        "refusing CODEX_COMPANION_PLUGIN_ROOT={}: it is inside {}, where a sandboxed Codex write "
        "task may write, so a task could rewrite the prompts; copy the plugin directory "
        "elsewhere and point CODEX_COMPANION_PLUGIN_ROOT there, or unset it",
        *config.plugin_root, place->what);
  }
  return {};
}

}  // namespace companion::codex
