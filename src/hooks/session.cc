#include "hooks/session.h"

namespace companion::hooks {

std::string shell_single_quote(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') {
      out += "'\"'\"'";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

std::string session_exports(const HookInput& input, const std::optional<std::string>& plugin_data) {
  std::string out;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty())
      out += std::string("export ") + name + "=" + shell_single_quote(value) + "\n";
  };
  add("CODEX_COMPANION_SESSION_ID", input.session_id);
  add("CODEX_COMPANION_TRANSCRIPT_PATH", input.transcript_path);
  add("CLAUDE_PLUGIN_DATA", plugin_data.value_or(""));
  return out;
}

Status ask_idle_broker_to_exit(const SessionEndRequest& request) {
  // No broker exists yet (see the header): nothing to ask, nothing to wait for.
  (void)request;
  return {};
}

}  // namespace companion::hooks
