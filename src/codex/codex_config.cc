#include "codex/codex_config.h"

#include <algorithm>
#include <optional>
#include <set>

// Errors as values: toml::parse returns a parse_result instead of throwing.
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include "sys/fs.h"

namespace companion::codex {

namespace {

std::optional<toml::table> parse(std::string_view text) {
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) return std::nullopt;
  return std::move(parsed).table();
}

// Calls `visit(key, node)` for every key of `table` and of every table below it (in arrays of
// tables too), in the document's order. toml++ bounds the nesting while parsing.
template <class Visit>
void each_key(const toml::table& table, const Visit& visit) {
  for (const auto& [key, node] : table) {
    visit(key.str(), node);
    if (const toml::table* inner = node.as_table()) {
      each_key(*inner, visit);
    } else if (const toml::array* items = node.as_array()) {
      for (const toml::node& item : *items) {
        if (const toml::table* inner_item = item.as_table()) each_key(*inner_item, visit);
      }
    }
  }
}

bool is_variable_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string resolve_root(const std::string& root, const std::string& config_dir,
                         const std::string& home) {
  if (root == "~") return home;
  if (root.starts_with("~/")) {
    return home.empty() ? std::string() : sys::join_path(home, root.substr(2));
  }
  if (!root.empty() && root[0] == '/') return root;
  return config_dir.empty() ? std::string() : sys::join_path(config_dir, root);
}

}  // namespace

std::vector<CodexConfigFile> read_codex_configs(sys::Env& env, const std::string& codex_home,
                                                const std::string& workspace) {
  std::vector<std::string> paths = {"/etc/codex/config.toml"};
  if (!codex_home.empty()) paths.push_back(sys::join_path(codex_home, "config.toml"));
  if (!workspace.empty()) paths.push_back(sys::join_path(workspace, ".codex/config.toml"));
  std::vector<CodexConfigFile> out;
  for (std::string& path : paths) {
    auto text = env.read_file(path, kCodexConfigReadLimit, sys::Links::kFollow);
    if (text) out.push_back({std::move(path), std::move(*text)});
  }
  return out;
}

std::vector<std::string> config_variables(std::string_view toml) {
  auto table = parse(toml);
  if (!table) return {};
  std::set<std::string> names;
  auto add = [&names](const toml::node& node) {
    if (auto name = node.value<std::string>(); name && is_variable_name(*name)) {
      names.insert(*name);
    }
  };
  each_key(*table, [&add](std::string_view key, const toml::node& node) {
    if (key == "env_key") add(node);
    if (const toml::table* headers = node.as_table(); headers && key == "env_http_headers") {
      for (const auto& [header, variable] : *headers) add(variable);
    }
  });
  return {names.begin(), names.end()};
}

std::vector<std::string> writable_roots(std::string_view toml, const std::string& config_dir,
                                        const std::string& home) {
  auto table = parse(toml);
  if (!table) return {};
  std::vector<std::string> out;
  each_key(*table, [&](std::string_view key, const toml::node& node) {
    const toml::table* sandbox = node.as_table();
    if (key != "sandbox_workspace_write" || sandbox == nullptr) return;
    const toml::array* roots = sandbox->get_as<toml::array>("writable_roots");
    if (roots == nullptr) return;
    for (const toml::node& root : *roots) {
      auto text = root.value<std::string>();
      if (!text) continue;
      std::string resolved = resolve_root(*text, config_dir, home);
      if (!resolved.empty()) out.push_back(std::move(resolved));
    }
  });
  return out;
}

}  // namespace companion::codex
