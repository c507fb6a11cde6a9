#include "hooks/typed_arguments.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <random>

#include "sys/json_read.h"

namespace companion::hooks {

namespace {

constexpr std::array<std::string_view, 13> kPluginCommands = {
    "review", "adversarial-review", "rescue", "status", "result", "cancel",
    "setup",  "transfer",           "logs",   "apply",  "config", "queue",
    "steer"};
constexpr std::string_view kPluginPrefix = "codex:";
constexpr size_t kMaxSessionIdBytes = 128;

bool plain_session_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxSessionIdBytes || id == "." || id == "..") return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string stash_dir(const std::string& state_root) {
  return sys::join_path(state_root, "typed-arguments");
}

}  // namespace

std::optional<std::string> plugin_command(std::string_view command_name) {
  if (command_name.substr(0, kPluginPrefix.size()) != kPluginPrefix) return std::nullopt;
  std::string_view name = command_name.substr(kPluginPrefix.size());
  for (std::string_view known : kPluginCommands) {
    if (name == known) return std::string(name);
  }
  return std::nullopt;
}

std::string runtime_command(std::string_view command) {
  return command == "rescue" ? "task" : std::string(command);
}

Result<std::string> typed_arguments_path(const std::string& state_root,
                                         const std::string& session_id) {
  if (!plain_session_id(session_id)) {
    return make_error(
        "the Claude Code session id must be 1-{} letters, digits, '.', '_' or '-' (got {} "
        "bytes)",
        kMaxSessionIdBytes, session_id.size());
  }
  return sys::join_path(stash_dir(state_root), session_id + ".json");
}

Status stash_typed_arguments(sys::Env& env, const std::string& state_root,
                             const std::string& session_id, const std::string& command,
                             const std::string& arguments) {
  auto path = typed_arguments_path(state_root, session_id);
  if (!path) return path.error();
  if (arguments.size() > kMaxTypedArgumentsBytes) {
    return make_error("the arguments typed after /codex:{} are longer than {} bytes", command,
                      kMaxTypedArgumentsBytes);
  }
  COMPANION_TRY(env.ensure_private_dir(stash_dir(state_root)));
  nlohmann::json record = {{"sessionId", session_id},
                           {"command", command},
                           {"arguments", arguments},
                           {"createdAt", env.now_ms()}};
  return env.write_file_atomic(
      *path, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Status clear_typed_arguments(sys::Env& env, const std::string& state_root,
                             const std::string& session_id) {
  auto path = typed_arguments_path(state_root, session_id);
  if (!path) return {};  // no stash is ever kept for such an id
  return env.remove_file(*path);
}

Result<std::optional<std::string>> take_typed_arguments(sys::Env& env,
                                                        const std::string& state_root,
                                                        const std::string& session_id,
                                                        const std::string& command) {
  auto path = typed_arguments_path(state_root, session_id);
  if (!path || !env.path_exists(*path)) return std::optional<std::string>();
  // The JSON escapes of a stash at the bound take at most 6 bytes per byte typed.
  auto text = env.read_file(*path, 6 * kMaxTypedArgumentsBytes + 4096, sys::Links::kRefuse);
  if (!text) {
    (void)env.remove_file(*path);
    return make_error("cannot read the arguments typed after /codex:{}: {}", command,
                      text.error().message);
  }
  nlohmann::json record = sys::parse_json(*text);
  const nlohmann::json* arguments = sys::json_field(record, "arguments");
  if (arguments == nullptr || !arguments->is_string() ||
      sys::json_text(record, "sessionId") != session_id) {
    (void)env.remove_file(*path);
    return make_error(
        "the arguments typed after /codex:{} were stored unreadably ({}); type "
        "the command again",
        command, *path);
  }
  if (sys::json_text(record, "command") != command) return std::optional<std::string>();
  std::string typed = arguments->is_string() ? arguments->get<std::string>() : std::string();
  COMPANION_TRY(env.remove_file(*path));
  return std::optional<std::string>(std::move(typed));
}

std::string slash_raw_arguments(const std::vector<std::string>& options, std::string_view typed) {
  std::string raw;
  for (const auto& option : options) {
    if (!raw.empty()) raw.push_back(' ');
    raw.append(option);
  }
  if (!raw.empty() && !typed.empty()) raw.push_back(' ');
  raw.append(typed);
  return raw;
}

bool is_fixed_option(std::string_view word) {
  if (word.size() < 3 || word.substr(0, 2) != "--" || word[2] == '-') return false;
  for (char c : word.substr(2)) {
    if (!((c >= 'a' && c <= 'z') || c == '-')) return false;
  }
  return true;
}

std::string fallback_instructions(std::string_view command, const std::vector<std::string>& options,
                                  std::string_view marker) {
  std::string leading = slash_raw_arguments(options, "");
  if (!leading.empty()) leading.push_back(' ');
  return fmt::format(
      "codex-companion: the arguments typed after /codex:{0} did not reach codex-companion "
      "(its UserPromptExpansion hook did not run: hooks are off, or the command was not typed "
      "by the user). Run this instead, as one Bash call, putting the arguments exactly as typed "
      "(they may be empty) in place of <the arguments>, with nothing quoted or escaped:\n"
      "\n"
      "codex-companion {1} \"$(cat <<'{2}'\n"
      "{3}<the arguments>\n"
      "\n"
      "{2}\n"
      ")\"\n",
      command, runtime_command(command), marker, leading);
}

std::string random_marker() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string marker = "CODEX_COMPANION_ARGS_";
  for (int i = 0; i < 24; ++i) marker.push_back("0123456789abcdef"[digit(device)]);
  return marker;
}

}  // namespace companion::hooks
