#include "hooks/hook_input.h"

#include <fmt/format.h>

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "sys/json_read.h"
#include "sys/text.h"

namespace companion::hooks {

namespace {

using Json = nlohmann::json;

const char* type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::null:
      return "null";
    default:
      return "a number";
  }
}

bool has_control(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The string member `key` into `out` (absent or null: left as is).
Status read_text(const Json& input, const char* key, std::string& out) {
  const Json* value = sys::json_field(input, key);
  if (value == nullptr || value->is_null()) return {};
  if (!value->is_string()) {
    return make_error("hook input: {} is {}, not a string", key, type_name(*value));
  }
  out = value->get<std::string>();
  return {};
}

// An identifier or path: bounded, on one line, and (for paths) absolute.
Status check_name(const char* key, const std::string& value, size_t max_bytes, bool path) {
  if (value.size() > max_bytes) {
    return make_error("hook input: {} is longer than {} bytes", key, max_bytes);
  }
  if (has_control(value)) return make_error("hook input: {} holds a control character", key);
  if (path && !value.empty() && value[0] != '/') {
    return make_error("hook input: {} is not an absolute path: {}", key, sys::excerpt(value, 80));
  }
  return {};
}

Status read_fields(const Json& input, HookInput& out) {
  const std::array<std::pair<const char*, std::string*>, 12> texts = {{
      {"session_id", &out.session_id},
      {"transcript_path", &out.transcript_path},
      {"cwd", &out.cwd},
      {"hook_event_name", &out.hook_event_name},
      {"source", &out.source},
      {"reason", &out.reason},
      {"last_assistant_message", &out.last_assistant_message},
      {"prompt", &out.prompt},
      {"expansion_type", &out.expansion_type},
      {"command_name", &out.command_name},
      {"command_args", &out.command_args},
      {"command_source", &out.command_source},
  }};
  for (const auto& [key, field] : texts) COMPANION_TRY(read_text(input, key, *field));
  if (const Json* active = sys::json_field(input, "stop_hook_active");
      active != nullptr && !active->is_null()) {
    if (!active->is_boolean()) {
      return make_error("hook input: stop_hook_active is {}, not a boolean", type_name(*active));
    }
    out.stop_hook_active = active->get<bool>();
  }
  COMPANION_TRY(check_name("session_id", out.session_id, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("hook_event_name", out.hook_event_name, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("source", out.source, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("reason", out.reason, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("expansion_type", out.expansion_type, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("command_name", out.command_name, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("command_source", out.command_source, kMaxHookIdBytes, false));
  COMPANION_TRY(check_name("transcript_path", out.transcript_path, kMaxHookPathBytes, true));
  COMPANION_TRY(check_name("cwd", out.cwd, kMaxHookPathBytes, true));
  return {};
}

}  // namespace

std::optional<HookEvent> parse_hook_event(std::string_view name) {
  if (name == "session-start") return HookEvent::kSessionStart;
  if (name == "session-end") return HookEvent::kSessionEnd;
  if (name == "stop") return HookEvent::kStop;
  if (name == "user-prompt-submit") return HookEvent::kUserPromptSubmit;
  if (name == "user-prompt-expansion") return HookEvent::kUserPromptExpansion;
  return std::nullopt;
}

Result<HookInput> parse_hook_input(std::string_view text) {
  HookInput out;
  if (sys::trim(text).empty()) return out;
  Json input = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return make_error("hook input is not valid JSON");
  if (!input.is_object()) {
    return make_error("hook input is {}, not a JSON object", type_name(input));
  }
  COMPANION_TRY(read_fields(input, out));
  return out;
}

}  // namespace companion::hooks
