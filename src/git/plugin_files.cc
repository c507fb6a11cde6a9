#include "git/plugin_files.h"

#include <stdlib.h>

#include <filesystem>

#include "sys/fs.h"
#include "sys/run.h"

namespace companion::git {

namespace {

std::optional<std::string> env_value(const char* name) {
  const char* value = ::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

bool holds_plugin(const std::string& dir) {
  return sys::path_exists(sys::join_path(dir, kAdversarialPromptFile));
}

// `dir`/`relative` with "." and ".." resolved lexically (the executable's path is canonical).
std::string beside(const std::string& dir, const std::string& relative) {
  std::string path = (std::filesystem::path(dir) / relative).lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

PluginSearch plugin_search_from_environment() {
  PluginSearch search;
  search.companion_root = env_value("CODEX_COMPANION_PLUGIN_ROOT");
  search.claude_root = env_value("CLAUDE_PLUGIN_ROOT");
  auto exe = sys::executable_path();
  if (exe) search.executable = *exe;
  return search;
}

std::vector<std::string> plugin_root_candidates(const PluginSearch& search) {
  std::vector<std::string> candidates;
  if (search.companion_root) candidates.push_back(*search.companion_root);
  if (search.claude_root) candidates.push_back(*search.claude_root);
  if (!search.executable.empty()) {
    std::string dir = sys::dirname_of(search.executable);
    candidates.push_back(beside(dir, ".."));
    candidates.push_back(beside(dir, "../../plugin"));
    candidates.push_back(beside(dir, "../share/codex-companion/plugin"));
  }
  return candidates;
}

Result<std::string> find_plugin_root(const PluginSearch& search) {
  if (search.companion_root && !holds_plugin(*search.companion_root)) {
    return make_error(
        "CODEX_COMPANION_PLUGIN_ROOT={} does not hold {}; point it at the plugin directory or "
        "unset it",
        *search.companion_root, kAdversarialPromptFile);
  }
  std::string tried;
  for (const auto& candidate : plugin_root_candidates(search)) {
    if (holds_plugin(candidate)) return candidate;
    tried += tried.empty() ? candidate : ", " + candidate;
  }
  return make_error(
      "cannot find the plugin directory (looked for {} in: {}); set CODEX_COMPANION_PLUGIN_ROOT "
      "to the plugin directory",
      kAdversarialPromptFile, tried.empty() ? "nowhere: no candidates" : tried);
}

Result<std::string> find_plugin_root() {
  return find_plugin_root(plugin_search_from_environment());
}

Result<std::string> read_plugin_file(const std::string& plugin_root, const std::string& relative) {
  auto text = sys::read_file(sys::join_path(plugin_root, relative));
  if (!text) {
    return make_error("cannot read the plugin file {}: {}", relative, text.error().message);
  }
  return text;
}

Result<nlohmann::json> read_plugin_json(const std::string& plugin_root,
                                        const std::string& relative) {
  auto text = read_plugin_file(plugin_root, relative);
  if (!text) return text.error();
  auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return make_error("the plugin file {} is not valid JSON; reinstall the plugin", relative);
  }
  return parsed;
}

}  // namespace companion::git
