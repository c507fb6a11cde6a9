#include "hooks/session.h"

#include <algorithm>

#include "broker/lifecycle.h"
#include "sys/text.h"

namespace companion::hooks {

std::string session_exports(const HookInput& input, const std::optional<std::string>& plugin_data) {
  std::string out;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty())
      out += std::string("export ") + name + "=" + sys::shell_single_quote(value) + "\n";
  };
  add("CODEX_COMPANION_SESSION_ID", input.session_id);
  add("CODEX_COMPANION_TRANSCRIPT_PATH", input.transcript_path);
  add("CLAUDE_PLUGIN_DATA", plugin_data.value_or(""));
  return out;
}

Status ask_idle_broker_to_exit(store::JobStore& store, int64_t budget_ms) {
  // stop_broker takes about 2 * answer_ms + 2 * grace_ms at worst.
  broker::StopOptions options{.force = false,
                              .answer_ms = std::max<int64_t>(budget_ms * 3 / 10, 50),
                              .grace_ms = std::max<int64_t>(budget_ms / 5, 50),
                              .tear_down_unanswering = false};
  auto stopped = broker::stop_broker(store, options);
  if (!stopped) return stopped.error();
  return {};
}

}  // namespace companion::hooks
