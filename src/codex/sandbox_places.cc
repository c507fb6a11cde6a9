#include "codex/sandbox_places.h"

#include <algorithm>

#include "sys/fs.h"

namespace companion::codex {

namespace {

constexpr size_t kConfigReadLimit = 1024 * 1024;
constexpr std::string_view kTable = "sandbox_workspace_write";
constexpr std::string_view kKey = "writable_roots";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// The key's name without quotes around its segments ("a"."b" -> a.b), spaces dropped.
std::string plain_key(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c != '"' && c != '\'' && c != ' ' && c != '\t') out.push_back(c);
  }
  return out;
}

bool ends_with_segment(const std::string& key, std::string_view last) {
  return key == last || (key.size() > last.size() && key.ends_with(last) &&
                         key[key.size() - last.size() - 1] == '.');
}

// The strings of the array that starts at text[at] ('['), up to its closing ']' outside quotes
// (or the end of the text); `#` comments between items are skipped. Sets `at` past it.
std::vector<std::string> string_array(std::string_view text, size_t& at) {
  std::vector<std::string> out;
  ++at;  // '['
  while (at < text.size()) {
    char c = text[at];
    if (c == ']') {
      ++at;
      break;
    }
    if (c == '#') {
      size_t eol = text.find('\n', at);
      at = eol == std::string_view::npos ? text.size() : eol;
      continue;
    }
    if (c != '"' && c != '\'') {
      ++at;
      continue;
    }
    std::string value;
    size_t i = at + 1;
    while (i < text.size() && text[i] != c && text[i] != '\n') {
      if (c == '"' && text[i] == '\\' && i + 1 < text.size()) {
        char e = text[i + 1];
        value.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
        i += 2;
        continue;
      }
      value.push_back(text[i++]);
    }
    if (i < text.size() && text[i] == c) out.push_back(std::move(value));
    at = i + 1;
  }
  return out;
}

std::string resolve_root(const std::string& root, const std::string& config_dir,
                         const std::string& home) {
  if (root == "~") return home;
  if (root.starts_with("~/"))
    return home.empty() ? std::string() : sys::join_path(home, root.substr(2));
  if (!root.empty() && root[0] == '/') return root;
  return config_dir.empty() ? std::string() : sys::join_path(config_dir, root);
}

}  // namespace

std::vector<std::string> writable_roots(std::string_view toml, const std::string& config_dir,
                                        const std::string& home) {
  std::vector<std::string> out;
  std::string table;  // the current [table]'s key, plain
  size_t at = 0;
  while (at < toml.size()) {
    size_t eol = toml.find('\n', at);
    if (eol == std::string_view::npos) eol = toml.size();
    std::string_view line = trim(toml.substr(at, eol - at));
    size_t next = eol + 1;
    if (!line.empty() && line[0] == '[') {
      std::string_view header = line.substr(line.find_first_not_of('['));
      table = plain_key(header.substr(0, header.find(']')));
    } else if (size_t eq = line.find('=');
               !line.empty() && line[0] != '#' && eq != std::string_view::npos) {
      std::string key = plain_key(line.substr(0, eq));
      std::string full = table.empty() ? key : table + "." + key;
      if (ends_with_segment(full, std::string(kTable) + "." + std::string(kKey))) {
        const auto line_at = static_cast<size_t>(line.data() - toml.data());
        size_t open = toml.find_first_not_of(" \t", line_at + eq + 1);
        if (open != std::string_view::npos && toml[open] == '[') {
          size_t end = open;
          for (const std::string& root : string_array(toml, end)) {
            std::string resolved = resolve_root(root, config_dir, home);
            if (!resolved.empty()) out.push_back(std::move(resolved));
          }
          next = std::max(next, end);
        }
      }
    }
    at = next;
  }
  return out;
}

std::vector<sys::WritablePlace> always_writable_places(const sys::Config& config) {
  std::vector<sys::WritablePlace> places = {{"/tmp", "/tmp"}};
  if (!config.tmpdir.empty()) places.push_back({config.tmpdir, "$TMPDIR (" + config.tmpdir + ")"});
  return places;
}

std::vector<sys::WritablePlace> task_writable_places(const sys::Config& config,
                                                     const std::string& workspace, sys::Env& env) {
  std::vector<sys::WritablePlace> places = always_writable_places(config);
  std::vector<std::string> configs = {"/etc/codex/config.toml"};
  if (!config.codex_home.empty())
    configs.push_back(sys::join_path(config.codex_home, "config.toml"));
  if (!workspace.empty()) configs.push_back(sys::join_path(workspace, ".codex/config.toml"));
  for (const std::string& path : configs) {
    auto text = env.read_file(path, kConfigReadLimit, sys::Links::kFollow);
    if (!text) continue;
    for (std::string& root : writable_roots(*text, sys::dirname_of(path), config.home)) {
      places.push_back({std::move(root), "a writable root of " + path +
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
